"""The supervisor half of a run: ``run(spec) -> Outcome``.

In order: validate (the spec did, at construction); take a slot (uid/gid); start the box (the
helper, ``native/jbox.c``, builds its namespaces and root from the plan, ``_plan``) and
meanwhile create the box cgroup and set its limits and prepare ``/box`` (a detached tmpfs
holding the caller's files); send init the run's order; watch it — CPU time from the cgroup,
wall time from the monotonic clock, output as it arrives — and kill the whole box when a limit
passes; collect the result and the requested files; then clean up everything, also on
exceptions and Ctrl-C.
"""

from __future__ import annotations

import atexit
import dataclasses
import errno
import fcntl
import functools
import os
import select
import signal
import socket
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import _hostfiles, _libc, caps, cgroups, cpus, forkserver, mounts, rlimits, seccomp, slots
from ._plan import ChildPlan, RunOrder, encode_order
from .errors import HostError, SpecError
from .outcome import Outcome, Status
from .spec import COLLECT_ALL, COLLECT_ALL_MAX, Limits, SandboxSpec
from .templates import load_template
from .watchdog import Watchdog

__all__ = ["run", "prepare", "Prepared", "prepare_cgroup", "complete", "prepare_run",
           "run_in_box"]

MLE_MARGIN = 0.97  # a failed run whose peak reached 97 % of the limit ran out of memory


@dataclass(frozen=True)
class _Host:
    run_dir: str
    cgroups: cgroups.Backend
    last_cap: int


@functools.lru_cache(maxsize=1)
def _host() -> _Host:
    host = _Host(slots.run_dir(), cgroups.backend(), caps.cap_last_cap())
    _sweep(host)
    atexit.register(_at_exit, host)
    return host


_BEFORE_EXIT: list[Callable[[], None]] = []


def before_exit(hook: Callable[[], None]) -> None:
    """Have ``hook`` run when the process exits, before the slots' cpu cgroups go (the pool of
    prepared boxes closes its boxes there: ``box``)."""
    _BEFORE_EXIT.append(hook)


def _at_exit(host: _Host) -> None:
    """The hooks (the process's prepared boxes close); then the slots' cpu cgroups and the
    CPUs' cpusets it used (kept between its boxes) go."""
    for hook in _BEFORE_EXIT:
        hook()
    host.cgroups.remove_shares(host.cgroups.used_shares())
    _remove_pins(host, host.cgroups.used_pins())


def _remove_pins(host: _Host, used) -> None:
    """Remove the cpusets of these CPUs, each only while holding its lock (a judge that holds
    it may be about to put a box in it)."""
    for cpu in used:
        fd = cpus.try_lock(host.run_dir, cpu)
        if fd >= 0:
            try:
                host.cgroups.remove_pins([cpu])
            finally:
                os.close(fd)


def prepare() -> None:
    """Get this process ready to run boxes, off the first run's path: detect the cgroups,
    remove what a dead judge left, start the fork server. (``run`` does it when needed.)"""
    _host()
    forkserver.start()


def _sweep(host: _Host) -> None:
    """Remove the box cgroups a judge that died left behind: those whose slot nobody holds.

    (A dead judge's boxes die with it: its fork server exits, and with it every keeper and
    every box's pid namespace; only their empty cgroups stay.)
    """
    for name in host.cgroups.names():
        # judgebox-<slot>[.<run>], or judgebox-cpu-<slot> (a slot's cpu weight, v1), or
        # judgebox-cpuset-<cpu> (the cpuset of the boxes pinned to a CPU, v1)
        index = name.removeprefix("judgebox-").removeprefix("cpu-").split(".")[0]
        if name.startswith("judgebox-cpuset-") and name[16:].isdigit():
            _remove_pins(host, [int(name[16:])])
            continue
        if not (name.startswith("judgebox-") and index.isdigit()):
            continue
        slot = slots.try_acquire(host.run_dir, int(index))
        if slot is not None:
            try:
                if name.startswith("judgebox-cpu-"):
                    host.cgroups.remove_shares([int(index)])
                else:
                    host.cgroups.remove(host.cgroups.existing(name))
            finally:
                slot.release()


def take_slot(host: _Host) -> slots.Slot:
    """A free slot, with what a dead judge's box of that slot left removed first (its empty
    cgroups ``judgebox-<slot>`` and ``judgebox-<slot>.<run>``): the sweep at start leaves
    a slot alone while someone holds it (a prepared box may hold one for long), so whoever
    takes a slot next cleans up after its last holder (one whose fork server could not: see
    ``sandbox.forkserver``, which is told the slot is ours). Give it back with
    :func:`release_slot`."""
    slot = slots.acquire(host.run_dir)
    try:
        mine = f"judgebox-{slot.index}"
        for name in host.cgroups.names():
            if name == mine or name.startswith(mine + "."):
                host.cgroups.remove(host.cgroups.existing(name))
        forkserver.own(slot.index, slot.lock_fd, host.cgroups.parent_dirs())
    except BaseException:
        release_slot(slot)
        raise
    return slot


def release_slot(slot: slots.Slot) -> None:
    """Give back a slot :func:`take_slot` gave, its box cgroups all removed."""
    try:
        forkserver.disown(slot.index)
    finally:
        slot.release()


def run(spec: SandboxSpec, *, stdin_fd: int | None = None, stdout_fd: int | None = None,
        limit_stdout: bool = True) -> Outcome:
    """Run ``spec.command`` in a fresh box made for it and return what it did.
    (``sandbox.run`` is :func:`sandbox.box.run`: a box the pool prepared, else this.)

    ``stdin_fd`` / ``stdout_fd`` connect the program to the caller's own fds (pipes to an
    interactor, say) instead of ``spec.stdin`` and the captured stdout; the caller keeps its
    fds. Standard output given that way is not kept: the judge passes it on to ``stdout_fd``
    as it comes, counted and limited like any stdout (past ``output_kib``: OLE); with
    ``limit_stdout=False`` the program writes to ``stdout_fd`` itself, not counted (for a
    trusted program, a problem's validator say: a hop less for each message).

    Raises ``SandboxError`` (``SpecError``, ``HostError``...) when judgebox cannot do its job
    before the program starts; a failure inside the box before exec is an ``SE`` outcome.
    """
    if os.geteuid() != 0:
        raise HostError("judgebox sandbox must run as root")
    host = _host()
    template = load_template(spec.template)
    slot = take_slot(host)
    try:
        cpu = cpus.acquire(host.run_dir)
        try:
            root = mounts.plan_root(os.path.join(host.run_dir, "root"), template.mounts,
                                    spec.mounts, slot.uid, slot.gid)
            fds = _RunFds(spec, stdin_fd, stdout_fd, limit_stdout)
            try:
                return _run_once(spec, root, slot, host, fds, cpu)
            finally:
                fds.close()
        finally:
            cpus.release()
    finally:
        release_slot(slot)


def _run_once(spec: SandboxSpec, root: mounts.RootPlan, slot: slots.Slot, host: _Host,
              fds: "_RunFds", cpu: int | None) -> Outcome:
    """Start the box (the helper builds its namespaces and root while this process prepares
    the run: cgroup, /box), send init the run's order, watch; the box is gone on return."""
    orders, theirs = socket.socketpair(socket.AF_UNIX,
                                       socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC)
    share = host.cgroups.share_dir(slot.index)
    try:
        plan = ChildPlan(("init",), {}, root, [], slot.uid, slot.gid, host.last_cap,
                         seccomp.box_filter(), -1, (), -1, -1, -1, fds.setup_w,
                         fds.result_w, host.cgroups.born_in_cgroup, theirs.fileno(),
                         cpu_share=share or "", seccomp_last_bpf=seccomp.last_filter())
        server = forkserver.server()
        pid, pidfd = server.spawn(plan)
    finally:
        theirs.close()
    ended = False

    def send(order: bytes, run_fds: list[int]) -> None:
        try:
            socket.send_fds(orders, [order], run_fds)
        except OSError:
            pass  # the box died before its order: the watch reads why (setup pipe, EOF)

    def end_box(watch: Watchdog | None) -> None:
        """Kill the keeper and init (if still there) and wait until the keeper is gone."""
        nonlocal ended
        if ended:
            return
        ended = True
        (watch or Watchdog(spec.limits, pid, pidfd, None)).kill()
        select.select([pidfd], [], [])  # a pidfd is readable once its process has ended
        os.close(pidfd)
        server.reap(pid)

    try:
        return run_in_box(spec, slot, host, fds, send,
                          lambda figures: Watchdog(spec.limits, pid, pidfd, figures,
                                                   cores=None if cpu is None else 1),
                          end_box, prepared=prepare_run(spec, slot, host,
                                                        f"judgebox-{slot.index}", cpu=cpu))
    finally:
        orders.close()
        end_box(None)


@dataclass
class Prepared:
    """What a run needs before its order, owned by whoever holds it: its cgroup, the cgroup
    files its program joins it through (open: ``Backend.attach_fds``), its figure files (open:
    ``Backend.figures``), the limits written to it (None: none yet), its /box (-1: none yet)
    and what that holds (``box_files``: see :func:`_prepare_box`)."""

    cg: cgroups.BoxCgroup
    join: list[int]
    figures: cgroups.Figures
    limits: Limits | None = None
    box_fd: int = -1
    box_files: tuple | None = None

    def close(self) -> None:
        """Close its fds (its cgroup stays: the holder removes it)."""
        for fd in (*self.join, self.box_fd):
            if fd >= 0:
                os.close(fd)
        self.join, self.box_fd, self.box_files = [], -1, None
        self.figures.close()


def prepare_cgroup(host: _Host, name: str, cpu: int | None, keep: str | None = None) -> Prepared:
    """A run's cgroup, created (pinned to ``cpu`` if given; with the kept group ``keep`` where
    the backend keeps one: ``cgroup_v1.V1.create``) and open for its program to join; its
    limits and /box are :func:`complete`'s."""
    cg = host.cgroups.create(name, keep, cpu)
    figures = None
    try:
        figures = host.cgroups.figures(cg)
        return Prepared(cg, host.cgroups.attach_fds(cg), figures)
    except BaseException:
        if figures is not None:
            figures.close()
        host.cgroups.remove(cg)
        raise


def complete(prepared: Prepared, spec: SandboxSpec, slot: slots.Slot, host: _Host,
             cpu: int | None, *, kept: _hostfiles.Kept | None = None) -> Prepared:
    """What ``prepared`` lacks for ``spec`` on ``cpu``, made now: its limits, its /box (a
    detached tmpfs holding the spec's files), and its pinning if it was made without (a first
    run's cgroup, made with its box ahead of the CPU lease: ``box._Ahead.blank``). On failure
    its fds are closed and its cgroup removed."""
    try:
        if prepared.cg.cpu != cpu:
            if prepared.cg.cpu is None and cpu is not None and prepared.limits is None:
                prepared.join = host.cgroups.pin_fds(cpu) + prepared.join
            else:  # pinned elsewhere: made anew
                join, prepared.join = prepared.join, []
                for fd in join:
                    os.close(fd)
                prepared.join = host.cgroups.attach_fds(
                    dataclasses.replace(prepared.cg, cpu=cpu))
                prepared.limits = None
            prepared.cg = dataclasses.replace(prepared.cg, cpu=cpu)
        if prepared.limits is None:
            limits = spec.limits
            host.cgroups.apply_limits(prepared.cg, limits.memory_kib * 1024, limits.processes,
                                      prepared.cg.cpu)
            prepared.limits = limits
        if prepared.box_fd < 0:
            prepared.box_fd, prepared.box_files = _prepare_box(spec, slot.uid, slot.gid, kept)
        return prepared
    except BaseException:
        prepared.close()
        host.cgroups.remove(prepared.cg)
        raise


def prepare_run(spec: SandboxSpec, slot: slots.Slot, host: _Host, name: str, *,
                cpu: int | None = None, keep: str | None = None,
                kept: _hostfiles.Kept | None = None) -> Prepared:
    """What a run needs before its order, all made now (:class:`Prepared`; ``kept``: the
    host files' bytes a reusable box keeps, ``sandbox._hostfiles``)."""
    return complete(prepare_cgroup(host, name, cpu, keep), spec, slot, host, cpu, kept=kept)


@functools.lru_cache(maxsize=64)
def _order(command: tuple[str, ...], env: tuple[tuple[str, str], ...], limits: Limits,
           template: str) -> bytes:
    """A run's order as init reads it (the same for every test of a judgement: made once)."""
    merged = dict(load_template(template).env) | dict(env)
    return encode_order(RunOrder(command, merged, rlimits.table(limits), limits.tmp_kib))


def run_in_box(spec: SandboxSpec, slot: slots.Slot, host: _Host, fds: "_RunFds",
               send: Callable[[bytes, list[int]], None],
               watchdog_for: Callable[[cgroups.Figures], Watchdog],
               end_box: Callable[[Watchdog | None], None], *,
               prepared: Prepared,
               started: Callable[[], None] | None = None,
               release: Callable[[cgroups.BoxCgroup], None] | None = None) -> Outcome:
    """One run in a box that is starting or ready: its cgroup and /box (``prepared``, whole,
    taken over: :func:`prepare_run`), ``send`` init the order with the run's fds,
    ``started()``, watch, collect, decide, ``release`` the cgroup (default: remove it now).
    ``end_box(watch)`` is called once the watch is over (and on failure, with what there is):
    it must leave no process of the run behind, for the cgroup goes next."""
    cg, box_fd, figures = prepared.cg, prepared.box_fd, prepared.figures
    watch: Watchdog | None = None
    try:
        limits = spec.limits
        fds.take_cgroup(prepared.join)
        prepared.join = []
        send(_order(spec.command, spec.env, limits, spec.template),
             [box_fd, fds.stdin, fds.out_w, fds.err_w, fds.setup_w, fds.result_w, *fds.cgroup])
        watch = watchdog_for(figures)
        fds.close_box_ends()
        if started is not None:
            started()
        watch.watch(fds.setup_r, fds.result_r, fds.out_r, fds.err_r, fds.relay_r)
        end_box(watch)
        files, too_big = {}, None
        if watch.setup_error is None:
            files, too_big = _collect(box_fd, spec), _file_over_limit(box_fd, spec)
        os.close(box_fd)  # frees the tmpfs before the cgroup it is charged to goes
        box_fd = -1
        return _decide(spec, watch, figures.stats(), files, too_big, figures.reclaim)
    finally:
        try:
            end_box(watch)
        finally:
            if watch is not None:
                watch.close()
            if box_fd >= 0:
                os.close(box_fd)
            figures.close()
            (release or host.cgroups.remove)(cg)


_HUGE = {"huge": "within_size"}  # until the kernel refuses it (see _box_tmpfs)


def _box_tmpfs(options: dict[str, str]) -> int:
    """A detached tmpfs for /box, with large folios where its files reach (``huge=within_size``,
    as init mounts /tmp and /dev/shm): copying a 744 KiB binary in took 161 us instead of 457
    with 4 KiB pages, a 2.2 MiB one 269 instead of 1521 (kernel 6.18), and exec maps it in
    fewer faults; no page is charged beyond what the files hold. A kernel without transparent
    huge pages refuses the option (EINVAL): the tmpfs is made without it from then on."""
    global _HUGE
    if _HUGE:
        try:
            return _libc.new_tmpfs(options | _HUGE)
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
            _HUGE = {}
    return _libc.new_tmpfs(options)


def _prepare_box(spec: SandboxSpec, uid: int, gid: int,
                 kept: _hostfiles.Kept | None = None) -> tuple[int, tuple | None]:
    """A detached tmpfs for /box, owned by the box uid, holding the caller's files (a host
    file from ``kept`` while it is unchanged, if given: ``sandbox._hostfiles``), and what it
    holds, for ``box._Ahead`` to tell whether a later run's files are the same: each file's
    name with its bytes, or with a host file's path and identity (``_hostfiles.identity``);
    None when a host file changed while it was copied, or too recently before to tell
    (``_hostfiles.unchanged_since``)."""
    kib = spec.limits.box_kib
    fd = _box_tmpfs({"size": f"{kib}k", "nr_inodes": "16384", "mode": "0755",
                     "uid": str(uid), "gid": str(gid)})
    holds: list[tuple] = []
    trusted = True
    try:
        for name, content in spec.files:
            if not isinstance(content, Path):
                _place(fd, name, uid, gid, content, 0o644)
                holds.append((name, bytes(content)))
                continue
            # a host file (a binary: each run): from memory while it is unchanged, else
            # copied in the kernel from the file
            found = kept.bytes_of(content) if kept is not None else None
            if found is not None:
                identity, mode, data = found
                _place(fd, name, uid, gid, data, mode)
            else:
                identity = _copy_host_file(fd, name, uid, gid, content)
            trusted = trusted and identity is not None
            holds.append((name, str(content), *(identity or ())))
    except OSError as exc:
        os.close(fd)
        raise SpecError(f"cannot place the box's files (box size {kib} KiB): {exc}") from exc
    return fd, tuple(holds) if trusted else None


def _copy_host_file(box_fd: int, name: str, uid: int, gid: int, path: Path) -> tuple | None:
    """Copy a host file into /box (``sendfile``); the identity of what was copied, or None
    when the file changed while it was copied, or too recently before to tell."""
    source = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        st = os.fstat(source)
        began = time.time_ns()
        _place(box_fd, name, uid, gid, source, st.st_mode)
        identity = _hostfiles.identity(st)
        unchanged = _hostfiles.identity(os.fstat(source)) == identity \
            and _hostfiles.unchanged_since(st, began)
        return identity if unchanged else None
    finally:
        os.close(source)


def _place(box_fd: int, name: str, uid: int, gid: int, content: bytes | int, mode: int) -> None:
    """Write a file of /box, the box uid's, executable if ``mode`` is: ``content`` its bytes,
    or an fd to copy them from (to its end)."""
    out = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                  0o755 if mode & 0o111 else 0o644, dir_fd=box_fd)
    try:
        os.fchown(out, uid, gid)
        if isinstance(content, int):
            while os.sendfile(out, content, None, 1 << 30):
                pass
        else:
            view = memoryview(content)
            while view:
                view = view[os.write(out, view):]
    finally:
        os.close(out)


def _input(path: str | None) -> int:
    """The program's stdin: a sealed copy of the host file ``path`` (or /dev/null).

    A copy, not the file itself: through the file, ``readlink /proc/self/fd/0`` gave its host
    path (the test's name) and ``fstat`` its inode and times, by which a program knows which
    test it runs (and can tell the judge's tests apart across submissions). The copy is a
    memfd named ``input``: a regular file as before (seekable, mappable: programs that mmap
    their input keep working), ``/memfd:input (deleted)`` to readlink, an inode of its own
    each run; sealed, so that it cannot be changed even through ``/proc/self/fd/0``. The
    kernel copies it (sendfile), page cache to page cache."""
    if path is None:
        return os.open("/dev/null", os.O_RDONLY | os.O_CLOEXEC)
    copy = os.memfd_create("input", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    try:
        source = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            while os.sendfile(copy, source, None, 1 << 30):
                pass
        finally:
            os.close(source)
        fcntl.fcntl(copy, fcntl.F_ADD_SEALS, fcntl.F_SEAL_WRITE | fcntl.F_SEAL_GROW
                    | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_SEAL)
        os.lseek(copy, 0, os.SEEK_SET)
    except BaseException:
        os.close(copy)
        raise
    return copy


def _collect(box_fd: int, spec: SandboxSpec) -> dict[str, bytes]:
    """Read the requested files from /box without following anything the program planted."""
    files: dict[str, bytes] = {}
    cap = spec.collect_max_kib * 1024
    names = [n for n in dict.fromkeys(spec.collect) if n != COLLECT_ALL]
    if COLLECT_ALL in spec.collect:  # names the program chose: opened as carefully
        listing = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=box_fd)
        try:  # (the mount's own fd is a path fd: it cannot be read as a directory)
            found = sorted(os.listdir(listing))[:COLLECT_ALL_MAX]
        finally:
            os.close(listing)
        names += [n for n in found if n not in names]
    for name in names:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                         dir_fd=box_fd)
        except OSError:
            continue  # missing, a symlink, or otherwise not ours to read
        try:
            st = os.fstat(fd)
            if stat.S_ISREG(st.st_mode) and st.st_size <= cap:
                files[name] = os.read(fd, cap + 1)[:cap]
        finally:
            os.close(fd)
    return files


def _file_over_limit(box_fd: int, spec: SandboxSpec) -> str | None:
    """The name of a file in /box that grew past the output limit, if one did.

    The box's ``RLIMIT_FSIZE`` is the limit plus one byte (``rlimits.table``), so a write that
    crosses the limit leaves a file one byte over it, also when the program ignored SIGXFSZ or
    wrote everything in one call and exited (the kernel cuts such a write short without a
    signal). A file can only be that big when the tmpfs is: a statfs of /box answers first.
    Walked without following anything (``fwalk`` never follows symlinks by default)."""
    cap = spec.limits.output_kib * 1024
    usage = os.fstatvfs(box_fd)  # (fstatfs takes the mount's own fd, a path fd)
    if (usage.f_blocks - usage.f_bfree) * usage.f_frsize <= cap:
        return None
    listing = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=box_fd)
    try:
        # a file the judge placed that big is not the program's doing
        placed = {name for name, c in spec.files
                  if (os.stat(c).st_size if isinstance(c, Path) else len(c)) == cap + 1}
        for top, _dirs, names, dir_fd in os.fwalk(".", dir_fd=listing):
            for name in names:
                try:
                    st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
                except OSError:
                    continue
                if stat.S_ISREG(st.st_mode) and st.st_size == cap + 1 \
                        and (top != "." or name not in placed):
                    return os.path.normpath(os.path.join(top, name))
    finally:
        os.close(listing)
    return None


class _RunFds:
    """The fds of one run: the box's ends (its stdin, stdout, stderr, the setup and result
    pipes' write ends, the cgroup fds) and the supervisor's read ends. Every fd opened here is
    closed by :meth:`close`; :meth:`close_box_ends` closes the box's ends once init holds its
    copies (so EOF on a read end means the box is done with it)."""

    def __init__(self, spec: SandboxSpec, stdin_fd: int | None, stdout_fd: int | None,
                 limit_stdout: bool = True) -> None:
        self.ours: list[int] = []
        self.cgroup: tuple[int, ...] = ()
        self.relay: tuple[forkserver.ForkServer, int, int] | None = None  # server, pid, pidfd
        self.relay_r: int | None = None
        try:
            self.stdin = self._take(os.dup(stdin_fd) if stdin_fd is not None else
                                    _input(spec.stdin))
            self.setup_r, self.setup_w = self._pipe()
            self.result_r, self.result_w = self._pipe()
            self.out_r, self.out_w = self._pipe() if stdout_fd is None or limit_stdout else \
                (None, self._take(os.dup(stdout_fd)))
            if stdout_fd is not None and limit_stdout:
                self._relay(stdout_fd, spec.limits.output_kib * 1024)
            self.err_r, self.err_w = self._pipe()
        except BaseException:
            self.close()
            raise

    def _relay(self, target: int, limit: int) -> None:
        """Stdout passed on to ``target`` by a relay of the fork server, counted and limited
        (what a program sends an interactive validator is its output like any other): the
        watch reads the relay's report instead of stdout."""
        self.relay_r, report_w = self._pipe()
        server = forkserver.server()
        pid, pidfd = server.relay(self.out_r, target, report_w, limit)
        self.relay = (server, pid, pidfd)
        for fd in (self.out_r, report_w):  # the relay's now
            os.close(fd)
            self.ours.remove(fd)
        self.out_r = None

    def take_cgroup(self, fds: list[int]) -> None:
        """The run's cgroup fds (closed with the box's ends)."""
        self.ours += fds
        self.cgroup = tuple(fds)

    def _take(self, fd: int) -> int:
        self.ours.append(fd)
        return fd

    def _pipe(self) -> tuple[int, int]:
        r, w = os.pipe()
        return self._take(r), self._take(w)

    def close_box_ends(self) -> None:
        for fd in (self.setup_w, self.result_w, self.out_w, self.err_w, self.stdin,
                   *self.cgroup):
            os.close(fd)
            self.ours.remove(fd)
        self.cgroup = ()

    def close(self) -> None:
        for fd in self.ours:
            os.close(fd)
        self.ours = []
        if self.relay is not None:  # ended (its report closed), or killed now: never waited for
            server, pid, pidfd = self.relay
            self.relay = None
            kill_and_wait(pidfd)
            server.reap(pid)


def kill_and_wait(pidfd: int) -> None:
    """SIGKILL the process (if it is still there), wait until it is gone, close its pidfd."""
    try:
        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
    except ProcessLookupError:
        pass
    select.select([pidfd], [], [])  # a pidfd is readable once its process has ended
    os.close(pidfd)


def _decide(spec: SandboxSpec, watch: Watchdog, stats: cgroups.CgroupStats,
            files: dict[str, bytes], too_big: str | None = None,
            reclaim: Callable[[], cgroups.Reclaim] | None = None) -> Outcome:
    """Turn what the judge recorded into a status; never guess from an exit signal alone.

    The output limit is checked again here on the totals the watch counted and on the files
    left in /box (``too_big``), whatever order the program's end and its last output came
    in: a program that writes past the limit in one call and exits at once is OLE, not OK.
    A run over its time at its memory limit is MLE if it was thrashing there (``reclaim``,
    read only then: :func:`_thrashing`)."""
    limits = spec.limits
    time_s = max(0, stats.cpu_ns - watch.setup_cpu_ns) / 1e9
    memory_kib = stats.memory_peak_bytes // 1024
    common = dict(time=time_s, memory_kib=memory_kib, stdout=bytes(watch.stdout),
                  stderr=bytes(watch.stderr), oom_killed=stats.oom_kills > 0, files=files)
    if watch.setup_error is not None or watch.exec_ns is None:
        return Outcome(Status.SE, message=watch.setup_error or "setup: the box died before exec",
                       **common)
    end_ns = watch.kill_ns if watch.killed_by else watch.end_ns
    if end_ns is None:
        return Outcome(Status.SE, message="the box's init died without a result", **common)
    wall_s = max(0, end_ns - watch.exec_ns) / 1e9
    exit_code = signo = None
    if watch.killed_by:
        signo = signal.SIGKILL
    elif os.WIFEXITED(watch.wait_status):
        exit_code = os.WEXITSTATUS(watch.wait_status)
    else:
        signo = os.WTERMSIG(watch.wait_status)
    failed = bool(exit_code) or signo is not None
    if watch.killed_by in ("cpu-time", "wall-time"):
        status = Status.TLE
    elif watch.killed_by == "output" or watch.output_over() or too_big is not None:
        status = Status.OLE
        if not watch.killed_by:
            common["message"] = ("stdout or stderr passed the output limit" if too_big is None
                                 else f"/box/{too_big} passed the output limit")
    elif stats.oom_kills > 0:
        status = Status.MLE
    elif signo == signal.SIGXFSZ:
        status = Status.OLE
    elif time_s * 1000 > limits.cpu_time_ms or wall_s * 1000 > limits.wall_ms \
            or signo == signal.SIGXCPU:
        status = Status.TLE
    elif failed and memory_kib >= limits.memory_kib * MLE_MARGIN:
        status = Status.MLE
    elif failed:
        status = Status.RE
    else:
        status = Status.OK
    if status is Status.TLE and memory_kib >= limits.memory_kib * MLE_MARGIN \
            and reclaim is not None:
        thrashing = _thrashing(reclaim(), limits)
        if thrashing:
            status, common["message"] = Status.MLE, thrashing
    return Outcome(status, exit_code, signo, wall_time=wall_s, killed_by=watch.killed_by,
                   **common)


def _thrashing(reclaim: cgroups.Reclaim, limits: Limits) -> str:
    """Why a run that passed its time at its memory limit ran out of memory, or "" if it did
    not.

    A run's memory cgroup is charged for the file pages it reads into the page cache: an
    interpreter's own files, read through the box's read-only binds when nothing had them
    cached. At the limit the cgroup's reclaim evicts those pages and the program reads them
    back, again and again; each eviction counts as progress, so the OOM killer never comes
    and the program spends its time limit in the kernel (Python's and Octave's MLE programs,
    measured: 12 to 32 times their limit read back, 96 to 99 % of their CPU time in the
    kernel). It is MLE: what it needs does not fit in its memory. Both signs are asked for:
    more than its whole limit read back, and more CPU time in the kernel than in the
    program; a program that fills its memory and then computes (the kernel's share 6 to
    33 %, measured) stays TLE."""
    limit_bytes = limits.memory_kib * 1024
    if reclaim.refaulted_bytes < limit_bytes or reclaim.system_ns <= reclaim.user_ns:
        return ""
    cpu = reclaim.user_ns + reclaim.system_ns
    return (f"thrashing at the memory limit: {reclaim.refaulted_bytes >> 20} MiB of evicted "
            f"files read back, {100 * reclaim.system_ns // cpu} % of its CPU time in the "
            "kernel")

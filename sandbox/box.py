"""A reusable box: one prepared box for many runs (the tests of one judgement), each run as
fresh as a box of its own.

``run(spec)`` pays for a whole box every time: slot, namespaces, a root built from scratch,
pivot_root. A :class:`Box` keeps what no program can change (the slot and its uid, the
keeper, and init with the box's mount, pid, uts and net namespaces and its read-only root)
and renews everything else for each run::

    with open_box(template="default") as box:
        for test in tests:
            outcome = box.run(SandboxSpec(command=("/box/prog",), files=..., stdin=test))

Per run, fresh (as in ``run()``): the box cgroup (created, limited, measured and removed, so
CPU time, peak memory and OOM kills are the run's alone, and the limits are the run's spec's);
a new ipc namespace (the last run's SysV objects and POSIX message queues die with theirs);
new ``/tmp`` and ``/dev/shm`` tmpfs and the run's own ``/box`` (a detached tmpfs the
supervisor filled, read back through its fd only) in place of the last run's; pid numbering
from the start (the program is PID 2); rlimits, privileges, seccomp and the environment set in
the program's process exactly as in a cold run. No process of a run is left when ``run``
returns: init (PID 1 of the box) reports the end only once it has killed every other process
of the box's pid namespace and reaped until it has no child left; a limit makes the judge
tell init (SIGUSR1) to kill them all at once; a run that init does not report ends the box.
Kernel keyrings are out of reach (seccomp). What the shared network namespace could keep (an
abstract unix socket whose only reference is a message in flight) is checked by init before
each run; a box that holds one is replaced by a fresh one.

A run's outcome has the same statuses and meaning as ``run()``'s. A box that died (its init
killed, say) is reopened for the next run; a run whose box died under it is ``SE``.
A spec must use the box's template and mounts; mounts into ``/box`` or ``/tmp`` and writable
mounts (state a run could leave for the next) are refused when the box is opened.
"""

from __future__ import annotations

import contextlib
import os
import queue
import select
import signal
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import _hostfiles, cgroups, cpus, forkserver, mounts, runner, seccomp, slots
from ._plan import ChildPlan
from .errors import HostError, SpecError
from .outcome import Outcome, Status
from .spec import Limits, Mount, SandboxSpec
from .templates import load_template
from .watchdog import SETUP_TIMEOUT_S, Watchdog, _open_init

__all__ = ["Box", "open_box", "run"]


KEEPER_GRACE_S = 5.0  # how long a closed box's keeper has to reap its init and end


class _BoxGone(Exception):
    """The box ended (or must be replaced) before this run started: open a fresh one, retry."""


@dataclass
class _Live:
    """The processes of an open box and the socket to its init."""

    keeper_pid: int
    keeper_pidfd: int
    init_pidfd: int
    control: socket.socket  # to init: O (the order socket); from it: R, N (ready), B (stale)

    server: forkserver.ForkServer
    orders: socket.socket | None = None  # to init: each run's RunOrder and fds

    def alive(self) -> bool:
        """Whether init still runs (a pidfd is readable once its process has ended)."""
        return not select.select([self.init_pidfd], [], [], 0)[0]

    def kill(self) -> None:
        """SIGKILL init (the kernel then ends every process of the box's pid namespace, and
        the keeper, which waits for init, reaps it and ends), or the keeper if init is not
        known; close the sockets to init."""
        self.control.close()
        if self.orders is not None:
            self.orders.close()
        try:
            signal.pidfd_send_signal(self.init_pidfd if self.init_pidfd >= 0
                                     else self.keeper_pidfd, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def bury(self) -> None:
        """Wait until init and the keeper are gone (killed), let the server reap the keeper.
        The keeper is given a moment to reap init itself (so that the box's CPU time reaches
        the server's accounts, as a cold box's does) before it is killed too."""
        if self.init_pidfd >= 0:
            runner.kill_and_wait(self.init_pidfd)
            select.select([self.keeper_pidfd], [], [], KEEPER_GRACE_S)
        runner.kill_and_wait(self.keeper_pidfd)
        self.server.reap(self.keeper_pid)


class Box:
    """A box reused across runs; see the module docstring. Not for two threads at once (runs
    of one box are serialized). Open on the first run; :meth:`close` (or ``with``) ends it."""

    def __init__(self, template: str = "default", mounts: tuple[Mount, ...] = ()) -> None:
        mounts = tuple(mounts)
        for mount in mounts:
            if mount.writable or mount.target.startswith(("/box/", "/tmp/")):
                raise SpecError(f"a reusable box takes read-only mounts outside /box and /tmp "
                                f"only: {mount.target}")
        self.template = template
        self.mounts = mounts
        self._slot: slots.Slot | None = None
        self._leased = False  # holds one use of the process's CPU lease (sandbox.cpus)
        self._cpu: int | None = None  # the CPU the box runs on, if pinned
        self._live: _Live | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._pid = os.getpid()  # a forked child must not drive its parent's box
        self._ahead = _Ahead(self)
        self._single = False  # one run only (sandbox.run through the pool): nothing ahead
        self.opened = 0  # how many times a box was opened (1 unless one died or went stale)

    # --- the public verbs -----------------------------------------------------------------

    def run(self, spec: SandboxSpec, *, stdin_fd: int | None = None,
            stdout_fd: int | None = None, limit_stdout: bool = True) -> Outcome:
        """Run ``spec.command`` in this box, as fresh as ``sandbox.run(spec)`` would.

        ``spec.template`` and ``spec.mounts`` must be the box's (``SpecError`` otherwise);
        ``stdin_fd``/``stdout_fd``/``limit_stdout`` as in ``run()``. Raises ``SandboxError`` when judgebox
        cannot do its job before the program starts; a box that cannot be set up is ``SE``.
        """
        if spec.template != self.template or spec.mounts != self.mounts:
            raise SpecError("a reusable box runs specs of its own template and mounts only")
        if os.geteuid() != 0:
            raise HostError("judgebox sandbox must run as root")
        if os.getpid() != self._pid:
            raise HostError("a box belongs to the process that made it (not to a forked child)")
        with self._lock:
            if self._closed:
                raise HostError("this box is closed")
            if not self._leased:  # the process's CPU, for the box's every run (sandbox.cpus)
                self._cpu, self._leased = cpus.acquire(runner._host().run_dir), True
            with _pool.running():
                for attempt in range(2):
                    try:
                        if self._live is None or not self._live.alive():
                            self._end_processes()
                            self._open()
                        return self._run(spec, stdin_fd, stdout_fd, limit_stdout)
                    except _BoxGone as exc:
                        self._end_processes()
                        reason = str(exc)
            return Outcome(Status.SE, message=f"setup: the box could not be opened: {reason}")

    def close(self) -> None:
        """End the box: its processes (and so its namespaces), its cgroups, its slot.
        Idempotent. Init and the keeper are killed now; waiting for them to be gone (their
        namespaces' teardown), removing the box's cgroups and then giving the slot back is the
        reaper's (a thread), off the caller's path: the slot's uid and cgroup names go to no
        other box before they are gone. (Should the process end first, its fork server's
        sweeper removes the cgroups: ``sandbox.forkserver``.)"""
        with self._lock:
            self._closed = True
            if os.getpid() != self._pid:
                return  # the parent's box: not ours to end (its fds go with this process)
            live, slot = self._live, self._slot
            self._live = self._slot = None
            try:
                if live is not None:
                    live.kill()
            finally:
                _reaper.bury(live, slot, self._ahead.close)  # cgroups before the slot
                if self._leased:
                    self._leased = False
                    cpus.release()

    def start(self) -> None:
        """Start the box now (its keeper and init, namespaces and root), not at its first run:
        what the pool of prepared boxes does off the runs' path, with the first run's cgroup
        (:meth:`_Ahead.blank`). ``_BoxGone`` if it cannot. (A process that ends without
        closing its boxes, a forked pool process's ``os._exit``, leaves no cgroup behind: its
        fork server's sweeper removes them, ``sandbox.forkserver``.)"""
        with self._lock:
            if self._live is None:
                self._open()
                self._ahead.blank()

    def alive(self) -> bool:
        """Whether the box is started and its init and the fork server still run (a box of a
        server that died dies with it)."""
        live = self._live
        return live is not None and live.alive() and live.server.alive()

    def __enter__(self) -> "Box":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- opening and ending ---------------------------------------------------------------

    def _open(self) -> None:
        """Start the keeper and init (namespaces, root) and wait until init is ready."""
        host = runner._host()
        template = load_template(self.template)
        if self._slot is None:
            self._slot = runner.take_slot(host)
        slot = self._slot
        root = mounts.plan_root(os.path.join(host.run_dir, "root"), template.mounts,
                                self.mounts, slot.uid, slot.gid)
        ours, theirs = socket.socketpair(socket.AF_UNIX,
                                         socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC)
        setup_r, setup_w = os.pipe()
        result_r, result_w = os.pipe()
        live = None
        share = host.cgroups.share_dir(slot.index)
        try:
            plan = ChildPlan(("init",), {}, root, [], slot.uid, slot.gid, host.last_cap,
                             seccomp.box_filter(), -1, (), -1, -1, -1, setup_w, result_w,
                             host.cgroups.born_in_cgroup, theirs.fileno(), reusable=True,
                             cpu_share=share or "", seccomp_last_bpf=seccomp.last_filter())
            server = forkserver.server()
            pid, pidfd = server.spawn(plan)
            for fd in (setup_w, result_w):
                os.close(fd)
            setup_w = result_w = -1
            theirs.close()
            live = _Live(pid, pidfd, -1, ours, server)
            init_pid = _read_line(result_r, "P")
            live.init_pidfd = -1 if init_pid is None else (_open_init(init_pid, pid) or -1)
            ours.settimeout(SETUP_TIMEOUT_S)  # also bounds each run's answer from init
            # The order socket pair is made here, outside the box's network namespace: no
            # socket of the box's own is ever there, so init can check that none is.
            live.orders, theirs_orders = socket.socketpair(
                socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC)
            try:
                socket.send_fds(ours, [b"O"], [theirs_orders.fileno()])
                ready = _recv(ours)[0] if live.init_pidfd >= 0 else b""
            except OSError:
                ready = b""
            finally:
                theirs_orders.close()
            if ready != b"R":
                raise _BoxGone(_read_error(setup_r) or "init did not start")
            self._live, live = live, None
            self.opened += 1
        finally:
            for fd in (setup_r, result_r, setup_w, result_w):
                if fd >= 0:
                    os.close(fd)
            theirs.close()
            if live is not None:
                self._live = live
                self._end_processes()

    def _end_processes(self) -> None:
        """Kill the keeper and init (the kernel then ends every process of the box's pid
        namespace, runs included), wait until both are gone, let the server reap the keeper."""
        live, self._live = self._live, None
        if live is not None:
            live.kill()
            live.bury()

    # --- one run --------------------------------------------------------------------------

    def _run(self, spec: SandboxSpec, stdin_fd: int | None, stdout_fd: int | None,
             limit_stdout: bool) -> Outcome:
        """Send the run to init and watch it; whatever happens, the run's processes are all
        gone on return (init reaped them all before it reported, or the box was ended)."""
        live = self._live
        assert self._slot is not None and live is not None
        host = runner._host()

        def send(order: bytes, run_fds: list[int]) -> None:
            try:  # init is ready (N) once the last run is over and the box checked
                answer = live.control.recv(16)
                socket.send_fds(live.orders, [order], run_fds)
            except OSError as exc:
                raise _BoxGone(f"init: {exc}") from exc
            if answer != b"N":
                raise _BoxGone("a stale box (an earlier run's socket lives on)"
                               if answer == b"B" else "init ended")

        def end_box(watch: Watchdog | None) -> None:
            # Init reports a run's end (X) only once it has killed and reaped every process
            # of it. Without that report (init died, a setup timeout, a failure here) the box
            # is ended, and every process in it with its pid namespace.
            if watch is None or watch.wait_status is None:
                self._end_processes()

        # first: a bad stdin loses nothing
        fds = runner._RunFds(spec, stdin_fd, stdout_fd, limit_stdout)
        try:
            prepared = self._ahead.take(spec)
            if prepared is None:
                name, keep = self._ahead.names()
                prepared = runner.prepare_run(spec, self._slot, host, name, cpu=self._cpu,
                                              keep=keep, kept=self._ahead.files)
            else:  # what was made ahead fits: the rest (limits, /box, CPU) made now
                prepared = runner.complete(prepared, spec, self._slot, host, self._cpu,
                                           kept=self._ahead.files)
            return runner.run_in_box(
                spec, self._slot, host, fds, send,
                lambda figures: _RunWatchdog(spec.limits, live.init_pidfd, figures,
                                             cores=None if self._cpu is None else 1),
                end_box, prepared=prepared,
                started=None if self._single else lambda: self._ahead.start(spec),
                release=self._ahead.retire)
        finally:
            fds.close()


class _Ahead:
    """A box's next run, prepared while the current one runs: its cgroup (created, limited and
    open for the program to join) and its /box (a detached tmpfs holding the spec's files),
    made once the current run's
    order is sent (the box is busy starting the program meanwhile, on its own CPU), on the
    guess that the next spec has the same limits and files (the tests of a judgement do). The
    next run takes the cgroup only if its limits are the same, and the /box only if its files
    are too (a host file: the same inode, size, mtime and ctime as when it was copied, and
    changed last before the copy began by more than two ticks of the coarse clock file times
    come from, or a write just after the copy could leave them as they were: the /box of such
    a "racily clean" file, git's term, is not taken; ``runner._prepare_box`` tells); what it
    does not take goes, and is made anew. It also removes the cgroups of the runs before
    (empty: their processes were all reaped). Nothing a run can see is shared: each run still
    has a cgroup and a /box of its own, made for it alone. A box of the pool has its first run's cgroup made with it
    (:meth:`blank`): only the limits, the CPU and the /box are left for the run to make.

    It runs in the caller's thread, between sending the order and watching the run: a thread
    of its own (started for each run, as it first was) cost more than it saved, on two cores
    and under the GIL (the watch waited for the GIL the preparing thread held, and the next
    run for the thread to end)."""

    def __init__(self, box: "Box") -> None:
        self._box = box
        self._serial = 0
        self._ready: runner.Prepared | None = None
        self._retired: list[cgroups.BoxCgroup] = []
        self._groups: set[str] = set()  # the kept groups its runs took (cgroup_v1.V1.create)
        self.files = _hostfiles.Kept()  # its runs' host files (sandbox._hostfiles)

    def names(self) -> tuple[str, str]:
        """A cgroup name of its own for each run of the box, judgebox-<slot>.<run>, and the
        kept group its cgroup takes where the backend keeps one (``cgroup_v1.V1.create``):
        judgebox-<slot>.k0 and .k1 in turn, so that a run and the next one, prepared while it
        runs (the next name), never share one."""
        assert self._box._slot is not None
        self._serial += 1
        prefix = f"judgebox-{self._box._slot.index}"
        keep = f"{prefix}.k{self._serial % 2}"
        self._groups.add(keep)
        return f"{prefix}.{self._serial}", keep

    def start(self, spec: SandboxSpec) -> None:
        """Prepare a run like ``spec`` (called once an order is sent)."""
        self._prepare(spec, *self.names())

    def blank(self) -> None:
        """Prepare the box's first run, whose spec is not known yet (a box of the pool): its
        cgroup, created and open; its limits, /box and CPU are the run's. (Not pinned ahead:
        a CPU's cpuset is only there while its lease is held, and an idle box holds none.)"""
        try:
            name, keep = self.names()
            self._ready = runner.prepare_cgroup(runner._host(), name, None, keep)
        except Exception:  # noqa: BLE001 - a guess that failed: the run prepares its own
            return

    def take(self, spec: SandboxSpec) -> runner.Prepared | None:
        """What was prepared, if it fits ``spec`` (its /box only if it holds the spec's files;
        else it has none: ``runner.complete`` makes what is missing); None if nothing fits."""
        prepared, self._ready = self._ready, None
        if prepared is None:
            return None
        if prepared.limits not in (None, spec.limits):
            self._discard(prepared)
            return None
        try:
            fits = prepared.box_files is not None and prepared.box_files == _files_key(spec)
        except OSError:
            fits = False  # a file of the spec is gone: the run's own preparation will say so
        if not fits and prepared.box_fd >= 0:
            os.close(prepared.box_fd)
            prepared.box_fd, prepared.box_files = -1, None
        return prepared

    def retire(self, cg: cgroups.BoxCgroup) -> None:
        """A finished run's cgroup (no process left in it): removed by the next preparation
        (or when the box closes)."""
        self._retired.append(cg)

    def close(self) -> None:
        """Throw away what was prepared, remove every cgroup (the kept groups last: called
        once the box's processes are gone)."""
        prepared, self._ready = self._ready, None
        if prepared is not None:
            self._discard(prepared)
        self._remove_retired()
        host = runner._host()
        while self._groups:
            host.cgroups.remove(host.cgroups.existing(self._groups.pop()))
        self.files.clear()

    def _discard(self, prepared: runner.Prepared) -> None:
        prepared.close()
        self._retired.append(prepared.cg)

    def _prepare(self, spec: SandboxSpec, name: str, keep: str) -> None:
        try:
            self._remove_retired()
            slot = self._box._slot
            assert slot is not None
            self._ready = runner.prepare_run(spec, slot, runner._host(), name,
                                             cpu=self._box._cpu, keep=keep, kept=self.files)
        except Exception:  # noqa: BLE001 - a guess that failed: the next run prepares its own
            return

    def _remove_retired(self) -> None:
        host = runner._host()
        while self._retired:
            host.cgroups.remove(self._retired.pop())


def _files_key(spec: SandboxSpec) -> tuple:
    """What a run's /box must hold, in the form ``runner._prepare_box`` says what a /box holds:
    each file's content (bytes) or identity (a host file: device, inode, size, mtime and
    ctime; a write changes ctime)."""
    files = []
    for name, content in spec.files:
        if isinstance(content, Path):
            files.append((name, str(content), *_hostfiles.identity(os.stat(content))))
        else:
            files.append((name, bytes(content)))
    return tuple(files)


class _RunWatchdog(Watchdog):
    """The watch over one run of a reusable box. A limit ends the run, not the box: SIGUSR1
    to init, which kills every process of the box's pid namespace but itself and reports as
    usual. A setup that times out ends the box (SIGKILL to init: the kernel then kills every
    process of its pid namespace)."""

    def __init__(self, limits: Limits, init_pidfd: int, figures: cgroups.Figures, *,
                 cores: int | None = None) -> None:
        super().__init__(limits, -1, None, figures, cores=cores)
        self._init_pidfd = init_pidfd

    def kill(self, reason: str | None = None) -> None:
        if reason and self.killed_by is None and self.wait_status is None:
            self.killed_by = reason
            self.kill_ns = time.monotonic_ns()
        try:
            signal.pidfd_send_signal(self._init_pidfd,
                                     signal.SIGUSR1 if reason else signal.SIGKILL)
        except ProcessLookupError:
            pass


def open_box(template: str = "default", mounts: tuple[Mount, ...] = ()) -> Box:
    """A reusable box for runs of ``template`` with ``mounts``; use it as a context manager.
    A box the process's pool prepared (:class:`_Pool`), else one that starts on its first
    run."""
    mounts = tuple(mounts)
    return _pool.take(template, mounts) or Box(template, mounts)


def run(spec: SandboxSpec, *, stdin_fd: int | None = None, stdout_fd: int | None = None,
        limit_stdout: bool = True) -> Outcome:
    """``sandbox.run``: ``spec`` run once in a fresh box, one the process's pool prepared
    (closed after) when it has one ready for its template and mounts, else one made for it
    (``runner.run``, which says what the arguments mean and what it raises). The same
    outcome either way."""
    with _pool.running():  # the box taken is replaced after the run, not beside it
        box = _pool.take(spec.template, spec.mounts) if _pool.eligible(spec.mounts) else None
        if box is None:
            return runner.run(spec, stdin_fd=stdin_fd, stdout_fd=stdout_fd,
                              limit_stdout=limit_stdout)
        box._single = True  # nothing made ahead for a next run
        try:
            return box.run(spec, stdin_fd=stdin_fd, stdout_fd=stdout_fd,
                           limit_stdout=limit_stdout)
        finally:
            box.close()


class _Reaper:
    """Waits, in a thread of its own, for closed boxes' init and keeper to be gone (their pid
    and mount namespaces torn down), has the fork server reap the keeper, removes the box's
    cgroups, then gives the box's slot back."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def bury(self, live: _Live | None, slot: slots.Slot | None,
             cleanup: Callable[[], None]) -> None:
        """Wait for ``live``'s processes (already killed), ``cleanup()`` (the box's cgroups),
        then release ``slot``."""
        if live is None:
            try:
                cleanup()
            finally:
                if slot is not None:
                    runner.release_slot(slot)
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="judgebox-reaper",
                                                daemon=True)
                self._thread.start()
        self._queue.put((live, slot, cleanup))

    def drain(self, timeout_s: float = 5.0) -> None:
        """Wait until every box handed over so far is buried."""
        if self._thread is not None:
            done = threading.Event()
            self._queue.put((None, done, None))
            done.wait(timeout_s)

    def _work(self) -> None:
        while True:
            live, slot, cleanup = self._queue.get()
            if live is None:  # drain()'s mark
                slot.set()
                continue
            for step in (live.bury, cleanup):
                try:
                    step()
                except Exception:  # noqa: BLE001 - the slot goes back whatever happened
                    pass
            if slot is not None:
                runner.release_slot(slot)


def pool_per_kind() -> int:
    """Idle prepared boxes kept per kind (``JUDGEBOX_POOL``, default 2; 0: no pool)."""
    return _count("JUDGEBOX_POOL", 2)


def pool_max() -> int:
    """Idle prepared boxes a process keeps in all (``JUDGEBOX_POOL_MAX``, default 4)."""
    return _count("JUDGEBOX_POOL_MAX", 4)


def _count(name: str, default: int) -> int:
    text = os.environ.get(name, str(default))
    if not text.strip().isdigit():
        raise HostError(f"{name}={text!r}: a number of boxes (0 or more)")
    return int(text)

_KINDS_KEPT = 64  # kinds of box remembered (how often and how recently each was asked for)


class _Pool:
    """Boxes started ahead, ready for a first run, as go-judge keeps warm containers: keeper,
    init, the box's namespaces (its network namespace with loopback up), its root built and
    pivoted into, the box's seccomp filter loaded; nothing of any run (no cgroup of a run, no
    /box, /tmp or /dev/shm: those are each run's own, as in any box).

    Per kind of box (template and mounts): a kind asked for twice or more is kept at
    ``JUDGEBOX_POOL`` idle boxes (default 2: a judgement's compile and its program box), at
    most ``JUDGEBOX_POOL_MAX`` (default 4) in all, the most recently asked kinds first; 0
    turns the pool off. A thread of the pool starts them in place of those taken, between
    runs of this process while the kind has a box left (:meth:`running`). What an idle box
    holds: see
    docs/sandbox.md ("Prepared boxes"). Boxes of a process die with it (its fork server)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[tuple, list[Box]] = {}
        self._asked: dict[tuple, int] = {}  # kind -> times asked for (order: least recent first)
        self._changed = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self.building = False  # a box is being started (benchmarks wait for it to settle)
        self._running = 0  # runs of this process under way: the pool starts no box meanwhile
        self._due = False  # a kind waits for the runs' end for a box (woken then: running)

    @staticmethod
    def eligible(mounts: tuple[Mount, ...]) -> bool:
        """Whether a box of these mounts may be reused (what :class:`Box` accepts)."""
        return not any(m.writable or m.target.startswith(("/box/", "/tmp/")) for m in mounts)

    def take(self, template: str, mounts: tuple[Mount, ...]) -> Box | None:
        """A started box of that kind, if one is ready; another is started in its place."""
        if pool_per_kind() <= 0 or not self.eligible(mounts):
            return None
        kind = (template, mounts)
        with self._lock:
            self._asked[kind] = self._asked.pop(kind, 0) + 1  # now the most recent
            while len(self._asked) > _KINDS_KEPT:
                del self._asked[next(iter(self._asked))]
            idle = self._idle.get(kind) or []
            box = idle.pop(0) if idle else None
            if self._asked[kind] >= 2:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._fill, name="judgebox-pool",
                                                    daemon=True)
                    self._thread.start()
                self._changed.notify()
        if box is not None and not box.alive():  # its init (or the fork server) died
            box.close()
            return None
        return box

    @contextlib.contextmanager
    def running(self):
        """Around a run of this process: while one is under way, no box is started for a kind
        that still has one ready (making a box takes a few ms of CPU and this process's GIL,
        which the run's watch needs: a first run beside a box being made took 1.3 ms longer);
        a kind with none left is refilled at once (runs back to back need it).

        The pool's thread is woken when the runs end only if a kind waits for that: not
        between the back-to-back runs of a box while the pool has every box it should (a
        judgement's tests, most of the time). Woken at every run's end, it took the lock and
        the GIL between every two runs: 2358 context switches of the thread in 1000 warm
        runs, none now."""
        with self._lock:
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if not self._running and self._due:
                    self._changed.notify()

    def _plan(self) -> tuple[tuple | None, list[Box]]:
        """The kind to start a box for now (None: none), and the idle boxes to close: each
        kind asked for twice or more gets :func:`pool_per_kind` boxes, the most recent
        first, until :func:`pool_max` are given out; boxes beyond their kind's share go."""
        share: dict[tuple, int] = {}
        per_kind, left = pool_per_kind(), pool_max()
        for kind in reversed(self._asked):
            if self._asked[kind] >= 2 and left > 0:
                share[kind] = min(per_kind, left)
                left -= share[kind]
        gone = []
        for kind, idle in self._idle.items():
            while len(idle) > share.get(kind, 0):
                gone.append(idle.pop(0))
        wanted = next((k for k in share if len(self._idle.get(k, [])) < share[k]), None)
        return wanted, gone

    def _fill(self) -> None:
        while True:
            with self._lock:
                kind, gone = self._plan()
                while (kind is None or self._running and self._idle.get(kind)) and not gone:
                    self._due = kind is not None  # (a kind with a box left: the runs' end)
                    self._changed.wait()
                    kind, gone = self._plan()
            for box in gone:
                box.close()
            if kind is None:
                continue
            self.building = True
            box = Box(*kind)
            try:
                box.start()
            except Exception:  # noqa: BLE001 - a box that cannot start: its runs will say why
                box.close()
                with self._lock:
                    self._asked.pop(kind, None)  # not again until asked for twice more
                continue
            finally:
                self.building = False
            with self._lock:
                self._idle.setdefault(kind, []).append(box)

    def close(self) -> None:
        """Close every idle box."""
        with self._lock:
            boxes = [box for idle in self._idle.values() for box in idle]
            self._idle.clear()
            self._asked.clear()
        for box in boxes:
            box.close()


_reaper = _Reaper()
_pool = _Pool()


def _forget_after_fork() -> None:
    """A forked child has no pool, reaper or thread of its own yet (the parent's boxes are
    the parent's)."""
    global _reaper, _pool
    _reaper, _pool = _Reaper(), _Pool()


os.register_at_fork(after_in_child=_forget_after_fork)


def close_pool() -> None:
    """Close the process's idle boxes and wait until every closed box is gone (at exit,
    before the slots' cpu cgroups are removed: ``runner``)."""
    _pool.close()
    _reaper.drain()


runner.before_exit(close_pool)


def _recv(conn: socket.socket) -> tuple[bytes, list[int]]:
    """One message from init and the fds it carries (b"" when init is gone)."""
    message, fds, _flags, _addr = socket.recv_fds(conn, 4096, 1)
    return message, fds


def _read_line(fd: int, kind: str) -> int | None:
    """The number of the first ``<kind><n>`` line on a pipe (None at EOF or after the
    setup timeout)."""
    data = b""
    while b"\n" not in data:
        if not select.select([fd], [], [], SETUP_TIMEOUT_S)[0]:
            return None
        chunk = os.read(fd, 4096)
        if not chunk:
            return None
        data += chunk
    line = data.split(b"\n", 1)[0].decode(errors="replace")
    return int(line[1:]) if line.startswith(kind) and line[1:].isdigit() else None


def _read_error(fd: int) -> str:
    """What init wrote on its setup pipe before it ended (``E<stage>: <error>``)."""
    if not select.select([fd], [], [], 0)[0]:
        return ""
    return os.read(fd, 4096).decode(errors="replace").strip().removeprefix("E")


"""The supervisor half of a run: ``run(spec) -> Outcome``.

In order: validate (the spec did, at construction); take a slot (uid/gid); create the box
cgroup and set its limits; prepare ``/box`` (a detached tmpfs holding the caller's files); fork
the child half (``_child``); watch it — CPU time from the cgroup, wall time from the monotonic
clock, output as it arrives — and kill the whole box when a limit passes; collect the result and
the requested files; then clean up everything, also on exceptions and Ctrl-C.
"""

from __future__ import annotations

import functools
import os
import selectors
import signal
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import _libc, caps, cgroups, mounts, rlimits, seccomp, slots
from ._child import ChildPlan, keeper
from .errors import SandboxError, SetupError, SpecError
from .outcome import Outcome, Status
from .spec import SandboxSpec
from .templates import load_template

__all__ = ["run"]

SETUP_TIMEOUT_S = 10.0
MIN_CHECK_S = 0.005
MLE_MARGIN = 0.97  # a failed run whose peak reached 97 % of the limit ran out of memory


@dataclass
class _Watch:
    """What the supervisor saw of one run."""

    exec_ns: int | None = None
    setup_cpu_ns: int = 0  # CPU time the judge's own setup spent in the box cgroup
    end_ns: int | None = None
    wait_status: int | None = None
    init_pidfd: int | None = None
    setup_error: str | None = None
    killed_by: str | None = None
    kill_ns: int | None = None
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    stdout_total: int = 0
    stderr_total: int = 0


@dataclass(frozen=True)
class _Host:
    run_dir: str
    cgroups: cgroups.Backend
    last_cap: int


@functools.lru_cache(maxsize=1)
def _host() -> _Host:
    return _Host(slots.run_dir(), cgroups.backend(), caps.cap_last_cap())


def run(spec: SandboxSpec) -> Outcome:
    """Run ``spec.command`` in a fresh box and return what it did.

    Raises ``SandboxError`` (``SpecError``, ``HostError``...) when judgebox cannot do its job
    before the program starts; a failure inside the box before exec is an ``SE`` outcome.
    """
    if os.geteuid() != 0:
        from .errors import HostError
        raise HostError("judgebox sandbox must run as root")
    host = _host()
    template = load_template(spec.template)
    slot = slots.acquire(host.run_dir)
    try:
        cg = host.cgroups.create(f"judgebox-{slot.index}")
        box_fd = -1
        try:
            limits = spec.limits
            host.cgroups.apply_limits(cg, limits.memory_kib * 1024, limits.processes)
            box_fd = _prepare_box(spec, slot.uid, slot.gid)
            root = mounts.plan_root(os.path.join(host.run_dir, "root"), template.mounts,
                                    spec.mounts, slot.uid, slot.gid, limits.tmp_kib)
            env = dict(template.env) | dict(spec.env)
            watch = _start_and_watch(spec, root, env, slot, cg, box_fd, host)
            files = _collect(box_fd, spec) if watch.setup_error is None else {}
            if box_fd >= 0:
                os.close(box_fd)  # frees the tmpfs before the cgroup it is charged to goes
                box_fd = -1
            return _decide(spec, watch, host.cgroups.stats(cg), files)
        finally:
            if box_fd >= 0:
                os.close(box_fd)
            host.cgroups.remove(cg)
    finally:
        slot.release()


def _prepare_box(spec: SandboxSpec, uid: int, gid: int) -> int:
    """A detached tmpfs for /box, owned by the box uid, holding the caller's files."""
    kib = spec.limits.box_kib
    fd = _libc.new_tmpfs({"size": f"{kib}k", "nr_inodes": "16384", "mode": "0755",
                          "uid": str(uid), "gid": str(gid)})
    try:
        for name, content in spec.files:
            mode = 0o644
            if isinstance(content, Path):
                mode = 0o755 if os.stat(content).st_mode & 0o111 else 0o644
                content = content.read_bytes()
            out = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                          | os.O_CLOEXEC, mode, dir_fd=fd)
            try:
                os.fchown(out, uid, gid)
                view = memoryview(content)
                while view:
                    view = view[os.write(out, view):]
            finally:
                os.close(out)
    except OSError as exc:
        os.close(fd)
        raise SpecError(f"cannot place the box's files (box size {kib} KiB): {exc}") from exc
    return fd


def _collect(box_fd: int, spec: SandboxSpec) -> dict[str, bytes]:
    """Read the requested files from /box without following anything the program planted."""
    files: dict[str, bytes] = {}
    cap = spec.collect_max_kib * 1024
    for name in spec.collect:
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


def _start_and_watch(spec: SandboxSpec, root: mounts.RootPlan, env: dict[str, str],
                     slot: slots.Slot, cg: cgroups.BoxCgroup, box_fd: int,
                     host: _Host) -> _Watch:
    cg_fds: list[int] = []
    pipes: list[int] = []
    stdin_fd = -1
    pid = 0
    watch = _Watch()
    try:
        cg_fds = host.cgroups.attach_fds(cg)
        stdin_fd = os.open(spec.stdin or "/dev/null", os.O_RDONLY | os.O_CLOEXEC)
        setup_r, setup_w = os.pipe()
        result_r, result_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        pipes = [setup_r, setup_w, result_r, result_w, out_r, out_w, err_r, err_w]
        plan = ChildPlan(spec.command, env, root, rlimits.table(spec.limits), slot.uid,
                         slot.gid, host.last_cap, seccomp.compile_filter(), box_fd,
                         tuple(cg_fds), stdin_fd, out_w, err_w, setup_w, result_w)
        pid = os.fork()
        if pid == 0:
            try:
                keeper(plan)
            finally:
                os._exit(127)
        for fd in (setup_w, result_w, out_w, err_w):
            os.close(fd)
            pipes.remove(fd)
        _watch(spec, watch, pid, cg, host.cgroups, setup_r, result_r, out_r, err_r)
        return watch
    finally:
        if pid > 0:
            _kill(watch, pid, None)
            os.waitpid(pid, 0)
        if watch.init_pidfd is not None:
            os.close(watch.init_pidfd)
        for fd in [*cg_fds, *pipes] + ([stdin_fd] if stdin_fd >= 0 else []):
            os.close(fd)


def _kill(watch: _Watch, keeper_pid: int, reason: str | None) -> None:
    """Kill the whole box: SIGKILL to its init ends its pid namespace, every process in it."""
    if reason and watch.killed_by is None and watch.wait_status is None:
        watch.killed_by = reason
        watch.kill_ns = time.monotonic_ns()
    try:
        if watch.init_pidfd is not None:
            signal.pidfd_send_signal(watch.init_pidfd, signal.SIGKILL)
        os.kill(keeper_pid, signal.SIGKILL)  # init dies with it (PDEATHSIG)
    except ProcessLookupError:
        pass


def _open_init(pid: int, keeper_pid: int) -> int | None:
    """A pidfd for init, but only if ``pid`` is still the keeper's child (no pid reuse)."""
    try:
        pidfd = os.pidfd_open(pid)
        with open(f"/proc/{pid}/stat") as f:
            ppid = int(f.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None
    if ppid != keeper_pid:
        os.close(pidfd)
        return None
    return pidfd


def _watch(spec: SandboxSpec, watch: _Watch, keeper_pid: int, cg: cgroups.BoxCgroup,
           backend: cgroups.Backend, setup_r: int, result_r: int, out_r: int,
           err_r: int) -> None:
    """Pump output and messages until every pipe is closed, enforcing the limits."""
    limits = spec.limits
    cpu_limit_ns = limits.cpu_time_ms * 1_000_000
    out_cap = limits.output_kib * 1024
    err_keep = limits.stderr_kib * 1024
    parallel = max(1, min(limits.processes, os.cpu_count() or 1))
    started = time.monotonic_ns()
    lines = {setup_r: b"", result_r: b""}
    sel = selectors.DefaultSelector()
    for fd in (setup_r, result_r, out_r, err_r):
        sel.register(fd, selectors.EVENT_READ)
    next_check = 0.0
    try:
        while sel.get_map():
            now = time.monotonic_ns()
            if watch.exec_ns is None:
                timeout = (started + SETUP_TIMEOUT_S * 1e9 - now) / 1e9
                if timeout <= 0 and watch.setup_error is None:
                    watch.setup_error = "setup: timed out"
                    _kill(watch, keeper_pid, None)
            elif watch.wait_status is None and watch.killed_by is None:
                wall_left = (watch.exec_ns + limits.wall_ms * 1_000_000 - now) / 1e9
                if wall_left <= 0:
                    _kill(watch, keeper_pid, "wall-time")
                elif now / 1e9 >= next_check:
                    cpu_left = (cpu_limit_ns + watch.setup_cpu_ns - backend.cpu_ns(cg)) / 1e9
                    if cpu_left <= 0:
                        _kill(watch, keeper_pid, "cpu-time")
                    # CPU time grows at most `parallel` times as fast as the wall clock.
                    next_check = now / 1e9 + max(MIN_CHECK_S, cpu_left / parallel)
                timeout = max(0.0, min(wall_left, next_check - now / 1e9))
            else:
                timeout = 1.0
            for key, _ in sel.select(max(0.0, timeout)):
                fd = key.fd
                data = os.read(fd, 65536)
                if not data:
                    sel.unregister(fd)
                elif fd == out_r:
                    watch.stdout_total += len(data)
                    if watch.stdout_total > out_cap:
                        watch.stdout += data[:max(0, out_cap - len(watch.stdout))]
                        _kill(watch, keeper_pid, "output")
                    else:
                        watch.stdout += data
                elif fd == err_r:
                    watch.stderr_total += len(data)
                    watch.stderr += data[:max(0, err_keep - len(watch.stderr))]
                    if watch.stderr_total > out_cap:
                        _kill(watch, keeper_pid, "output")
                else:
                    lines[fd] += data
                    while b"\n" in lines[fd]:
                        line, lines[fd] = lines[fd].split(b"\n", 1)
                        _message(watch, keeper_pid, line.decode(errors="replace"))
    finally:
        sel.close()


def _message(watch: _Watch, keeper_pid: int, line: str) -> None:
    kind, body = line[:1], line[1:]
    if kind == "T":
        exec_ns, setup_cpu_ns = body.split()
        watch.exec_ns, watch.setup_cpu_ns = int(exec_ns), int(setup_cpu_ns)
    elif kind == "E":
        watch.setup_error = watch.setup_error or body
    elif kind == "P":
        watch.init_pidfd = _open_init(int(body), keeper_pid)
    elif kind == "X":
        status, end = body.split()
        watch.wait_status, watch.end_ns = int(status), int(end)


def _decide(spec: SandboxSpec, watch: _Watch, stats: cgroups.CgroupStats,
            files: dict[str, bytes]) -> Outcome:
    """Turn what the judge recorded into a status; never guess from an exit signal alone."""
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
    elif watch.killed_by == "output":
        status = Status.OLE
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
    return Outcome(status, exit_code, signo, wall_time=wall_s, killed_by=watch.killed_by,
                   **common)

"""The child half of a run: the keeper, the box's init (PID 1) and the program's process.

Process tree, all forked from the supervisor::

    supervisor ── keeper: new session; unshare mount, pid, ipc, uts, net namespaces
                    └── init (PID 1): build the root, loopback, hostname; reap; report
                          └── program: join cgroup, cgroup ns, fds, rlimits, drop
                              privileges, seccomp, exec

A *reusable box* (``sandbox.box``) keeps the keeper and init across runs. Init says ``N``
(ready) on the control socket, takes each run's :class:`RunOrder` and fds from the order
socket, resets the box (a new ipc namespace; fresh /tmp, /dev/shm and the run's /box; pid
numbering from the start) and forks the program as above; after it, it kills and reaps every
other process before it reports ``X``::

    init (PID 1 of the box, for every run) └── program: as above, one per run

Messages to the supervisor travel on two pipes. The *setup* pipe is close-on-exec: it carries
``E<stage>: <error>`` when a step fails before exec (the run becomes SE, never the program's
fault) and ``T<ns> <cpu ns>`` (the monotonic clock, and the CPU time the program's process spent in the
box cgroup before exec) just before exec; its EOF means every copy is gone.
The *result* pipe carries ``P<pid>`` (init's pid, from the keeper) and ``X<wait status>
<ns>`` when the program has ended (from init). Nothing here returns into the supervisor's code:
every path ends in ``os._exit`` or ``exec``.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import pickle
import select
import signal
import socket
import time
import traceback
from dataclasses import dataclass

from . import _libc, caps, mounts, namespaces, net, rlimits

__all__ = ["ChildPlan", "RunOrder", "RUN_FDS", "keeper"]

# The fds of one run of a reusable box, in the order they travel with a RunOrder.
RUN_FDS = ("box_mount_fd", "stdin_fd", "stdout_w", "stderr_w", "setup_w", "result_w")
STALE_WAIT_S = 0.2  # how long init waits for an earlier run's unix sockets to be freed
# Signals Python ignores or handles, which the program must find at their defaults.
_RESET_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGTERM,
                  signal.SIGUSR1)  # (a reusable box's init handles SIGUSR1)


@dataclass(frozen=True)
class ChildPlan:
    """Everything the child half needs, computed by the supervisor before fork."""

    argv: tuple[str, ...]
    env: dict[str, str]
    root: mounts.RootPlan
    rlimits: list[tuple[int, int, int]]
    uid: int
    gid: int
    last_cap: int
    seccomp_bpf: bytes
    box_mount_fd: int
    cgroup_fds: tuple[int, ...]  # "tasks"/"cgroup.procs" files, or the v2 cgroup's directory
    stdin_fd: int
    stdout_w: int
    stderr_w: int
    setup_w: int
    result_w: int
    born_in_cgroup: bool = False  # v2: the program is forked into its cgroup (cgroup_fds[0])
    control_fd: int = -1  # a reusable box: init serves runs sent on this socket (-1: one run)


@dataclass(frozen=True)
class RunOrder:
    """One run of a reusable box, sent to its init with the run's fds (``RUN_FDS``, then the
    cgroup fds): what differs from run to run."""

    argv: tuple[str, ...]
    env: dict[str, str]
    rlimits: list[tuple[int, int, int]]
    tmp_kib: int


def _fail(plan: ChildPlan, stage: str, exc: BaseException) -> None:
    """Report a setup failure to the supervisor and end this process."""
    detail = f"{type(exc).__name__}: {exc}" if isinstance(exc, OSError) else \
        "".join(traceback.format_exception_only(exc)).strip()
    try:
        os.write(plan.setup_w, f"E{stage}: {detail}\n".encode()[:4000])
    finally:
        os._exit(127)


def _close_other_fds(keep: set[int]) -> None:
    """Close every fd but ``keep``: the judge's own fds (other boxes' pipes, files being
    written, sockets of a worker) must not live on in this box's processes."""
    low = 0
    for fd in sorted(keep):
        if low < fd:  # os.closerange(n, n) would close every fd from n up (close_range(n, ~0))
            os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 20)


def keeper(plan: ChildPlan) -> None:
    """Runs in the supervisor's child: new namespaces, then fork init and wait for it."""
    try:
        _close_other_fds({0, 1, 2, plan.box_mount_fd, *plan.cgroup_fds, plan.stdin_fd,
                          plan.stdout_w, plan.stderr_w, plan.setup_w, plan.result_w,
                          plan.control_fd})
        os.setsid()  # out of the caller's terminal: its Ctrl-C reaches only the supervisor
        _libc.prctl(_libc.PR_SET_PDEATHSIG, signal.SIGKILL)
        namespaces.enter_box_namespaces()
        lifeline_r, lifeline_w = os.pipe()  # EOF for init once the keeper is gone
        pid = os.fork()
    except BaseException as exc:
        _fail(plan, "namespaces", exc)
    if pid == 0:
        os.close(lifeline_w)
        _init(plan, lifeline_r)
    os.write(plan.result_w, f"P{pid}\n".encode())
    for fd in (plan.result_w, plan.setup_w, plan.stdout_w, plan.stderr_w, plan.control_fd):
        if fd >= 0:
            os.close(fd)
    try:
        os.waitpid(pid, 0)
    finally:
        os._exit(0)


def _init(plan: ChildPlan, lifeline: int) -> None:
    """PID 1 of the box: build the root, start the program, reap until it ends, report."""
    try:
        _libc.prctl(_libc.PR_SET_PDEATHSIG, signal.SIGKILL)
        # The keeper may have died before the line above took effect (getppid() cannot tell:
        # the keeper is outside this pid namespace); its end of the lifeline would be closed.
        if select.select([lifeline], [], [], 0)[0]:
            os._exit(1)
        os.close(lifeline)
        mounts.build_root(plan.root, plan.box_mount_fd)
        net.loopback_up()
        namespaces.set_hostname(plan.root.hostname)
        if plan.control_fd >= 0:
            orders = _box_ready(plan)
        else:
            pid = _libc.fork_into_cgroup(plan.cgroup_fds[0]) if plan.born_in_cgroup \
                else os.fork()
    except BaseException as exc:
        _fail(plan, "root", exc)
    if plan.control_fd >= 0:
        _serve_runs(plan, orders)
    if pid == 0:
        _program(plan)
    _reap_and_report(plan, pid)


def _reap_and_report(plan: ChildPlan, pid: int) -> None:
    """As PID 1: reap every process until the program ends, kill the rest, report, exit."""
    _close_run_fds(plan)
    try:
        status, end = _wait_for(pid)
        try:
            os.kill(-1, signal.SIGKILL)  # whatever the program left behind, in this namespace
        except ProcessLookupError:
            pass  # nothing was left
        os.write(plan.result_w, f"X{status} {end}\n".encode())
    finally:
        os._exit(0)


def _close_run_fds(plan: ChildPlan) -> None:
    """PID 1's copies of the run's fds, once the program has its own."""
    for fd in (plan.setup_w, plan.stdout_w, plan.stderr_w, plan.stdin_fd, plan.box_mount_fd,
               *plan.cgroup_fds):
        if fd >= 0:
            os.close(fd)


def _wait_for(pid: int) -> tuple[int, int]:
    """Reap every process until ``pid`` ends: its wait status and the monotonic time."""
    while True:
        reaped, status = os.waitpid(-1, 0)
        if reaped == pid:
            return status, time.monotonic_ns()


def _box_ready(box: ChildPlan) -> socket.socket:
    """A reusable box's init, its root built: take the order socket (the supervisor made the
    pair, so no box socket is ever init's), say ``R`` (ready); returns the order socket."""
    with socket.socket(fileno=os.dup(box.control_fd)) as conn:
        message, fds, _flags, _addr = socket.recv_fds(conn, 16, 1)
        if message != b"O" or len(fds) != 1:
            raise RuntimeError("no order socket from the supervisor")
        conn.send(b"R")
    os.close(box.setup_w)
    os.close(box.result_w)
    return socket.socket(fileno=fds[0])


def _serve_runs(box: ChildPlan, orders: socket.socket) -> None:
    """A reusable box's init: one run after another, each on a reset box.

    For each run: check that nothing of the last run lives on in the box's network namespace
    (a box that holds a unix socket says ``B`` and ends: the supervisor opens a fresh one), say
    ``N`` (ready), take the :class:`RunOrder` and the run's fds from the order socket, reset
    the box (:func:`_renew`), fork the program, and when it ends kill every other process of
    the box's pid namespace and reap until no child is left (orphans come to PID 1, so none is
    left at all) before reporting ``X``. SIGUSR1 from the supervisor (a limit passed) kills
    every process of the run at once. Any failure ends init; the supervisor opens a fresh box.
    """
    conn = socket.socket(fileno=box.control_fd)
    gc.freeze()  # no collection walks (and so copies) init's objects in each forked program
    gc.disable()
    signal.signal(signal.SIGUSR1, _kill_run)
    try:
        _clear()
        while True:
            if not _no_stale_sockets():
                conn.send(b"B")
                os._exit(0)
            conn.send(b"N")
            message, fds, _flags, _addr = socket.recv_fds(orders, 1 << 20, 16)
            if not message:
                os._exit(0)  # the supervisor closed the box
            plan = _run_plan(box, message, fds)
            try:
                _renew(plan)
                pid = _libc.fork_into_cgroup(plan.cgroup_fds[0]) if plan.born_in_cgroup \
                    else os.fork()
            except BaseException as exc:
                _fail(plan, "run-root", exc)  # ends init: the box is in no known state
            if pid == 0:
                _program(plan)
            _close_run_fds(plan)
            status, end = _wait_for(pid)
            _kill_run()
            _reap_all()
            os.write(plan.result_w, f"X{status} {end}\n".encode())
            os.close(plan.result_w)
            _clear()  # off the next run's path, while the supervisor reads this one's results
    except BaseException:  # noqa: BLE001 - the supervisor sees EOF and opens a fresh box
        os._exit(1)


def _run_plan(box: ChildPlan, message: bytes, fds: list[int]) -> ChildPlan:
    """The plan of one run: the box's, with the order's argv, env, rlimits and fds."""
    for fd in fds:  # SCM_RIGHTS hands fds over inheritable; setup_w must close at exec
        os.set_inheritable(fd, False)
    order: RunOrder = pickle.loads(message)
    return dataclasses.replace(
        box, argv=order.argv, env=order.env, rlimits=order.rlimits, control_fd=-1,
        root=dataclasses.replace(box.root, tmp_kib=order.tmp_kib),
        cgroup_fds=tuple(fds[len(RUN_FDS):]), **{name: fds[i] for i, name in enumerate(RUN_FDS)})


def _clear() -> None:
    """After a run (no process of it left): detach its /tmp, /dev/shm and /box, and leave its
    ipc namespace for a new one (its SysV objects and POSIX message queues die with it)."""
    mounts.clear_run_mounts()
    _libc.unshare(_libc.CLONE_NEWIPC)


def _renew(plan: ChildPlan) -> None:
    """Set the box up for a run, after :func:`_clear`: fresh /tmp and /dev/shm, the run's /box,
    and pid numbering from the start again (the program is PID 2, as in a fresh box, whatever
    the last run forked)."""
    mounts.mount_run_dirs(plan.box_mount_fd, plan.root.tmp_kib)
    fd = os.open("/proc/sys/kernel/ns_last_pid", os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, b"1")
    finally:
        os.close(fd)


def _kill_run(*_signal: object) -> None:
    """Kill every process of the box's pid namespace but init (and keep going)."""
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass  # nothing was left


def _reap_all() -> None:
    """Reap until init has no child left: then no process of the run is left at all."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _no_stale_sockets() -> bool:
    """Whether the box's network namespace holds no unix socket at all (the box's own sockets
    were all made outside it; an earlier run's socket may be kept alive by its own fd in
    flight until the kernel's collector frees it): waits a moment for the collector."""
    deadline = time.monotonic() + STALE_WAIT_S
    while True:
        fd = os.open("/proc/net/unix", os.O_RDONLY | os.O_CLOEXEC)
        try:
            data = os.read(fd, 4096)
        finally:
            os.close(fd)
        if data.count(b"\n") <= 1:  # the header line only
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)


def _program(plan: ChildPlan) -> None:
    """The program's process: the last steps in setup order, then exec.

    On v1 it joins the box cgroup as late as it can (pages and CPU time a process uses count
    where it is at the time); on v2 it was born there. It reports the CPU time it spent in the
    cgroup before exec, which the supervisor subtracts: the judge's own setup is never billed
    to the program.
    """
    stage = "signals"
    try:
        for sig in _RESET_SIGNALS:
            signal.signal(sig, signal.SIG_DFL)  # Python ignores some; the program must not
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        stage = "rlimits"
        rlimits.apply(plan.rlimits)
        stage = "cgroup"
        joined = 0  # CPU time of this process counted in the box cgroup before now
        if not plan.born_in_cgroup:
            for fd in plan.cgroup_fds:
                os.write(fd, b"0")  # "0" moves the writer itself (one thread) into the cgroup
            joined = time.clock_gettime_ns(time.CLOCK_THREAD_CPUTIME_ID)
        namespaces.enter_cgroup_namespace()
        stage = "fds"
        os.dup2(plan.stdin_fd, 0)
        os.dup2(plan.stdout_w, 1)
        os.dup2(plan.stderr_w, 2)
        _close_other_fds({0, 1, 2, plan.setup_w})
        os.chdir("/box")
        os.umask(0o022)
        stage = "privileges"
        caps.drop_privileges(plan.uid, plan.gid, plan.last_cap)
        stage = "seccomp"
        spent = time.clock_gettime_ns(time.CLOCK_THREAD_CPUTIME_ID) - joined
        os.write(plan.setup_w, f"T{time.monotonic_ns()} {spent}\n".encode())
        _libc.load_seccomp_bpf(plan.seccomp_bpf)
        stage = "exec"
        os.execvpe(plan.argv[0], list(plan.argv), plan.env)
    except BaseException as exc:
        _fail(plan, stage, exc)

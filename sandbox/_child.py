"""The child half of a run: the keeper, the box's init (PID 1) and the program's process.

Process tree, all forked from the supervisor::

    supervisor ── keeper: new session; unshare mount, pid, ipc, uts, net namespaces
                    └── init (PID 1): build the root, loopback, hostname; reap; report
                          └── program: join cgroup, cgroup ns, fds, rlimits, drop
                              privileges, seccomp, exec

Messages to the supervisor travel on two pipes. The *setup* pipe is close-on-exec: it carries
``E<stage>: <error>`` when a step fails before exec (the run becomes SE, never the program's
fault) and ``T<ns> <cpu ns>`` (the monotonic clock, and the CPU time the program's process spent in the
box cgroup before exec) just before exec; its EOF means every copy is gone.
The *result* pipe carries ``P<pid>`` (init's pid, from the keeper) and ``X<wait status>
<ns>`` when the program has ended (from init). Nothing here returns into the supervisor's code:
every path ends in ``os._exit`` or ``exec``.
"""

from __future__ import annotations

import os
import select
import signal
import time
import traceback
from dataclasses import dataclass

from . import _libc, caps, mounts, namespaces, net, rlimits

__all__ = ["ChildPlan", "keeper"]


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
                          plan.stdout_w, plan.stderr_w, plan.setup_w, plan.result_w})
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
    for fd in (plan.result_w, plan.setup_w, plan.stdout_w, plan.stderr_w):
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
        pid = _libc.fork_into_cgroup(plan.cgroup_fds[0]) if plan.born_in_cgroup else os.fork()
    except BaseException as exc:
        _fail(plan, "root", exc)
    if pid == 0:
        _program(plan)
    for fd in (plan.setup_w, plan.stdout_w, plan.stderr_w, plan.stdin_fd, plan.box_mount_fd,
               *plan.cgroup_fds):
        os.close(fd)
    try:
        while True:
            reaped, status = os.waitpid(-1, 0)
            if reaped == pid:
                break
        end = time.monotonic_ns()
        try:
            os.kill(-1, signal.SIGKILL)  # whatever the program left behind, in this namespace
        except ProcessLookupError:
            pass  # nothing was left
        os.write(plan.result_w, f"X{status} {end}\n".encode())
    finally:
        os._exit(0)


def _program(plan: ChildPlan) -> None:
    """The program's process: the last steps in setup order, then exec.

    On v1 it joins the box cgroup as late as it can (pages and CPU time a process uses count
    where it is at the time); on v2 it was born there. It reports the CPU time it spent in the
    cgroup before exec, which the supervisor subtracts: the judge's own setup is never billed
    to the program.
    """
    stage = "signals"
    try:
        for sig in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGTERM):
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

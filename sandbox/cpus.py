"""CPU pinning: the boxes of one judging process run on a CPU of their own.

A judging process (a worker's pool process, the CLI, a batch job's process) judges one thing
at a time: a compile, then the tests, then the checks, each in a box. While it has a box open
it holds a *CPU lease*: an exclusive ``flock`` on ``<run dir>/cpus/<n>``, taken when its
first box opens and given back when its last box closes (a process that crashed gives it
back with its fds). Every box it opens meanwhile runs on CPU ``n`` (the cgroup backends pin
it: a cpuset), so

- two judgements never share a core while another core sits idle, and no box's program is
  moved from core to core: the CPU time a program is billed does not move with what runs
  beside it (``bench/timing_load.py``);
- a program that asks which CPUs it may use (``sched_getaffinity``, ``nproc``, Java's
  ``availableProcessors``, Go's ``NumCPU``) is told that one, and cannot widen it
  (``sched_setaffinity`` is bounded by the cpuset). How many CPUs the host has
  (``get_nprocs``, ``/proc/stat``) it is told as any process pinned with ``taskset`` is.

The interactive validator and the program of one judgement, run by two threads of the same
process, share its CPU: they take turns anyway. When every CPU is leased (more judging
processes than CPUs: a worker started with ``--concurrency`` above the core count), a box is
not pinned and runs wherever the scheduler puts it, as before: pinning two judgements to one
core while another is idle would cost more than it gives.

``JUDGEBOX_CPUS``: ``auto`` (the default: the CPUs this process may run on), ``off`` (no
pinning), or a list (``2-7``, ``0,2,4``): the CPUs boxes may be pinned to, for instance to
keep one for the web app and the supervisors.
"""

from __future__ import annotations

import fcntl
import functools
import os
import threading

from .errors import HostError

__all__ = ["pinnable", "acquire", "release", "current", "try_lock", "parse_list"]


def parse_list(text: str) -> tuple[int, ...]:
    """A kernel-style CPU list (``0-3,6``) as a sorted tuple; ``ValueError`` if malformed."""
    cpus: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        low, dash, high = part.partition("-")
        first, last = int(low), int(high if dash else low)
        if first < 0 or last < first:
            raise ValueError(f"not a CPU range: {part!r}")
        cpus.update(range(first, last + 1))
    return tuple(sorted(cpus))


@functools.lru_cache(maxsize=1)
def pinnable() -> tuple[int, ...]:
    """The CPUs boxes may be pinned to (empty: no pinning), from ``JUDGEBOX_CPUS`` and the
    CPUs this process may run on."""
    setting = os.environ.get("JUDGEBOX_CPUS", "auto").strip().lower()
    if setting == "off":
        return ()
    allowed = tuple(sorted(os.sched_getaffinity(0)))
    if setting in ("", "auto"):
        return allowed
    try:
        wanted = parse_list(setting)
    except ValueError as exc:
        raise HostError(f"JUDGEBOX_CPUS={setting!r}: auto, off or a CPU list ({exc})") from exc
    return tuple(cpu for cpu in wanted if cpu in allowed)


class _Lease:
    """This process's lease: the CPU and its lock's fd, and how many boxes use it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0
        self.cpu: int | None = None
        self.fd = -1
        self.last: int | None = None  # the CPU this process had before (its caches are warm)


_lease = _Lease()


def _forget_after_fork() -> None:
    """A forked child does not hold its parent's lease: its copy of the lock's fd shares the
    parent's lock (closing it releases nothing while the parent keeps its own)."""
    global _lease
    if _lease.fd >= 0:
        os.close(_lease.fd)
    _lease = _Lease()


os.register_at_fork(after_in_child=_forget_after_fork)


def try_lock(run_dir: str, cpu: int) -> int:
    """The fd of CPU ``cpu``'s lock if this call took it, else -1."""
    path = os.path.join(run_dir, "cpus")
    os.makedirs(path, mode=0o700, exist_ok=True)
    fd = os.open(os.path.join(path, str(cpu)), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return -1
    return fd


def acquire(run_dir: str) -> int | None:
    """One more box of this process: its CPU (the lease's, taken now if this is the process's
    first open box), or None when the box is not pinned. Pair with :func:`release`."""
    with _lease.lock:
        if _lease.users == 0:
            _lease.cpu, _lease.fd = _take(run_dir)
        _lease.users += 1
        return _lease.cpu


def _take(run_dir: str) -> tuple[int | None, int]:
    cpus = pinnable()
    order = sorted(cpus, key=lambda cpu: cpu != _lease.last)  # the last one first
    for cpu in order:
        fd = try_lock(run_dir, cpu)
        if fd >= 0:
            _lease.last = cpu
            return cpu, fd
    return None, -1


def release() -> None:
    """A box of this process closed: the lease goes with the last one."""
    with _lease.lock:
        _lease.users -= 1
        if _lease.users == 0 and _lease.fd >= 0:
            os.close(_lease.fd)
            _lease.cpu, _lease.fd = None, -1


def current() -> int | None:
    """The CPU this process's open boxes run on (None: none open, or not pinned)."""
    return _lease.cpu

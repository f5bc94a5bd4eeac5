"""The supervisor's watch over one running box: messages, output, limits, and the kill.

It reads the box's pipes until all are closed: the setup pipe (``T``: exec happened, ``E``: setup
failed), the result pipe (``P``: init's pid, ``X``: the program's wait status and end time),
stdout and stderr (kept up to their caps). Between reads it enforces the limits: CPU time from
the box cgroup at adaptive intervals (CPU time grows at most ``min(processes, cores)`` times as
fast as the wall clock, a pinned box having one core, so the next look is at ``remaining CPU /
that``, but at least 5 ms apart), the wall clock, and the output cap. Killing the box is one
SIGKILL to its init, through a pidfd checked against pid reuse: the kernel then ends every
process of its pid namespace.

A program that writes its output in many small pieces (an unbuffered ``std::cerr``: one
``write`` a call) would wake this loop for each piece, and each wake-up costs the *program*
CPU time (the kernel wakes the reader in the writer's system call): 300,000 two-byte writes
took 0.38 s of the program's CPU read as they came, 0.24 s read a millisecond apart
(``bench/output_writes.py``). So after ``COALESCE_AFTER`` small reads of stdout or stderr
the loop waits ``COALESCE_S`` after each small read, and the pipe's buffer gathers the pieces;
a program that prints a few lines, or writes big pieces, is read as it writes.
"""

from __future__ import annotations

import os
import select
import signal
import time

from . import cgroups
from .spec import Limits

__all__ = ["Watchdog", "SETUP_TIMEOUT_S", "MIN_CHECK_S"]

SETUP_TIMEOUT_S = 10.0
MIN_CHECK_S = 0.005
SMALL_READ = 4096  # bytes: a read this short means the program writes in small pieces
COALESCE_AFTER = 64  # small reads of stdout/stderr before the loop starts gathering them
COALESCE_S = 0.001  # the wait after each small read from then on (the pipe holds 64 KiB)


class Watchdog:
    """What the supervisor saw of one run, and the loop that saw it."""

    def __init__(self, limits: Limits, keeper_pid: int, keeper_pidfd: int,
                 figures: cgroups.Figures | None, *, cores: int | None = None) -> None:
        """``figures``: the run's cgroup's (its CPU time is read there; None only for a watch
        that is never run, just killed); ``cores``: how many CPUs the box may run on (a
        pinned box: 1; default: all)."""
        self.limits = limits
        self.keeper_pid = keeper_pid
        self.keeper_pidfd = keeper_pidfd
        self.figures = figures
        self.exec_ns: int | None = None
        self.setup_cpu_ns = 0  # CPU time the judge's own setup spent in the box cgroup
        self.end_ns: int | None = None
        self.wait_status: int | None = None
        self.init_pidfd: int | None = None
        self.setup_error: str | None = None
        self.killed_by: str | None = None
        self.kill_ns: int | None = None
        self.stdout = bytearray()
        self.stderr = bytearray()
        self.stdout_total = 0
        self.stderr_total = 0
        self._next_cpu_check = 0.0
        self._parallel = max(1, min(limits.processes, cores or os.cpu_count() or 1))

    def watch(self, setup_r: int, result_r: int, out_r: int | None, err_r: int,
              relay_r: int | None = None) -> None:
        """Pump every pipe until all are closed, enforcing the limits in between. ``out_r``:
        the program's stdout; or ``relay_r``: the report of the relay that passes it on to
        the caller's fd (``forkserver.ForkServer.relay``), when stdout is not kept here."""
        started = time.monotonic()
        handlers = {setup_r: self._lines(), result_r: self._lines(), err_r: self._stderr}
        if out_r is not None:
            handlers[out_r] = self._stdout
        if relay_r is not None:
            handlers[relay_r] = self._lines(self.relay_report)
        # poll, not epoll: one system call a look instead of an epoll instance and its
        # registrations for each run (a handful of fds, a few looks a run)
        poller = select.poll()
        for fd in handlers:
            poller.register(fd, select.POLLIN)
        output, small = {out_r, err_r}, 0
        while handlers:
            gather = False
            for fd, _event in poller.poll(self._enforce(started) * 1000):
                data = os.read(fd, 65536)  # POLLIN or POLLHUP: data, or b"" at EOF
                if data:
                    handlers[fd](data)
                    if fd in output and len(data) < SMALL_READ:
                        small += 1
                        gather = small > COALESCE_AFTER
                else:
                    poller.unregister(fd)
                    del handlers[fd]
            if gather and self.wait_status is None:
                time.sleep(COALESCE_S)  # let a chatty program's pieces gather (module doc)

    def kill(self, reason: str | None = None) -> None:
        """Kill the whole box; ``reason`` ("cpu-time", "wall-time", "output") if it is a limit."""
        if reason and self.killed_by is None and self.wait_status is None:
            self.killed_by = reason
            self.kill_ns = time.monotonic_ns()
        for pidfd in (self.init_pidfd, self.keeper_pidfd):  # init dies with the keeper anyway
            if pidfd is not None:
                try:
                    signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def close(self) -> None:
        """Release the pidfd."""
        if self.init_pidfd is not None:
            os.close(self.init_pidfd)
            self.init_pidfd = None

    def _enforce(self, started: float) -> float:
        """Kill the box if a limit has passed; return how long to wait for the next look."""
        now = time.monotonic()
        if self.exec_ns is None:
            left = started + SETUP_TIMEOUT_S - now
            if left <= 0 and self.setup_error is None:
                self.setup_error = "setup: timed out"
                self.kill()
            return max(0.0, left) if self.setup_error is None else 1.0
        if self.wait_status is not None or self.killed_by is not None:
            return 1.0  # ended: only draining pipes now
        wall_left = self.exec_ns / 1e9 + self.limits.wall_ms / 1000 - now
        if wall_left <= 0:
            self.kill("wall-time")
            return 1.0
        if now >= self._next_cpu_check:
            used = self.figures.cpu_ns() - self.setup_cpu_ns
            cpu_left = (self.limits.cpu_time_ms * 1_000_000 - used) / 1e9
            if cpu_left <= 0:
                self.kill("cpu-time")
                return 1.0
            self._next_cpu_check = now + max(MIN_CHECK_S, cpu_left / self._parallel)
        return max(0.0, min(wall_left, self._next_cpu_check - now))

    def output_over(self) -> bool:
        """Whether stdout or stderr passed the output limit: counted from everything read,
        whenever it was read (the program's end may be seen before its last output is)."""
        cap = self.limits.output_kib * 1024
        return self.stdout_total > cap or self.stderr_total > cap

    def _stdout(self, data: bytes) -> None:
        cap = self.limits.output_kib * 1024
        self.stdout_total += len(data)
        self.stdout += data[:max(0, cap - len(self.stdout))]
        if self.stdout_total > cap:
            self.kill("output")

    def _stderr(self, data: bytes) -> None:
        self.stderr_total += len(data)
        self.stderr += data[:max(0, self.limits.stderr_kib * 1024 - len(self.stderr))]
        if self.stderr_total > self.limits.output_kib * 1024:
            self.kill("output")

    def _lines(self, handle=None):
        pending = bytearray()
        handle = handle or self.message

        def feed(data: bytes) -> None:
            pending.extend(data)
            while b"\n" in pending:
                line, _, rest = bytes(pending).partition(b"\n")
                pending[:] = rest
                handle(line.decode(errors="replace"))
        return feed

    def relay_report(self, line: str) -> None:
        """One line from the relay of a stdout passed on (``relay()`` in ``native/jbox.c``):
        ``O`` the limit passed (the box is killed; what follows is dropped), ``D<total>`` all
        of it passed on, ``P`` the reader went away first."""
        kind, body = line[:1], line[1:]
        if kind == "O":
            self.stdout_total = max(self.stdout_total, self.limits.output_kib * 1024 + 1)
            self.kill("output")
        elif kind == "D":
            self.stdout_total = max(self.stdout_total, int(body))

    def message(self, line: str) -> None:
        """One line from the box's helpers (see ``sandbox/native/jbox.c``)."""
        kind, body = line[:1], line[1:]
        if kind == "T":
            exec_ns, setup_cpu_ns = body.split()
            self.exec_ns, self.setup_cpu_ns = int(exec_ns), int(setup_cpu_ns)
        elif kind == "E":
            self.setup_error = self.setup_error or body
        elif kind == "P":
            self.init_pidfd = _open_init(int(body), self.keeper_pid)
        elif kind == "X":
            status, end = body.split()
            self.wait_status, self.end_ns = int(status), int(end)



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


"""The fork server: the box helper (``native/jbox.c``, see ``sandbox._native``) started once and
kept, which forks every box's keeper.

Forking is cheaper the smaller the parent (page tables are copied, and torn down again at
exec): a worker with Flask, SQLAlchemy and Celery loaded forks several times slower than this
small C process. It also keeps fork out of a multi-threaded worker.

Protocol, over a SOCK_SEQPACKET socket pair (one message per datagram):

- spawn: an encoded :class:`~sandbox._plan.ChildPlan` whose fd fields are indices into the
  fds passed with the message (SCM_RIGHTS). The server forks the keeper and answers with its
  pid (or ``E<error>``). The keeper stays the server's child, unreaped, until the supervisor
  says ``reap``: so its pid cannot be reused while the supervisor holds a pidfd to it.
- ``relay <limit>`` with three fds: fork a relay that passes a program's stdout on to the
  caller's fd (an interactive validator's stdin), counted and limited; answers its pid.
- ``reap <pid>``: wait for that keeper or relay (the supervisor saw it end). No answer.

EOF on the socket (the supervisor is gone) ends the server; its keepers die with it
(their parent-death signal), and with them every box.

One server per supervisor process, started on first use (or early, with :func:`start`), shared
by all threads; a server that died is started again on the next run; a process forked from a
supervisor (a task queue's pool process) starts a server of its own. The supervisor itself
never forks a box.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import threading

from ._native import helper_path
from ._plan import FD_FIELDS, ChildPlan, encode_plan
from .errors import HostError

__all__ = ["ForkServer", "start", "server"]

MAX_PLAN = 1 << 20  # the helper's message buffer


class ForkServer:
    """A running fork server and the socket to it."""

    def __init__(self) -> None:
        helper = helper_path()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen([helper, str(theirs.fileno())],
                                            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL)
        except OSError as exc:
            ours.close()
            raise HostError(f"cannot start the fork server: {exc}") from exc
        finally:
            theirs.close()
        self.sock = ours
        self.lock = threading.Lock()

    def alive(self) -> bool:
        """Whether the server process still runs."""
        return self.process.poll() is None

    def spawn(self, plan: ChildPlan) -> tuple[int, int]:
        """Fork a keeper for ``plan``; returns (pid, pidfd). Call :meth:`reap` once it ended."""
        names = [name for name in FD_FIELDS if getattr(plan, name) >= 0]  # -1: not used
        fds = [getattr(plan, name) for name in names] + list(plan.cgroup_fds)
        indexed = dataclasses.replace(
            plan, cgroup_fds=tuple(range(len(names), len(fds))),
            **{name: names.index(name) if name in names else -1 for name in FD_FIELDS})
        message = encode_plan(indexed)
        if len(message) >= MAX_PLAN:
            raise HostError(f"the box's plan is too large ({len(message)} bytes)")
        return self._fork(message, fds)

    def relay(self, source: int, target: int, report: int, limit: int) -> tuple[int, int]:
        """Fork a relay (``relay()`` in ``native/jbox.c``) that passes what is written to the
        pipe ``source`` reads from on to ``target``, at most ``limit`` bytes, and reports on
        ``report``; returns (pid, pidfd). The caller keeps its fds. Call :meth:`reap` once
        it ended (kill it first if it may not have)."""
        return self._fork(b"relay %d" % limit, [source, target, report])

    def _fork(self, message: bytes, fds: list[int]) -> tuple[int, int]:
        """Send a request that forks a child; its (pid, pidfd)."""
        with self.lock:
            try:
                socket.send_fds(self.sock, [message], fds)
                answer = self.sock.recv(4096)
            except OSError as exc:
                raise HostError(f"the fork server failed: {exc}") from exc
        if not answer or answer.startswith(b"E"):
            raise HostError(f"the fork server failed: {answer[1:].decode() or 'it died'}")
        pid = int(answer)
        return pid, os.pidfd_open(pid)  # safe: the server keeps the pid until reap

    def reap(self, pid: int) -> None:
        """Let the server wait for a keeper that has ended."""
        with self.lock:
            try:
                self.sock.send(b"reap %d" % pid)
            except OSError:
                pass  # the server is gone, and its children with it

    def close(self) -> None:
        """Stop the server (its boxes, if any, die with it)."""
        self.sock.close()
        self.process.wait()


_server: ForkServer | None = None
_server_lock = threading.Lock()


def _forget_after_fork() -> None:
    """In a forked child (a worker's pool process, say) the parent's server is not ours: its
    socket would be shared by two processes. The child starts its own when it needs one."""
    global _server, _server_lock
    if _server is not None:
        _server.sock.close()  # our copy only; the parent keeps its own
        _server = None
    _server_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)


def server() -> ForkServer:
    """The process's fork server, started if it is not running."""
    global _server
    with _server_lock:
        if _server is None or not _server.alive():
            _server = ForkServer()
        return _server


def start() -> None:
    """Start the fork server now (a worker calls this at start, off the first run's path)."""
    server()

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
- ``own <slot>\n<dir>\n...`` with the slot's lock fd, ``disown <slot>``: the box slots the
  supervisor holds (:func:`own`), and the directories their box cgroups are made in.
- ``bye``: the supervisor closes the server (:meth:`ForkServer.close`) and lives on.

EOF on the socket (the supervisor is gone) ends the server; its keepers die with it
(their parent-death signal), and with them every box. If no ``bye`` came first (the supervisor
died, or ended with ``os._exit``, as a forked pool process does, skipping every cleanup of its
own), a child of the server removes the box cgroups of the slots it still owned
(``judgebox-<slot>`` and ``judgebox-<slot>.<run>``), killing what is left in them, and only
then lets the slots go: it holds a dup of each slot's lock fd, the same ``flock``, so no other
judge takes such a slot (and makes cgroups of those names) before the sweep is done. The
server ignores SIGHUP, SIGINT, SIGQUIT and SIGTERM (a terminal's Ctrl-C reaches the judge's
whole process group; a service manager's stop, every process): the judge decides.

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

__all__ = ["ForkServer", "start", "server", "own", "disown"]

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

    def own(self, index: int, lock_fd: int, dirs: tuple[str, ...]) -> None:
        """Have the server hold slot ``index`` (a dup of its lock fd) and sweep its box cgroups
        in ``dirs`` should this process end without closing the server (see the module)."""
        message = b"own %d\n" % index + "\n".join(dirs).encode()
        with self.lock:
            try:
                socket.send_fds(self.sock, [message], [lock_fd])
            except OSError:
                pass  # the server is gone: the slot's next taker sweeps (runner.take_slot)

    def disown(self, index: int) -> None:
        """Let the server forget slot ``index`` (its cgroups are gone; the slot is released)."""
        with self.lock:
            try:
                self.sock.send(b"disown %d" % index)
            except OSError:
                pass

    def close(self) -> None:
        """Stop the server (its boxes, if any, die with it; the slots it was told of stay this
        process's, their cgroups untouched)."""
        with self.lock:
            try:
                self.sock.send(b"bye")
            except OSError:
                pass
            self.sock.close()
        self.process.wait()


_server: ForkServer | None = None
_server_lock = threading.Lock()
_owned: dict[int, tuple[int, tuple[str, ...]]] = {}  # slot -> (its lock fd, its cgroups' dirs)


def _forget_after_fork() -> None:
    """In a forked child (a worker's pool process, say) the parent's server is not ours: its
    socket would be shared by two processes. The child starts its own when it needs one."""
    global _server, _server_lock
    if _server is not None:
        _server.sock.close()  # our copy only; the parent keeps its own
        _server = None
    _server_lock = threading.Lock()
    _owned.clear()  # the parent's slots: its server holds them


os.register_at_fork(after_in_child=_forget_after_fork)


def server() -> ForkServer:
    """The process's fork server, started if it is not running."""
    global _server
    with _server_lock:
        if _server is None or not _server.alive():
            _server = ForkServer()
            for index, (lock_fd, dirs) in _owned.items():  # a server started anew
                _server.own(index, lock_fd, dirs)
        return _server


def own(index: int, lock_fd: int, dirs: tuple[str, ...]) -> None:
    """Slot ``index`` is this process's (``lock_fd`` its lock), its box cgroups made in
    ``dirs``: should the process end without closing the fork server, the server's sweeper
    removes them before the slot goes (see the module). Call :func:`disown` before the slot
    is released."""
    with _server_lock:
        _owned[index] = (lock_fd, dirs)
    server().own(index, lock_fd, dirs)


def disown(index: int) -> None:
    """Slot ``index`` is about to be released, its box cgroups removed."""
    with _server_lock:
        _owned.pop(index, None)
        current = _server
    if current is not None:
        current.disown(index)


def start() -> None:
    """Start the fork server now (a worker calls this at start, off the first run's path)."""
    server()

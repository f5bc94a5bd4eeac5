"""The fork server: a small process that forks every box's keeper.

Forking is cheaper the smaller the parent (page tables are copied, and torn down again at exec):
a worker with Flask, SQLAlchemy and Celery loaded forks several times slower than this process,
which imports only the child half (``_child``) and is started fresh with ``exec``, not forked
from the worker. It also keeps fork out of a multi-threaded worker.

Protocol, over a SOCK_SEQPACKET socket pair (one message per datagram):

- ``spawn``: a pickled :class:`~sandbox._child.ChildPlan` whose fd fields are indices into the
  fds passed with the message (SCM_RIGHTS). The server forks the keeper and answers with its
  pid. The keeper stays the server's child, unreaped, until the supervisor says ``reap``: so its
  pid cannot be reused while the supervisor holds a pidfd to it.
- ``reap <pid>``: wait for that keeper (the supervisor saw it end). No answer.

EOF on the socket (the supervisor is gone) ends the server; its keepers die with it
(their parent-death signal), and with them every box.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import socket
import sys

from ._child import keeper

__all__ = ["FD_FIELDS", "serve"]

FD_FIELDS = ("box_mount_fd", "stdin_fd", "stdout_w", "stderr_w", "setup_w", "result_w",
             "control_fd")  # a field set to -1 is not used by that plan and not sent
MAX_FDS = 16


def _spawn(conn: socket.socket, message: bytes, fds: list[int]) -> None:
    try:
        for fd in fds:  # SCM_RIGHTS hands fds over inheritable; the setup pipe must close at exec
            os.set_inheritable(fd, False)
        plan = pickle.loads(message)
        real = {name: fds[getattr(plan, name)] if getattr(plan, name) >= 0 else -1
                for name in FD_FIELDS}
        plan = dataclasses.replace(plan, cgroup_fds=tuple(fds[i] for i in plan.cgroup_fds),
                                   **real)
        pid = os.fork()
    except Exception as exc:  # noqa: BLE001 - every failure goes back to the supervisor
        conn.send(f"E{type(exc).__name__}: {exc}".encode()[:4000])
        pid = -1
    if pid == 0:
        try:
            conn.close()
            keeper(plan)
        finally:
            os._exit(127)
    for fd in fds:
        os.close(fd)
    if pid > 0:
        conn.send(b"%d" % pid)


def serve(conn: socket.socket) -> None:
    """Answer requests until the supervisor closes its end."""
    while True:
        message, fds, _flags, _addr = socket.recv_fds(conn, 1 << 20, MAX_FDS)
        if not message:
            return
        if message.startswith(b"reap "):
            os.waitpid(int(message[5:]), 0)
        else:
            _spawn(conn, message, fds)


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])))

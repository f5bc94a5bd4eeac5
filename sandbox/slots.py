"""Box slots: each concurrent box holds a slot, which gives it its own uid/gid and cgroup name.

A slot is an exclusive ``flock`` on ``<run dir>/locks/<n>``; the lock dies with the process
holding it, so a crashed judge frees its slots. uid = gid = ``JUDGEBOX_UID_BASE`` (61000) + n.
"""

from __future__ import annotations

import fcntl
import itertools
import os
from dataclasses import dataclass

from .errors import HostError

__all__ = ["Slot", "acquire", "try_acquire", "run_dir"]

_next = itertools.count()


@dataclass(frozen=True)
class Slot:
    """A held slot; release it with :meth:`release` (or use it as a context manager)."""

    index: int
    uid: int
    gid: int
    lock_fd: int

    def release(self) -> None:
        """Give the slot back."""
        os.close(self.lock_fd)

    def __enter__(self) -> "Slot":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def run_dir() -> str:
    """The judge's own run directory (root only): slot locks and the root mount point."""
    path = os.environ.get("JUDGEBOX_RUN_DIR", "/run/judgebox")
    for sub in ("locks", "root"):
        os.makedirs(os.path.join(path, sub), mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def try_acquire(base: str, index: int) -> Slot | None:
    """Take slot ``index`` if it is free, else None."""
    uid_base = int(os.environ.get("JUDGEBOX_UID_BASE", "61000"))
    fd = os.open(os.path.join(base, "locks", str(index)),
                 os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return Slot(index, uid_base + index, uid_base + index, fd)


def acquire(base: str) -> Slot:
    """Take the first free slot, starting after the last one this process took."""
    count = int(os.environ.get("JUDGEBOX_MAX_BOXES", "256"))
    start = next(_next)
    for i in range(count):
        slot = try_acquire(base, (start + i) % count)
        if slot is not None:
            return slot
    raise HostError(f"all {count} box slots are busy (JUDGEBOX_MAX_BOXES)")

"""Host files placed in ``/box``: when a file is unchanged, and its bytes kept in memory.

A judgement places the same file (its program's binary) in ``/box`` for every test. Written
from memory into the run's tmpfs, the 744 KiB benchmark binary took 72 to 103 us, against 141
to 223 us copied from the file with ``sendfile`` (large folios; each run's ``/box`` is a new
tmpfs), and the copy is on the supervisor's path for every run. So the supervisor keeps a
file's bytes while the file is *unchanged*: the same device, inode, size, mtime and ctime as
when it was read (every write changes ctime, and no process can set it back), with its last
change more than two ticks of the coarse clock file times come from before the read began. A
write just after a read could leave all five as they were (git calls such a file "racily
clean"), so a file changed that recently is copied from the file, not kept. The same test
decides whether a ``/box`` made ahead can be trusted to hold a run's files (``box._Ahead``,
``runner._prepare_box``).

The bytes are a reusable box's (``box._Ahead`` holds a :class:`Kept`), dropped when it
closes: a judgement's box keeps its binary for its tests, and nothing outlives the
judgement (kept for the whole process, 32 MiB of past judgements' binaries stayed in each
worker process). At most ``MAX_BYTES`` are kept by one box (the least recently placed go
first), and no file of more than ``MAX_FILE``: those are copied from the file each time.
"""

from __future__ import annotations

import collections
import os
import threading
import time
from pathlib import Path

__all__ = ["RACY_NS", "identity", "unchanged_since", "Kept", "MAX_BYTES", "MAX_FILE"]

MAX_BYTES = 32 << 20
MAX_FILE = 16 << 20
_CLOCK_REALTIME_COARSE = 5  # <linux/time.h>; Python 3.11's time module does not name it


def _racy_ns() -> int:
    """How recent a file's last change may be for a later change to leave its times as they
    were: two ticks of the coarse clock file times come from, and a millisecond."""
    try:
        return 2 * round(time.clock_getres(_CLOCK_REALTIME_COARSE) * 1e9) + 1_000_000
    except OSError:
        return 50_000_000


RACY_NS = _racy_ns()


def identity(st: os.stat_result) -> tuple[int, int, int, int, int]:
    """What changes when a file's content does: device, inode, size, mtime and ctime."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def unchanged_since(st: os.stat_result, began_ns: int) -> bool:
    """Whether a file with these times can be trusted to be unchanged while its times stay as
    they are, for a read that began at ``began_ns`` (wall clock): its last change was more
    than ``RACY_NS`` before."""
    return max(st.st_mtime_ns, st.st_ctime_ns) < began_ns - RACY_NS


class Kept:
    """Host files' bytes kept while they are unchanged (module docstring): path -> (identity,
    mode, bytes), the least recently placed first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.files: collections.OrderedDict[str, tuple[tuple, int, bytes]] = \
            collections.OrderedDict()
        self.size = 0

    def bytes_of(self, path: Path) -> tuple[tuple, int, bytes] | None:
        """The host file's identity, mode and bytes, from memory while it is unchanged (read
        now and kept if it was not, when it may be); None: copy it from the file."""
        st = os.stat(path)
        key = identity(st)
        with self._lock:
            entry = self.files.get(str(path))
            if entry is not None and entry[0] == key:
                self.files.move_to_end(str(path))
                return entry
        began = time.time_ns()
        if st.st_size > MAX_FILE or not unchanged_since(st, began):
            return None
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            data = _read_all(fd, st.st_size)
            same = identity(os.fstat(fd)) == key
        finally:
            os.close(fd)
        if not same or len(data) != st.st_size:
            return None  # changed while it was read: copied from the file this time
        self._put(str(path), key, st.st_mode, data)
        return key, st.st_mode, data

    def clear(self) -> None:
        """Drop every kept file."""
        with self._lock:
            self.files.clear()
            self.size = 0

    def _put(self, path: str, key: tuple, mode: int, data: bytes) -> None:
        with self._lock:
            old = self.files.pop(path, None)
            if old is not None:
                self.size -= len(old[2])
            self.files[path] = (key, mode, data)
            self.size += len(data)
            while self.size > MAX_BYTES:
                _, (_, _, dropped) = self.files.popitem(last=False)
                self.size -= len(dropped)


def _read_all(fd: int, size: int) -> bytes:
    parts, offset = [], 0
    while offset < size:
        part = os.pread(fd, size - offset, offset)
        if not part:
            break
        parts.append(part)
        offset += len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)

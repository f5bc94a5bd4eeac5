"""What both cgroup backends (``cgroup_v1``, ``cgroup_v2``) share: a box's cgroup and its
stats, the verbs of a backend, the files they read and write, and where the host mounts its
hierarchies and this process's own cgroups are. ``cgroups`` picks the backend (and re-exports
these)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

from .errors import CgroupError

__all__ = ["CgroupStats", "Reclaim", "ReclaimFiles", "BoxCgroup", "Backend", "Figures",
           "judge_cgroup_v2", "mountinfo_cgroups", "own_cgroups", "read_bytes", "SUPERVISOR",
           "write_value"]


PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class CgroupStats:
    """What the cgroup measured: all processes and threads of the box, ever."""

    cpu_ns: int
    memory_peak_bytes: int
    oom_kills: int


@dataclass(frozen=True)
class Reclaim:
    """How the box's memory was squeezed, for a run stopped at its memory limit (read only
    then: ``Figures.reclaim``). ``user_ns`` and ``system_ns``: its CPU time in the program and
    in the kernel (the kernel's tick-sampled split, fine over a run of many ticks);
    ``refaulted_bytes``: file pages the kernel read back into the cache after a reclaim
    evicted them (``workingset_refault_file``), counted in the cgroup that read them."""

    user_ns: int
    system_ns: int
    refaulted_bytes: int


@dataclass(frozen=True)
class ReclaimFiles:
    """Where a backend keeps :class:`Reclaim`'s figures: a flat-keyed file with the user and
    system CPU time (its keys and their factor to ns), and the memory's ``memory.stat``."""

    cpu_split: str
    user_key: bytes
    system_key: bytes
    factor_ns: int
    memory_stat: str | None


@dataclass(frozen=True)
class BoxCgroup:
    """One box's cgroup: a directory per hierarchy (one on v2, one per controller on v1)."""

    name: str
    paths: dict[str, str]  # controller (or "unified") -> directory
    cpu: int | None = None  # the CPU the run is pinned to (sandbox.cpus), if it is
    kept: tuple[str, ...] = ()  # controllers whose directory is the box's, reset, not the run's


class Figures:
    """A box cgroup's figure files (CPU time, peak memory, OOM kills), open from the making of
    the cgroup until its run is over: the watch reads the CPU time through it at each look, the
    verdict all three. Each is read with ``pread`` at offset 0, and the kernel makes a cgroup
    file's text anew on every read from its start (``seq_file``): the three took 12 us read so
    and 63 us opened, read and closed on each run (v1, measured on the development machine).
    Its holder closes it (:meth:`close`) before the cgroup is removed."""

    def __init__(self, name: str,
                 files: tuple[tuple[str | int | None, bytes | None, int], ...],
                 reclaim: ReclaimFiles | None = None) -> None:
        """``files``: for CPU time, peak memory and OOM kills, each (the file's path, opened
        here; or an fd open for reading that its holder keeps open longer, read but not
        closed here; or None: not there, read as 0; the key of its line or None: the whole
        file is the number; the factor to the figure's unit). ``reclaim``: the files of
        :meth:`reclaim`, opened only when it is called (None: no memory controller)."""
        self.name = name
        self._reclaim = reclaim
        self._fds: list[int] = []
        self._files: list[tuple[int, bytes | None, int]] = []
        try:
            for source, key, factor in files:
                fd = source if isinstance(source, int) else -1
                if isinstance(source, str):
                    fd = os.open(source, os.O_RDONLY | os.O_CLOEXEC)
                    self._fds.append(fd)
                self._files.append((fd, key, factor))
        except OSError as exc:
            self.close()
            raise CgroupError(f"cannot open cgroup {name}: {exc}") from exc

    def cpu_ns(self) -> int:
        """CPU time so far, in ns (every task of the cgroup, ever)."""
        return self._read(0)

    def stats(self) -> CgroupStats:
        """CPU time, peak memory and OOM kills of the box."""
        return CgroupStats(self._read(0), self._read(1), self._read(2))

    def reclaim(self) -> Reclaim:
        """What the kernel did for the box's memory (:class:`Reclaim`; zeros without a
        memory controller, or on a kernel whose ``memory.stat`` lacks the line). Two more
        files opened and read: only for a run that ended at its limit."""
        if not self._files:
            raise CgroupError(f"cgroup {self.name}: its figures were read after they were closed")
        files = self._reclaim
        if files is None:
            return Reclaim(0, 0, 0)
        try:
            split = read_bytes(files.cpu_split)
            stat = read_bytes(files.memory_stat) if files.memory_stat else b""
        except OSError as exc:
            raise CgroupError(f"cannot read cgroup {self.name}: {exc}") from exc
        return Reclaim(_value(split, files.user_key) * files.factor_ns,
                       _value(split, files.system_key) * files.factor_ns,
                       _value(stat, b"workingset_refault_file") * PAGE_BYTES)

    def close(self) -> None:
        """Close the files (idempotent)."""
        fds, self._fds, self._files = self._fds, [], []
        for fd in fds:
            os.close(fd)

    def __enter__(self) -> "Figures":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read(self, which: int) -> int:
        if not self._files:
            raise CgroupError(f"cgroup {self.name}: its figures were read after they were closed")
        fd, key, factor = self._files[which]
        if fd < 0:
            return 0
        try:
            text = os.pread(fd, 65536, 0)
        except OSError as exc:
            raise CgroupError(f"cannot read cgroup {self.name}: {exc}") from exc
        return factor * (int(text.split()[0]) if key is None else _value(text, key))


class Backend(Protocol):
    """The verbs every cgroup backend offers."""

    version: int
    born_in_cgroup: bool  # attach_fds is the cgroup's directory, for clone3(CLONE_INTO_CGROUP)

    def create(self, name: str, keep: str | None = None, cpu: int | None = None) -> BoxCgroup: ...
    def existing(self, name: str) -> BoxCgroup: ...
    def names(self) -> set[str]: ...
    def parent_dirs(self) -> tuple[str, ...]: ...
    def apply_limits(self, cg: BoxCgroup, memory_bytes: int, pids: int,
                     cpu: int | None = None) -> None: ...
    def attach_fds(self, cg: BoxCgroup) -> list[int]: ...
    def pin_fds(self, cpu: int) -> list[int]: ...
    def figures(self, cg: BoxCgroup) -> Figures: ...
    def stats(self, cg: BoxCgroup) -> CgroupStats: ...
    def kill(self, cg: BoxCgroup) -> None: ...
    def remove(self, cg: BoxCgroup) -> None: ...
    def share_dir(self, slot: int) -> str | None: ...
    def remove_shares(self, slots) -> None: ...
    def used_shares(self) -> set[int]: ...
    def pin_dir(self, cpu: int) -> str | None: ...
    def remove_pins(self, cpus) -> None: ...
    def used_pins(self) -> set[int]: ...


def write_value(path: str, value: int | str) -> None:
    """Write one value to a cgroup file."""
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, str(value).encode())
    finally:
        os.close(fd)


def read_bytes(path: str) -> bytes:
    """A small cgroup file's content (one read: the kernel fills it at once; plain fds, not
    Python's buffered files, on every run's path)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return os.read(fd, 65536)
    finally:
        os.close(fd)


def _value(text: bytes, key: bytes) -> int:
    """The value of ``key`` in a flat-keyed cgroup file's text (``memory.events``,
    ``cpu.stat``...), 0 if it is not there."""
    for line in text.splitlines():
        name, _, value = line.partition(b" ")
        if name == key:
            return int(value)
    return 0


def _cgroup_mounts() -> list[tuple[str, str, str]]:
    """(controller or "" for cgroup2, mount point, the mount's root in its hierarchy)."""
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fstype, _source, options = (right.split() + ["", ""])[:3]
            fields = left.split()
            if fstype == "cgroup2":
                found.append(("", fields[4], fields[3]))
            elif fstype == "cgroup":
                found += [(opt, fields[4], fields[3]) for opt in options.split(",")]
    return found


def mountinfo_cgroups() -> tuple[dict[str, str], str | None]:
    """Mount points of the v1 controllers (controller -> path) and of cgroup2 (or None)."""
    v1: dict[str, str] = {}
    v2: str | None = None
    for controller, mountpoint, _root in _cgroup_mounts():
        if controller == "" and v2 is None:
            v2 = mountpoint
        elif controller:
            v1.setdefault(controller, mountpoint)
    return v1, v2


def own_cgroups() -> dict[str, str]:
    """This process's cgroup per controller ("" for the v2 hierarchy), from /proc/self/cgroup,
    as a path beneath that hierarchy's mount point.

    The two differ where only part of a hierarchy is mounted: a container on a v1 host sees
    ``/docker/<id>`` in /proc/self/cgroup, and that same directory mounted at
    /sys/fs/cgroup/<controller> (the mount's root in mountinfo), so its own cgroup is the
    mount point itself.
    """
    roots: dict[str, str] = {}
    for controller, _mountpoint, root in _cgroup_mounts():
        roots.setdefault(controller, root)
    own: dict[str, str] = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _id, controllers, path = line.rstrip("\n").split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                root = roots.get(controller, "/").rstrip("/")
                if root and (path == root or path.startswith(root + "/")):
                    path = path[len(root):] or "/"
                own[controller] = path
    return own


SUPERVISOR = "judgebox-supervisor"  # v2: the leaf the judge's own processes move into


def judge_cgroup_v2(own: dict[str, str] | None = None) -> str:
    """The judge's own v2 cgroup (a path from the hierarchy's root). A judge in the supervisor
    leaf (moved there, or forked by a process that was) belongs to the cgroup above it, where
    the boxes go."""
    path = (own or own_cgroups()).get("", "/")
    return os.path.dirname(path) if os.path.basename(path) == SUPERVISOR else path

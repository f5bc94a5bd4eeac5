"""cgroup v2 backend: one directory in the unified hierarchy.

Limits: ``memory.max``, ``memory.swap.max`` = 0, ``pids.max``, ``memory.oom.group`` = 1; the
``cpu`` controller too when the parent has it (each run's cgroup then weighs the same,
``cpu.weight`` 100, however many sessions its processes make), and ``cpuset`` (a pinned box's
run: ``cpuset.cpus`` its CPU, see ``sandbox.cpus``).
Measures: ``cpu.stat`` (``usage_usec``, a core file), ``memory.peak``, ``memory.events``
(``oom_kill``); for a run stopped at its memory limit, ``cpu.stat``'s ``user_usec`` and
``system_usec`` and ``memory.stat``'s ``workingset_refault_file`` (``cgroupfs.Reclaim``).
Kill: ``cgroup.kill``. v2 forbids processes in a cgroup whose controllers are
delegated to children, so when the judge's own cgroup holds processes (the judge, its worker
pool, a container's init) they move into a ``judgebox-supervisor`` leaf beneath it (never out
of its subtree) before ``memory`` and ``pids`` are enabled for the box cgroups.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import signal
import time

from .cgroupfs import (SUPERVISOR, BoxCgroup, CgroupStats, Figures, ReclaimFiles,
                       judge_cgroup_v2, mountinfo_cgroups, read_bytes, write_value)
from .errors import CgroupError

CONTROLLERS = ("memory", "pids")
# each run's cgroup its own cpu.weight (100, the same for every box); a pinned box's runs their
# CPU (cpuset.cpus)
OPTIONAL = ("cpu", "cpuset")


class V2:
    """The v2 verbs beneath one parent directory.

    ``controllers`` are the ones the box cgroups need; a test on a host whose cgroup2 mount has
    none of them can pass ``()`` to exercise creation, attach, CPU time, kill and removal.
    """

    version = 2
    born_in_cgroup = True

    def __init__(self, parent: str, controllers: tuple[str, ...] = CONTROLLERS) -> None:
        self.parent = parent
        self.controllers = controllers
        self.optional: tuple[str, ...] = ()  # of OPTIONAL, those enabled for the box cgroups
        self._enabled = False

    def _enable_controllers(self) -> None:
        if self._enabled or not self.controllers:
            return
        with open(os.path.join(self.parent, "cgroup.controllers")) as f:
            available = f.read().split()
        missing = [c for c in self.controllers if c not in available]
        if missing:
            raise CgroupError(f"cgroup {self.parent} lacks controllers {missing}: delegate them "
                              "or set JUDGEBOX_CGROUP_PARENT")
        control = os.path.join(self.parent, "cgroup.subtree_control")
        # cpu when the parent has it: a cgroup without the cpu controller leaves its processes
        # in its parent's weight (or the root's, where each session is an autogroup of its
        # own: a box of many sessions would take the CPU from the others)
        extra = tuple(c for c in OPTIONAL if c in available)
        self.optional = extra
        wanted = " ".join("+" + c for c in self.controllers + extra)
        try:
            write_value(control, wanted)
        except OSError as exc:
            if exc.errno != errno.EBUSY:  # EBUSY: processes live in the parent itself
                raise CgroupError(f"cannot enable {wanted} in {control}: {exc}") from exc
            self._move_into_leaf()
            try:
                write_value(control, wanted)
            except OSError as exc2:
                raise CgroupError(f"cannot enable {wanted} in {control} ({exc2}): processes "
                                  "keep coming into the judge's cgroup; set "
                                  "JUDGEBOX_CGROUP_PARENT to a delegated cgroup") from exc2
        self._enabled = True

    def _move_into_leaf(self) -> None:
        """Move every process of the parent into its ``judgebox-supervisor`` leaf.

        Only when the parent is the judge's own cgroup, which is then its own subtree (a
        ``Delegate=yes`` service, a container's cgroup namespace): the worker's pool, its
        siblings and a container's init move with it, one level down and never out of it, as
        container inits do before enabling controllers. A configured parent
        (``JUDGEBOX_CGROUP_PARENT``) holding other processes is an error instead.
        """
        own = os.path.join(mountinfo_cgroups()[1] or "", judge_cgroup_v2().strip("/"))
        if os.path.normpath(own) != os.path.normpath(self.parent):
            raise CgroupError(f"cgroup {self.parent} holds processes, and it is not the "
                              "judge's own: box cgroups need a parent without processes")
        leaf = os.path.join(self.parent, SUPERVISOR)
        os.makedirs(leaf, exist_ok=True)
        procs = os.path.join(self.parent, "cgroup.procs")
        for _ in range(100):  # a process forked meanwhile is moved on the next pass
            with open(procs) as f:
                pids = f.read().split()
            if not pids:
                return
            for pid in pids:
                try:
                    write_value(os.path.join(leaf, "cgroup.procs"), pid)
                except ProcessLookupError:
                    pass  # it ended meanwhile
                except OSError as exc:
                    raise CgroupError(f"cannot move process {pid} into {leaf}: {exc}") from exc

    def parent_dirs(self) -> tuple[str, ...]:
        """The directory box cgroups are made in."""
        return (self.parent,)

    def existing(self, name: str) -> BoxCgroup:
        """The box cgroup of that name (its directory may or may not exist)."""
        return BoxCgroup(name, {"unified": os.path.join(self.parent, name)})

    def pin_dir(self, cpu: int) -> None:
        """No cgroup of the box's own for its CPU: each run's cgroup is pinned
        (:meth:`apply_limits`), and its program is born there."""
        return None

    def remove_pins(self, cpus) -> None:
        """Nothing to remove (see :meth:`pin_dir`)."""

    def used_pins(self) -> set[int]:
        """None (see :meth:`pin_dir`)."""
        return set()

    def share_dir(self, slot: int) -> None:
        """No cgroup of the box's own for its cpu weight: each run's cgroup has cpu.weight
        (the cpu controller is enabled for the box cgroups when the parent has it)."""
        return None

    def remove_shares(self, slots) -> None:
        """Nothing to remove (see :meth:`share_dir`)."""

    def used_shares(self) -> set[int]:
        """None (see :meth:`share_dir`)."""
        return set()

    def names(self) -> set[str]:
        """Names of the cgroups beneath the parent."""
        return set(os.listdir(self.parent)) if os.path.isdir(self.parent) else set()

    def create(self, name: str, keep: str | None = None, cpu: int | None = None) -> BoxCgroup:
        """Make the box's directory (a stale one of that name is removed first), for a run on
        ``cpu`` if given (pinned by :meth:`apply_limits`). ``keep`` is v1's
        (``cgroup_v1.V1.create``): here a run's cgroup is one directory, made for it."""
        self._enable_controllers()
        cg = dataclasses.replace(self.existing(name), cpu=cpu)
        path = cg.paths["unified"]
        try:
            try:
                os.mkdir(path, 0o755)
            except FileExistsError:
                self.remove(cg)
                os.mkdir(path, 0o755)
        except OSError as exc:
            raise CgroupError(f"cannot create cgroup {path}: {exc}") from exc
        return cg

    def apply_limits(self, cg: BoxCgroup, memory_bytes: int, pids: int,
                     cpu: int | None = None) -> None:
        """Memory without swap, one OOM group, the number of tasks, and the box's CPU
        (``cpu``, when the cpuset controller is there for the box cgroups)."""
        path = cg.paths["unified"]
        values: dict[str, int | str] = {"memory.max": memory_bytes, "memory.swap.max": 0,
                                        "memory.oom.group": 1, "pids.max": pids}
        if cpu is not None:
            values["cpuset.cpus"] = cpu
        try:
            for name, value in values.items():
                if name.split(".")[0] in self.controllers + self.optional:
                    f = os.path.join(path, name)
                    if name != "memory.swap.max" or os.path.exists(f):
                        write_value(f, value)
        except OSError as exc:
            raise CgroupError(f"cannot set limits on cgroup {cg.name}: {exc}") from exc

    def attach_fds(self, cg: BoxCgroup) -> list[int]:
        """The cgroup's directory, for ``clone3(CLONE_INTO_CGROUP)``: the program's process is
        born in it, with no migration (which waits for an RCU grace period after idle)."""
        return [os.open(cg.paths["unified"], os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)]

    def pin_fds(self, cpu: int) -> list[int]:
        """None: a run's own cgroup is pinned (:meth:`apply_limits`)."""
        return []

    def figures(self, cg: BoxCgroup) -> Figures:
        """The box's figure files, open (``cgroupfs.Figures``): ``usage_usec`` of ``cpu.stat``
        (a core file); the memory figures 0 without the memory controller."""
        path = cg.paths["unified"]
        memory = "memory" in self.controllers
        return Figures(cg.name, (
            (os.path.join(path, "cpu.stat"), b"usage_usec", 1000),
            (os.path.join(path, "memory.peak") if memory else None, None, 1),
            (os.path.join(path, "memory.events") if memory else None, b"oom_kill", 1)),
            ReclaimFiles(os.path.join(path, "cpu.stat"), b"user_usec", b"system_usec", 1000,
                         os.path.join(path, "memory.stat")) if memory else None)

    def stats(self, cg: BoxCgroup) -> CgroupStats:
        """CPU time, peak memory and OOM kills of the box (read once: a run's own are read
        through the :meth:`figures` made with its cgroup)."""
        with self.figures(cg) as figures:
            return figures.stats()

    def kill(self, cg: BoxCgroup) -> None:
        """``cgroup.kill``, then wait until no task is left."""
        path = cg.paths["unified"]
        try:
            write_value(os.path.join(path, "cgroup.kill"), 1)
        except FileNotFoundError:
            if not os.path.isdir(path):
                return
            _kill_listed(os.path.join(path, "cgroup.procs"))
        for _ in range(2000):
            try:
                if not read_bytes(os.path.join(path, "cgroup.procs")).strip():
                    return
            except FileNotFoundError:
                return
            time.sleep(0.001)
        raise CgroupError(f"cgroup {cg.name}: tasks survive cgroup.kill")

    def remove(self, cg: BoxCgroup) -> None:
        """Remove the directory; while tasks are left in it (EBUSY), kill them and try again.
        (A run's cgroup is empty by then, all its processes reaped: one rmdir.)"""
        path = cg.paths["unified"]
        for attempt in range(200):
            try:
                os.rmdir(path)
                return
            except FileNotFoundError:
                return
            except OSError as exc:
                if exc.errno != errno.EBUSY or attempt == 199:
                    raise CgroupError(f"cannot remove cgroup {path}: {exc}") from exc
            self.kill(cg)
            time.sleep(0.005 if attempt else 0)


def _kill_listed(procs: str) -> None:
    with open(procs) as f:
        for pid in f.read().split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass

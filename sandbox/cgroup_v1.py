"""cgroup v1 backend: one directory per controller (memory with memsw, pids, cpuacct), made for
each run, and the slot's directory in the cpu hierarchy when cpu is mounted on its own (joined
by each box's keeper for the box's whole life: its cpu weight, see :meth:`V1.share_dir`), and
a CPU's directory in the cpuset hierarchy (joined by the program of each run pinned to that
CPU: see :meth:`V1.pin_dir` and ``sandbox.cpus``).

Peak memory is ``memory.max_usage_in_bytes``; OOM kills are the ``oom_kill`` line of
``memory.oom_control``; CPU time is ``cpuacct.usage`` (ns, every task of the group); a run
stopped at its memory limit also gets ``cpuacct.stat`` (user and system) and ``memory.stat``
(``workingset_refault_file``), see ``cgroupfs.Reclaim``.
"""

from __future__ import annotations

import errno
import os
import signal
import time

from .cgroupfs import (BoxCgroup, CgroupStats, Figures, ReclaimFiles, read_bytes,
                       write_value as _write)
from .errors import CgroupError

CONTROLLERS = ("memory", "pids", "cpuacct")
# What a reset clears exactly: a task count, and CPU time (``cpuacct.usage``, written 0). A
# reusable box's runs take their directories in these from a group kept for the box (V1.create).
KEPT = ("pids", "cpuacct")
# The files of a kept directory that every run uses, open while the directory is kept (V1._reuse)
KEPT_FILES = {"pids": (("tasks", os.O_WRONLY), ("pids.current", os.O_RDONLY),
                       ("pids.max", os.O_WRONLY)),
              "cpuacct": (("tasks", os.O_WRONLY), ("cpuacct.usage", os.O_RDWR))}
SHARE_PREFIX = "judgebox-cpu-"  # + the slot: the cpu cgroup of the slot's boxes
PIN_PREFIX = "judgebox-cpuset-"  # + the CPU: the cpuset cgroup of the boxes pinned to it
# cpuacct.stat's unit (USER_HZ), in ns; its figures are cleared with cpuacct.usage's (a reset)
_TICK_NS = 1_000_000_000 // os.sysconf("SC_CLK_TCK")


class V1:
    """The v1 verbs over a parent directory per controller."""

    version = 1
    born_in_cgroup = False

    def __init__(self, parents: dict[str, str], share_parent: str | None = None,
                 pin_parent: str | None = None) -> None:
        # (paths are made with f-strings, not os.path.join: 3 % of a warm run's CPU; so no
        # parent ends in "/", as the root's joined with "" would)
        self.parents = {c: os.path.normpath(p) for c, p in parents.items()}
        self.share_parent = share_parent  # the cpu hierarchy, when not one of the parents'
        self.pin_parent = pin_parent  # the cpuset hierarchy, when mounted on its own
        self._shares: set[int] = set()
        self._pins: set[int] = set()
        self._memsw: bool | None = None  # swap accounting (the kernel's: once a process)
        self._kept: dict[str, dict[str, int]] = {}  # a kept directory -> its files, open
        self._pinned: dict[int, tuple[int, int]] = {}  # a CPU -> its cpuset's files (pin_fds)
        self._parent_oom = -1  # the memory parent's memory.oom_control, open (apply_limits)
        self._kept_pid = os.getpid()  # (a forked child's are its parent's: not used)

    def pin_dir(self, cpu: int) -> str | None:
        """The cpuset cgroup of the runs pinned to ``cpu`` (made now if it is not there:
        ``cpuset.cpus`` that CPU, ``cpuset.mems`` the parent's), which each such run's program
        joins (:meth:`attach_fds`), so it and all it forks run on that CPU alone; ``None`` when
        the cpuset controller is not mounted on its own. Call it holding the CPU's lease: it
        is removed (at the judge's exit, or by the next judge's sweep) only under that lock."""
        if self.pin_parent is None:
            return None
        path = os.path.join(self.pin_parent, f"{PIN_PREFIX}{cpu}")
        self._pins.add(cpu)
        if not os.path.exists(os.path.join(path, "tasks")):
            try:
                os.makedirs(path, 0o755, exist_ok=True)
                with open(os.path.join(self.pin_parent, "cpuset.effective_mems")) as f:
                    mems = f.read().strip()
                _write(os.path.join(path, "cpuset.mems"), mems)
                _write(os.path.join(path, "cpuset.cpus"), cpu)
            except OSError as exc:
                raise CgroupError(f"cannot make the cpuset cgroup {path}: {exc}") from exc
        return path

    def remove_pins(self, cpus) -> None:
        """Remove the CPUs' cpuset cgroups that are there and empty (call it holding each
        CPU's lease, or with it free: see :meth:`pin_dir`)."""
        for cpu in cpus:
            if self.pin_parent is not None:
                self._unpin(cpu)
                try:
                    os.rmdir(os.path.join(self.pin_parent, f"{PIN_PREFIX}{cpu}"))
                except OSError:
                    pass

    def used_pins(self) -> set[int]:
        """The CPUs whose cpuset cgroups this process has given out."""
        return set(self._pins)

    def share_dir(self, slot: int) -> str | None:
        """The cpu cgroup of boxes in ``slot`` (the box's keeper makes it if it is not there
        and joins it), or ``None`` when the cpu controller is not mounted apart from the
        per-run ones (with cpuacct, say: then each run's own cgroup has a cpu weight of its
        own). It is kept for the slot's next box, empty between boxes (making and removing a
        cgroup costs 0.13 ms each): :meth:`remove_shares` at the judge's exit, or the next
        judge's sweep, removes it."""
        if self.share_parent is None:
            return None
        self._shares.add(slot)
        return os.path.join(self.share_parent, f"{SHARE_PREFIX}{slot}")

    def remove_shares(self, slots) -> None:
        """Remove the slots' cpu cgroups that are there and empty (best effort: one in use by
        another judge's box stays)."""
        for slot in slots:
            if self.share_parent is not None:
                try:
                    os.rmdir(os.path.join(self.share_parent, f"{SHARE_PREFIX}{slot}"))
                except OSError:
                    pass

    def used_shares(self) -> set[int]:
        """The slots whose cpu cgroups this process has given out."""
        return set(self._shares)

    def parent_dirs(self) -> tuple[str, ...]:
        """The directories box cgroups are made in (one per controller)."""
        return tuple(self.parents.values())

    def existing(self, name: str) -> BoxCgroup:
        """The box cgroup of that name (its directories may or may not exist)."""
        return BoxCgroup(name, {c: f"{p}/{name}" for c, p in self.parents.items()})

    def names(self) -> set[str]:
        """Names of the cgroups beneath the parents (any controller, cpu included)."""
        parents = [*self.parents.values(), *(p for p in (self.share_parent, self.pin_parent) if p)]
        return {d for p in parents if os.path.isdir(p) for d in os.listdir(p)}

    def create(self, name: str, keep: str | None = None, cpu: int | None = None) -> BoxCgroup:
        """Make the run's directory in each controller (a stale one of that name is removed).

        With ``keep``, its pids and cpuacct directories are the group ``keep`` instead: made
        the first time, and afterwards emptied if anything were left in it (a run's processes
        are all reaped before it reports, so nothing is) and its CPU time reset to 0. Their
        figures are a count of live tasks and CPU time, both exact after that reset, so a
        reusable box keeps two such groups, one for the run and one for the next run being
        prepared, and each run makes only its memory directory (whose charges would outlive a
        run: a fresh one each run), saving two ``mkdir`` and two ``rmdir`` a run (0.1 ms of
        the supervisor's CPU here). :meth:`remove` leaves them; ``remove(existing(keep))``
        removes them with the box. ``cpu``: the CPU its run is pinned to, if it is (its
        cpuset is the CPU's: :meth:`pin_fds`)."""
        paths = {c: f"{p}/{name}" for c, p in self.parents.items()}
        kept: tuple[str, ...] = ()
        if keep is not None:  # (not a controller mounted with memory: one cgroup a hierarchy)
            fresh = {p for c, p in self.parents.items() if c not in KEPT}
            kept = tuple(c for c in KEPT if c in self.parents and self.parents[c] not in fresh)
            paths |= {c: f"{self.parents[c]}/{keep}" for c in kept}
        cg = BoxCgroup(name, paths, cpu, kept)
        for controller, path in cg.paths.items():
            try:
                if controller in cg.kept:
                    self._reuse(path, controller)
                    continue
                os.mkdir(path, 0o755)
            except FileExistsError:
                self._remove_dir(path)
                os.mkdir(path, 0o755)
            except OSError as exc:
                self.remove(cg)
                raise CgroupError(f"cannot create cgroup {path}: {exc}") from exc
        return cg

    def _reuse(self, path: str, controller: str) -> None:
        """A kept directory (:meth:`create`): made, and the files each run uses opened
        (``KEPT_FILES``), the first time; emptied and reset for every run after. The files
        stay open until the directory is removed: opening and closing a cgroup file costs 10
        us here, a write or a read through one kept open 2, and a run used six (the reset,
        ``pids.max``, the two ``tasks`` its program joins through, the CPU time it is measured
        by). A kept directory that went (removed by someone else) is made again."""
        self._own_files()
        files = self._kept.get(path)
        if files is not None:
            try:
                self._reset(path, controller, files)
                return
            except OSError:  # the directory went: made again below
                self._drop_kept(path)
        try:
            os.mkdir(path, 0o755)
            made = True
        except FileExistsError:
            made = False
        files = {}
        try:
            for name, flags in KEPT_FILES[controller]:
                files[name] = os.open(f"{path}/{name}", flags | os.O_CLOEXEC)
            if not made:
                self._reset(path, controller, files)
        except BaseException:
            for fd in files.values():
                os.close(fd)
            raise
        self._kept[path] = files

    def _reset(self, path: str, controller: str, files: dict[str, int]) -> None:
        """Empty a kept directory (nothing is ever left in it) and reset its figure."""
        if controller == "pids" and int(os.pread(files["pids.current"], 64, 0)):
            self.kill(BoxCgroup(os.path.basename(path), {"pids": path}))
        if controller == "cpuacct":
            os.write(files["cpuacct.usage"], b"0")

    def _drop_kept(self, path: str) -> None:
        """Close a kept directory's files (it is being removed, or went)."""
        for fd in self._kept.pop(path, {}).values():
            os.close(fd)

    def apply_limits(self, cg: BoxCgroup, memory_bytes: int, pids: int,
                     cpu: int | None = None) -> None:
        """Memory (RAM and RAM+swap alike, so no swap), the OOM killer on, and the number of
        tasks. (``cpu``: the box's CPU is its keeper's cpuset, :meth:`pin_dir`, not the run's.)

        A new v1 memory cgroup inherits ``oom_kill_disable`` from its parent: beneath a judge
        whose own cgroup has the OOM killer off (``docker run --oom-kill-disable``, say) a
        program over its limit would sleep until the wall-time limit (a TLE for an MLE). So
        when the parent's is off, the run's is turned on (the parent's read through its file
        kept open: 2 us, against 12 for opening, writing and closing the run's)."""
        mem = cg.paths["memory"]
        try:
            _write(f"{mem}/memory.limit_in_bytes", memory_bytes)
            memsw = f"{mem}/memory.memsw.limit_in_bytes"
            if self._memsw is None:
                self._memsw = os.path.exists(memsw)
            if self._memsw:
                _write(memsw, memory_bytes)
            if self._oom_off_above():
                _write(f"{mem}/memory.oom_control", 0)
            kept = self._kept.get(cg.paths["pids"])
            if kept is not None:
                os.write(kept["pids.max"], str(pids).encode())
            else:
                _write(os.path.join(cg.paths["pids"], "pids.max"), pids)
        except OSError as exc:
            raise CgroupError(f"cannot set limits on cgroup {cg.name}: {exc}") from exc

    def _oom_off_above(self) -> bool:
        """Whether the memory parent has the OOM killer off (``oom_kill_disable 1``), so that
        a cgroup made beneath it now has it off too."""
        if self._parent_oom < 0:  # (a forked child's copy reads the same file: kept)
            self._parent_oom = os.open(f"{self.parents['memory']}/memory.oom_control",
                                       os.O_RDONLY | os.O_CLOEXEC)
        return b"oom_kill_disable 0\n" not in os.pread(self._parent_oom, 4096, 0)

    def attach_fds(self, cg: BoxCgroup) -> list[int]:
        """``tasks`` of each controller, open for writing (close-on-exec), the CPU's cpuset's
        first when the run is pinned (:meth:`pin_dir`: the program moves to its CPU there).

        ``tasks``, not ``cgroup.procs``: the program's process is single-threaded when it
        writes ``0``, and the kernel moves the writing thread alone without taking the global
        threadgroup lock, whose write side waits for an RCU grace period once the machine has
        been idle: 16 ms (median) through ``cgroup.procs`` against 0.45 ms here for the three
        hierarchies, measured on the development machine.
        """
        fds = self.pin_fds(cg.cpu) if cg.cpu is not None else []
        try:
            for path in cg.paths.values():
                kept = self._kept.get(path)
                fds.append(os.dup(kept["tasks"]) if kept is not None else  # (dup: CLOEXEC)
                           os.open(f"{path}/tasks", os.O_WRONLY | os.O_CLOEXEC))
        except BaseException:
            for fd in fds:
                os.close(fd)
            raise
        return fds

    def pin_fds(self, cpu: int) -> list[int]:
        """What a program joins to run on ``cpu`` alone: the ``tasks`` of the CPU's cpuset
        (:meth:`pin_dir`), open for writing; none when cpuset is not mounted on its own.

        The cpuset's ``tasks`` and ``cpuset.cpus`` stay open from one run to the next, as a
        kept group's files do (:meth:`_reuse`): each run reads ``cpuset.cpus`` through its fd
        (a cpuset removed meanwhile, by a judge's sweep while this process held no lease,
        answers ENODEV; one made again is another directory) and is given a ``dup`` of
        ``tasks``: 7 us instead of 25 to find the directory and open its file."""
        if self.pin_parent is None:
            return []
        self._own_files()
        kept = self._pinned.get(cpu)
        if kept is not None:
            try:
                if os.pread(kept[1], 64, 0).strip() == str(cpu).encode():
                    return [os.dup(kept[0])]
            except OSError:
                pass  # it went: found (made) and opened again below
            self._unpin(cpu)
        pin = self.pin_dir(cpu)
        assert pin is not None
        tasks = os.open(os.path.join(pin, "tasks"), os.O_WRONLY | os.O_CLOEXEC)
        cpus = -1
        try:
            cpus = os.open(os.path.join(pin, "cpuset.cpus"), os.O_RDONLY | os.O_CLOEXEC)
            joined = os.dup(tasks)
        except BaseException:
            for fd in (tasks, cpus):
                if fd >= 0:
                    os.close(fd)
            raise
        self._pinned[cpu] = (tasks, cpus)
        return [joined]

    def _unpin(self, cpu: int) -> None:
        """Close the CPU's cpuset files kept open (:meth:`pin_fds`)."""
        self._own_files()
        for fd in self._pinned.pop(cpu, ()):
            os.close(fd)

    def _own_files(self) -> None:
        """A forked child's kept files are its parent's: it forgets them (its copies stay
        open, unused: closing them would not close the parent's)."""
        if self._kept_pid != os.getpid():
            self._kept, self._pinned, self._kept_pid = {}, {}, os.getpid()

    def figures(self, cg: BoxCgroup) -> Figures:
        """The box's figure files, open (``cgroupfs.Figures``)."""
        mem, cpu = cg.paths["memory"], cg.paths["cpuacct"]
        kept = self._kept.get(cpu)
        return Figures(cg.name, ((kept["cpuacct.usage"] if kept is not None
                                  else f"{cpu}/cpuacct.usage", None, 1),
                                 (f"{mem}/memory.max_usage_in_bytes", None, 1),
                                 (f"{mem}/memory.oom_control", b"oom_kill", 1)),
                       ReclaimFiles(f"{cpu}/cpuacct.stat", b"user", b"system", _TICK_NS,
                                    f"{mem}/memory.stat"))

    def stats(self, cg: BoxCgroup) -> CgroupStats:
        """CPU time, peak memory and OOM kills of the box (read once: a run's own are read
        through the :meth:`figures` made with its cgroup)."""
        with self.figures(cg) as figures:
            return figures.stats()

    def kill(self, cg: BoxCgroup) -> None:
        """SIGKILL every task until none is left (v1 has no cgroup.kill)."""
        procs = os.path.join(cg.paths["pids"], "cgroup.procs")
        for _ in range(1000):
            try:
                pids = [int(x) for x in read_bytes(procs).split()]
            except FileNotFoundError:
                return
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.001)
        raise CgroupError(f"cgroup {cg.name}: tasks survive SIGKILL")

    def remove(self, cg: BoxCgroup) -> None:
        """Remove every directory of the box; one that still holds tasks (EBUSY) has them
        killed and is tried again. (A run's cgroup is empty by then, all its processes
        reaped: an rmdir each, and no read of ``cgroup.procs``, which costs a v1 pid list.)
        Kept directories (:meth:`create`) stay."""
        for controller, path in cg.paths.items():
            if controller not in cg.kept:
                self._drop_kept(path)
                self._remove_dir(path)

    @staticmethod
    def _remove_dir(path: str) -> None:
        for attempt in range(200):
            try:
                os.rmdir(path)
                return
            except FileNotFoundError:
                return
            except OSError as exc:
                if exc.errno != errno.EBUSY or attempt == 199:  # zombies not yet reaped
                    raise CgroupError(f"cannot remove cgroup {path}: {exc}") from exc
                procs = os.path.join(path, "cgroup.procs")
                try:
                    with open(procs) as f:
                        for pid in f.read().split():
                            try:
                                os.kill(int(pid), signal.SIGKILL)
                            except ProcessLookupError:
                                pass
                except FileNotFoundError:
                    pass
                time.sleep(0.005)



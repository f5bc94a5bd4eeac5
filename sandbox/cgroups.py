"""Box cgroups: detect the host's cgroup version once, then one backend with the same verbs.

Both backends (``cgroup_v1.V1``, ``cgroup_v2.V2``) offer: ``create(name, keep=None)`` (v1
takes a reusable box's pids and cpuacct directories from its kept group ``keep``, reset),
``apply_limits``, ``share_dir``/``remove_shares`` (a slot's cpu weight: v1 only, see there;
v2 weighs each run's cgroup), ``pin_dir``/``remove_pins`` (the cpuset of the runs pinned to a
CPU: v1 only, joined with the run's other cgroups; v2 pins each run's cgroup in
``apply_limits``), ``attach_fds`` (v1: the ``tasks`` files the program's process joins
through by writing ``0``; v2: the cgroup's directory, which it is forked into with
``clone3(CLONE_INTO_CGROUP)``), ``figures`` (the CPU time, peak memory and OOM kill files,
kept open for a run: ``cgroupfs.Figures``), ``stats`` (the same, read once), ``kill``,
``remove`` (and ``existing``, ``names`` to find what a crashed judge left). Box cgroups are
created beneath the cgroup the judge itself runs in (per controller, from
``/proc/self/cgroup``) or beneath ``JUDGEBOX_CGROUP_PARENT`` (a path relative to each
hierarchy's root); the judge never moves a process out of that
subtree, and the supervisor itself stays outside every box cgroup.
"""

from __future__ import annotations

import functools
import os

from . import cgroup_v1, cgroup_v2
from .cgroupfs import (SUPERVISOR, Backend, BoxCgroup, CgroupStats, Figures, Reclaim,
                       judge_cgroup_v2, mountinfo_cgroups, own_cgroups, write_value)
from .errors import CgroupError

# what both backends share (``cgroupfs``) is reached through this module too
__all__ = ["CgroupStats", "Reclaim", "BoxCgroup", "Backend", "backend", "Figures",
           "judge_cgroup_v2", "mountinfo_cgroups", "own_cgroups", "SUPERVISOR", "write_value"]


def _parent_for(own_path: str) -> str:
    configured = os.environ.get("JUDGEBOX_CGROUP_PARENT")
    return (configured or own_path).strip("/")


@functools.lru_cache(maxsize=1)
def backend() -> Backend:
    """The backend for this host: v1 when memory, pids and cpuacct are v1 controllers, else v2.

    ``JUDGEBOX_CGROUP_VERSION=1|2`` forces one. Raises ``CgroupError`` when neither can work.
    """
    v1_mounts, v2_mount = mountinfo_cgroups()
    own = own_cgroups()
    forced = os.environ.get("JUDGEBOX_CGROUP_VERSION")
    have_v1 = all(c in v1_mounts for c in cgroup_v1.CONTROLLERS)
    if forced == "1" or (forced is None and have_v1):
        if not have_v1:
            raise CgroupError("cgroup v1 needs the memory, pids and cpuacct controllers mounted")
        parents = {c: os.path.join(v1_mounts[c], _parent_for(own.get(c, "/")))
                   for c in cgroup_v1.CONTROLLERS}
        per_run = {v1_mounts[c] for c in cgroup_v1.CONTROLLERS}
        share = None  # cpu on a hierarchy of its own: the boxes' cpu weights go there
        if "cpu" in v1_mounts and v1_mounts["cpu"] not in per_run:
            share = os.path.join(v1_mounts["cpu"], _parent_for(own.get("cpu", "/")))
            if not os.access(share, os.W_OK):  # not ours to use (a read-only mount): the
                share = None                   # boxes run unweighted; doctor says so
        pin = None  # cpuset on a hierarchy of its own: the pinned boxes' cpusets go there
        if "cpuset" in v1_mounts and v1_mounts["cpuset"] not in per_run \
                and v1_mounts["cpuset"] != v1_mounts.get("cpu"):
            pin = os.path.join(v1_mounts["cpuset"], _parent_for(own.get("cpuset", "/")))
            if not os.access(pin, os.W_OK):
                pin = None  # the boxes are not pinned; doctor says so
        return cgroup_v1.V1(parents, share, pin)
    if v2_mount is None:
        raise CgroupError("no usable cgroups: neither v1 memory+pids+cpuacct nor a cgroup2 mount")
    parent = os.path.join(v2_mount, _parent_for(judge_cgroup_v2(own)))
    return cgroup_v2.V2(parent)

"""The box's root filesystem, built in the box's own mount namespace (isolate's discipline).

Every mount is made private first so nothing propagates to the host; the root is a fresh small
tmpfs; host paths are bound and *immediately* remounted read-only + nosuid + nodev (so no later
step can write through them to the host); ``/dev`` holds five device nodes; ``/proc`` is a new
procfs with other users' processes hidden; ``/box`` is the detached tmpfs the supervisor
prepared; ``/tmp`` and ``/dev/shm`` are size-limited tmpfs; there is no ``/sys``; the host
information and host-wide counters in ``/proc`` are masked (:data:`PROC_HIDDEN_FILES`). Then
``pivot_root`` into it, the old root is detached, and the root tmpfs becomes read-only.

The plan is data computed by the supervisor (:func:`plan_root`); the box helper
(``native/jbox.c``: ``build_root``, ``mount_run_dirs``, ``pivot``) only executes it.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from .errors import HostError
from .spec import Mount

__all__ = ["RootPlan", "plan_root"]


@dataclass(frozen=True)
class RootPlan:
    """Everything the child needs to build the root, resolved in the parent."""

    base: str  # host directory the new root is mounted on (inside the box's mount namespace)
    binds: tuple[tuple[str, str, bool, bool], ...]  # (source, target, writable, is_dir)
    symlinks: tuple[tuple[str, str], ...]  # (target in box, link text)
    etc_files: tuple[tuple[str, bytes], ...]
    hostname: str = "box"
    proc_masks: tuple[tuple[str, bool, bytes], ...] = ()  # (path under /proc, is_dir, content)


# What the box's /proc must not show (lxcfs and gVisor hide or virtualise the same), replaced
# by empty files and directories (a path this kernel lacks is skipped). Each is one mount on a
# cold box's path, so the list holds what matters:
# - the host's identity and configuration: the kernel's command line and config, its symbols
#   and modules, partitions and swaps;
# - host-wide counters that a run can move and a later run (of this submission or another)
#   can read, a channel between them: /proc/stat (forks, context switches, interrupts since
#   boot: given a synthetic copy, its cpu lines kept so that glibc counts the CPUs there),
#   vmstat, zoneinfo, buddyinfo, interrupts, softirqs, schedstat, diskstats, cgroups,
#   pressure (PSI totals), fs (journal statistics), /proc/sys/fs (file, inode, dentry, AIO
#   counts);
# - other users' state: every file lock on the host, key-users.
# /proc/self and the box's own processes, cpuinfo, meminfo, loadavg, uptime, version and the
# rest stay: runtimes read them (docs/sandbox.md says what remains visible, and why).
PROC_HIDDEN_FILES = (
    "cmdline", "config.gz", "kallsyms", "modules", "partitions", "swaps", "vmstat",
    "zoneinfo", "buddyinfo", "interrupts", "softirqs", "schedstat", "diskstats", "cgroups",
    "locks", "key-users")
PROC_HIDDEN_DIRS = ("pressure", "fs", "sys/fs")
@functools.lru_cache(maxsize=1)
def proc_masks() -> tuple[tuple[str, bool, bytes], ...]:
    """The masks over the box's /proc: (path under /proc, is a directory, content)."""
    masks = [(name, False, b"") for name in PROC_HIDDEN_FILES]
    masks += [(name, True, b"") for name in PROC_HIDDEN_DIRS]
    masks.append(("stat", False, _synthetic_stat()))
    return tuple(masks)


def _synthetic_stat() -> bytes:
    """/proc/stat with nothing of the host's but its CPUs: every counter 0 (glibc counts the
    ``cpuN`` lines for the number of CPUs when there is no /sys, as in the box)."""
    try:
        with open("/proc/stat", "rb") as f:
            cpus = [line.split()[0] for line in f if line.startswith(b"cpu")]
    except OSError:
        cpus = [b"cpu"] + [b"cpu%d" % i for i in range(os.cpu_count() or 1)]
    lines = [name + b" 0 0 0 0 0 0 0 0 0 0" for name in cpus]
    lines += [b"intr 0", b"ctxt 0", b"btime 0", b"processes 0", b"procs_running 1",
              b"procs_blocked 0", b"softirq 0 0 0 0 0 0 0 0 0 0 0"]
    return b"\n".join(lines) + b"\n"


def _resolve(mount: Mount, binds: list, symlinks: list) -> None:
    if os.path.islink(mount.source) and mount.source == mount.target and not mount.writable:
        symlinks.append((mount.target, os.readlink(mount.source)))
    elif os.path.exists(mount.source):
        binds.append((mount.source, mount.target, mount.writable, os.path.isdir(mount.source)))
    elif not mount.optional:
        raise HostError(f"host path {mount.source} does not exist (needed at {mount.target})")


def plan_root(base: str, template_mounts: tuple[Mount, ...], extra: tuple[Mount, ...],
              uid: int, gid: int) -> RootPlan:
    """Resolve the template's and the caller's mounts (symlinked host paths stay symlinks)."""
    binds: list = []
    symlinks: list = []
    for mount in template_mounts + extra:
        _resolve(mount, binds, symlinks)
    etc = (
        ("passwd", f"root:x:0:0:root:/:/usr/sbin/nologin\nbox:x:{uid}:{gid}:box:/box:/bin/sh\n"
                   f"nobody:x:65534:65534:nobody:/:/usr/sbin/nologin\n".encode()),
        ("group", f"root:x:0:\nbox:x:{gid}:\nnogroup:x:65534:\n".encode()),
        ("hosts", b"127.0.0.1\tlocalhost box\n::1\tlocalhost ip6-localhost\n"),
        ("nsswitch.conf", b"passwd: files\ngroup: files\nhosts: files\n"),
    )
    return RootPlan(base, tuple(binds), tuple(symlinks), etc, proc_masks=proc_masks())

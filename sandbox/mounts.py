"""The box's root filesystem, built in the box's own mount namespace (isolate's discipline).

Every mount is made private first so nothing propagates to the host; the root is a fresh small
tmpfs; host paths are bound and *immediately* remounted read-only + nosuid + nodev (so no later
step can write through them to the host); ``/dev`` holds five device nodes; ``/proc`` is a new
procfs with other users' processes hidden; ``/box`` is the detached tmpfs the supervisor
prepared; ``/tmp`` and ``/dev/shm`` are size-limited tmpfs; there is no ``/sys``. Then
``pivot_root`` into it, the old root is detached, and the root tmpfs becomes read-only.

The plan is data computed by the supervisor (:func:`plan_root`); the child only executes it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from . import _libc
from .errors import HostError
from .spec import Mount

__all__ = ["RootPlan", "plan_root", "build_root", "clear_run_mounts", "mount_run_dirs"]

DEVICES = ("null", "zero", "full", "random", "urandom")
_RO = _libc.MS_RDONLY | _libc.MS_NOSUID | _libc.MS_NODEV
_TMPFS = _libc.MS_NOSUID | _libc.MS_NODEV


@dataclass(frozen=True)
class RootPlan:
    """Everything the child needs to build the root, resolved in the parent."""

    base: str  # host directory the new root is mounted on (inside the box's mount namespace)
    binds: tuple[tuple[str, str, bool, bool], ...]  # (source, target, writable, is_dir)
    symlinks: tuple[tuple[str, str], ...]  # (target in box, link text)
    etc_files: tuple[tuple[str, bytes], ...]
    tmp_kib: int
    hostname: str = "box"


def _resolve(mount: Mount, binds: list, symlinks: list) -> None:
    if os.path.islink(mount.source) and mount.source == mount.target and not mount.writable:
        symlinks.append((mount.target, os.readlink(mount.source)))
    elif os.path.exists(mount.source):
        binds.append((mount.source, mount.target, mount.writable, os.path.isdir(mount.source)))
    elif not mount.optional:
        raise HostError(f"host path {mount.source} does not exist (needed at {mount.target})")


def plan_root(base: str, template_mounts: tuple[Mount, ...], extra: tuple[Mount, ...],
              uid: int, gid: int, tmp_kib: int) -> RootPlan:
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
    return RootPlan(base, tuple(binds), tuple(symlinks), etc, tmp_kib)


def _make_mount_point(path: str, is_dir: bool) -> None:
    if is_dir:
        os.makedirs(path, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if not os.path.exists(path):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644))


def _bind(source: str, target: str, is_dir: bool, flags: int) -> None:
    """Bind ``source`` on ``target`` and remount it at once with ``flags`` (bind-remount)."""
    _make_mount_point(target, is_dir)
    _libc.mount(source, target, None, _libc.MS_BIND)
    _libc.mount(None, target, None, _libc.MS_BIND | _libc.MS_REMOUNT | flags)


def _tmpfs(target: str, kib: int, mode: str, flags: int = _TMPFS) -> None:
    os.makedirs(target, exist_ok=True)
    _libc.mount("tmpfs", target, "tmpfs", flags, f"size={kib}k,nr_inodes=16384,mode={mode}")


def _mount_dev(root: str, shm_kib: int) -> None:
    dev = root + "/dev"
    os.mkdir(dev, 0o755)
    for name in DEVICES:
        _bind("/dev/" + name, f"{dev}/{name}", False,
              _libc.MS_RDONLY | _libc.MS_NOSUID | _libc.MS_NOEXEC)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{dev}/{name}")
    _tmpfs(dev + "/shm", shm_kib, "1777", _TMPFS | _libc.MS_NOEXEC)


def _late(target: str) -> bool:
    """Binds into /box or /tmp wait until those tmpfs are mounted."""
    return target.startswith(("/box/", "/tmp/"))


def build_root(plan: RootPlan, box_mount_fd: int) -> None:
    """Build the root from the plan and pivot into it (run as PID 1 of the new pid namespace)."""
    _libc.mount(None, "/", None, _libc.MS_REC | _libc.MS_PRIVATE)
    root = plan.base
    _libc.mount("tmpfs", root, "tmpfs", _TMPFS, "size=1m,nr_inodes=4096,mode=0755")
    for target, link in plan.symlinks:
        os.makedirs(os.path.dirname(root + target), exist_ok=True)
        os.symlink(link, root + target)
    # The template's host paths first: read-only before anything else can be created in them.
    for source, target, writable, is_dir in plan.binds:
        if not _late(target):
            _bind(source, root + target, is_dir, _TMPFS if writable else _RO)
    _mount_dev(root, plan.tmp_kib)
    os.mkdir(root + "/proc", 0o555)
    _libc.mount("proc", root + "/proc", "proc",
                _libc.MS_NOSUID | _libc.MS_NODEV | _libc.MS_NOEXEC, "hidepid=invisible")
    os.mkdir(root + "/box", 0o755)
    if box_mount_fd >= 0:  # a reusable box gets each run's /box later (mount_run_dirs)
        _libc.attach_mount(box_mount_fd, root + "/box")
    _tmpfs(root + "/tmp", plan.tmp_kib, "1777")
    for source, target, writable, is_dir in plan.binds:  # the caller's binds into /box, /tmp
        if _late(target):
            _bind(source, root + target, is_dir, _TMPFS if writable else _RO)
    os.makedirs(root + "/etc", exist_ok=True)
    for name, data in plan.etc_files:
        with open(f"{root}/etc/{name}", "wb") as f:
            f.write(data)
    os.chdir(root)
    _libc.pivot_root(".", ".")  # the old root is now stacked under the new one...
    _libc.umount2(".", _libc.MNT_DETACH)  # ...and detached
    os.chdir("/")
    _libc.mount(None, "/", None, _libc.MS_REMOUNT | _libc.MS_BIND | _RO)


def clear_run_mounts() -> None:
    """A reusable box's init, after a run (or before the first): detach the run's ``/tmp``,
    ``/dev/shm`` and ``/box`` (no process of the run is left to use them; their memory goes
    with their last reference). Paths resolve in the box's own read-only root, where no program
    can create, rename or mount anything."""
    for target in ("/tmp", "/dev/shm", "/box"):
        try:
            _libc.umount2(target, _libc.MNT_DETACH)
        except OSError as exc:
            if exc.errno != 22:  # EINVAL: nothing mounted there (/box before the first run)
                raise


def mount_run_dirs(box_mount_fd: int, tmp_kib: int) -> None:
    """A reusable box's init, before a run: fresh ``/tmp`` and ``/dev/shm`` tmpfs, and the
    run's ``/box`` (the detached tmpfs the supervisor prepared)."""
    _libc.mount("tmpfs", "/tmp", "tmpfs", _TMPFS, f"size={tmp_kib}k,nr_inodes=16384,mode=1777")
    _libc.mount("tmpfs", "/dev/shm", "tmpfs", _TMPFS | _libc.MS_NOEXEC,
                f"size={tmp_kib}k,nr_inodes=16384,mode=1777")
    _libc.attach_mount(box_mount_fd, "/box")

"""The box's root filesystem, built in the box's own mount namespace (isolate's discipline).

Every mount is made private first so nothing propagates to the host; the root is a fresh small
tmpfs; host paths are bound and *immediately* remounted read-only + nosuid + nodev (so no later
step can write through them to the host); ``/dev`` holds five device nodes; ``/proc`` is a new
procfs with other users' processes hidden; ``/box`` is the detached tmpfs the supervisor
prepared; ``/tmp`` and ``/dev/shm`` are size-limited tmpfs; there is no ``/sys``. Then
``pivot_root`` into it, the old root is detached, and the root tmpfs becomes read-only.

The plan is data computed by the supervisor (:func:`plan_root`); the box helper
(``native/jbox.c``: ``build_root``, ``mount_run_dirs``, ``pivot``) only executes it.
"""

from __future__ import annotations

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
    return RootPlan(base, tuple(binds), tuple(symlinks), etc)

"""Thin ctypes wrappers for the system calls Python 3.11 does not expose.

Every wrapper raises ``OSError`` with the C errno, like the ``os`` module does.
"""

from __future__ import annotations

import ctypes
import os

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                        ctypes.c_void_p]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
_libc.unshare.argtypes = [ctypes.c_int]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                        ctypes.c_ulong]

# x86_64 / aarch64 share the "new" numbers for these (asm-generic since 5.2).
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}[os.uname().machine]
SYS_MOVE_MOUNT = 429
SYS_FSOPEN = 430
SYS_FSCONFIG = 431
SYS_FSMOUNT = 432

# <sched.h>
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

# <sys/mount.h>
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2

# new mount API
FSOPEN_CLOEXEC = 1
FSCONFIG_SET_STRING = 1
FSCONFIG_CMD_CREATE = 6
FSMOUNT_CLOEXEC = 1
MOUNT_ATTR_NOSUID = 0x02
MOUNT_ATTR_NODEV = 0x04
MOVE_MOUNT_F_EMPTY_PATH = 0x04

# <linux/prctl.h>, <linux/seccomp.h>
PR_SET_SECCOMP = 22
PR_CAPBSET_DROP = 24
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
SECCOMP_MODE_FILTER = 2


def _check(result: int) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return result


def _b(path: str | None) -> bytes | None:
    return None if path is None else os.fsencode(path)


def mount(source: str | None, target: str, fstype: str | None, flags: int,
          data: str | None = None) -> None:
    """mount(2)."""
    _check(_libc.mount(_b(source), _b(target), _b(fstype), flags, _b(data)))


def umount2(target: str, flags: int) -> None:
    """umount2(2)."""
    _check(_libc.umount2(_b(target), flags))


def unshare(flags: int) -> None:
    """unshare(2)."""
    _check(_libc.unshare(flags))


def pivot_root(new_root: str, put_old: str) -> None:
    """pivot_root(2)."""
    _check(_libc.syscall(SYS_PIVOT_ROOT, _b(new_root), _b(put_old)))


def prctl(option: int, arg2: int = 0, arg3: int = 0, arg4: int = 0, arg5: int = 0) -> int:
    """prctl(2) with integer arguments."""
    return _check(_libc.prctl(option, arg2, arg3, arg4, arg5))


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


def load_seccomp_bpf(program: bytes) -> None:
    """Install a classic-BPF seccomp filter (already compiled) on the calling thread."""
    prog = _SockFprog(len(program) // 8, program)
    _check(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER,
                       ctypes.cast(ctypes.pointer(prog), ctypes.c_void_p).value, 0, 0))


def new_tmpfs(options: dict[str, str]) -> int:
    """Create a detached tmpfs mount (fsopen/fsconfig/fsmount); returns an O_PATH fd to its root.

    The mount belongs to no namespace until a box attaches it with :func:`attach_mount`; it goes
    away by itself once the last fd and the last namespace holding it are gone, so nothing can be
    left mounted on the host whatever happens to the judge.
    """
    fs_fd = _check(_libc.syscall(SYS_FSOPEN, b"tmpfs", FSOPEN_CLOEXEC))
    try:
        for key, value in options.items():
            _check(_libc.syscall(SYS_FSCONFIG, fs_fd, FSCONFIG_SET_STRING, key.encode(),
                                 value.encode(), 0))
        _check(_libc.syscall(SYS_FSCONFIG, fs_fd, FSCONFIG_CMD_CREATE, None, None, 0))
        return _check(_libc.syscall(SYS_FSMOUNT, fs_fd, FSMOUNT_CLOEXEC,
                                    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV))
    finally:
        os.close(fs_fd)


def attach_mount(mount_fd: int, target: str) -> None:
    """move_mount(2) a detached mount onto ``target`` in the caller's mount namespace."""
    _check(_libc.syscall(SYS_MOVE_MOUNT, mount_fd, b"", -100, _b(target),
                         MOVE_MOUNT_F_EMPTY_PATH))

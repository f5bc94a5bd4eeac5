"""Privileges: become the box's own uid/gid and keep no capability at all (python-prctl)."""

from __future__ import annotations

import os

import prctl

from . import _libc

__all__ = ["cap_last_cap", "drop_privileges"]


def cap_last_cap() -> int:
    """The highest capability number this kernel knows (read once, in the parent)."""
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            return int(f.read())
    except OSError:
        return 40


def drop_privileges(uid: int, gid: int, last_cap: int) -> None:
    """Drop every capability (bounding set too), switch to uid/gid, set no_new_privs.

    The bounding set needs CAP_SETPCAP, so it goes first; setresuid to a non-zero uid then
    clears the permitted and effective sets (no SECBIT_KEEP_CAPS); inheritable and ambient are
    cleared explicitly.
    """
    for cap in range(last_cap + 1):  # every one the kernel has (python-prctl's
        _libc.prctl(_libc.PR_CAPBSET_DROP, cap)  # capbset.limit() would redo the same, 0.3 ms)
    _libc.prctl(_libc.PR_CAP_AMBIENT, _libc.PR_CAP_AMBIENT_CLEAR_ALL)
    prctl.cap_inheritable.limit()
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    prctl.set_no_new_privs(1)

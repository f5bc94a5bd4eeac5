"""Privileges: the program runs as the box's own uid/gid with no capability at all.

The box helper drops them (``native/jbox.c``, ``drop_privileges``): every capability of the
bounding set (up to :func:`cap_last_cap`, read here once, in the parent), ambient and
inheritable cleared, no supplementary groups, setresgid/setresuid to the box's ids (which
clears the permitted and effective sets), then no_new_privs.
"""

from __future__ import annotations

__all__ = ["cap_last_cap"]


def cap_last_cap() -> int:
    """The highest capability number this kernel knows (read once, in the parent)."""
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            return int(f.read())
    except OSError:
        return 40

"""Namespaces of a box: new mount, pid, ipc, uts and net namespaces for the keeper's children,
and a new cgroup namespace entered by the program's process once it sits in the box cgroup.

The box helper (``native/jbox.c``) enters them; these functions are ``judgebox doctor``'s
check that the kernel lets it."""

from __future__ import annotations

from . import _libc

__all__ = ["BOX_NAMESPACES", "enter_box_namespaces", "enter_cgroup_namespace"]

BOX_NAMESPACES = (_libc.CLONE_NEWNS | _libc.CLONE_NEWPID | _libc.CLONE_NEWIPC
                  | _libc.CLONE_NEWUTS | _libc.CLONE_NEWNET)


def enter_box_namespaces() -> None:
    """unshare the box namespaces; the caller's next child is PID 1 of the new pid namespace."""
    _libc.unshare(BOX_NAMESPACES)


def enter_cgroup_namespace() -> None:
    """Root the caller's view of cgroups at the cgroup it is in now (the box's)."""
    _libc.unshare(_libc.CLONE_NEWCGROUP)


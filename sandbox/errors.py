"""Exceptions of the sandbox: what went wrong with judgebox itself, never with the program.

What the program did is data (an :class:`~sandbox.outcome.Outcome`); these are raised when the
sandbox cannot do its job::

    SandboxError                 base of everything raised here
    ├── SpecError                the caller's spec is invalid (checked before any system call)
    └── HostError                this host cannot run boxes (not root, no cgroups, no namespaces)
        └── CgroupError          creating, limiting, reading or removing a box cgroup failed

A failure inside the box before exec is not an exception: it is an ``SE`` outcome with the
failed step in ``Outcome.message``.

``OSError`` is wrapped at each layer's edge with ``raise ... from exc``.
"""

from __future__ import annotations

__all__ = ["SandboxError", "SpecError", "HostError", "CgroupError"]


class SandboxError(Exception):
    """Base class of every error the sandbox raises."""


class SpecError(SandboxError, ValueError):
    """The spec asks for something invalid; nothing was started."""


class HostError(SandboxError):
    """The host lacks something a box needs (root, a cgroup controller, a namespace)."""


class CgroupError(HostError):
    """A box cgroup could not be created, limited, read or removed."""


"""Exceptions of the sandbox: what went wrong with judgebox itself, never with the program.

What the program did is data (an :class:`~sandbox.outcome.Outcome`); these are raised when the
sandbox cannot do its job::

    SandboxError                 base of everything raised here
    ├── SpecError                the caller's spec is invalid (checked before any system call)
    ├── HostError                this host cannot run boxes (not root, no cgroups, no namespaces)
    │   └── CgroupError          creating, limiting, reading or removing a box cgroup failed
    └── SetupError               the box failed while being set up, before the program ran

``OSError`` is wrapped at each layer's edge with ``raise ... from exc``.
"""

from __future__ import annotations

__all__ = ["SandboxError", "SpecError", "HostError", "CgroupError", "SetupError"]


class SandboxError(Exception):
    """Base class of every error the sandbox raises."""


class SpecError(SandboxError, ValueError):
    """The spec asks for something invalid; nothing was started."""


class HostError(SandboxError):
    """The host lacks something a box needs (root, a cgroup controller, a namespace)."""


class CgroupError(HostError):
    """A box cgroup could not be created, limited, read or removed."""


class SetupError(SandboxError):
    """The box failed before exec; the message comes from inside the box."""

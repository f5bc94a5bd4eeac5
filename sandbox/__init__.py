"""judgebox's sandbox: one isolated, measured run of one command.

A plain library (no Flask, no Celery): build a :class:`SandboxSpec`, call :func:`run`, read
the :class:`Outcome`; or open a reusable :class:`Box` (:func:`open_box`) and call its ``run``
for each test of a judgement. Needs root, cgroups (v1 or v2) and Linux namespaces.

``run`` and the templates load on first use: importing the package stays cheap.
"""

import importlib

from .errors import CgroupError, HostError, SandboxError, SpecError
from .outcome import Outcome, Status
from .spec import COLLECT_ALL, Limits, Mount, SandboxSpec

__all__ = [
    "run", "prepare", "Box", "open_box", "SandboxSpec", "Limits", "Mount", "Outcome", "Status",
    "COLLECT_ALL",
    "Template", "load_template",
    "SandboxError", "SpecError", "HostError", "CgroupError",
]

_LAZY = {"run": ".box", "prepare": ".runner", "Box": ".box", "open_box": ".box",
         "Template": ".templates", "load_template": ".templates"}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value

"""judgebox's sandbox: one isolated, measured run of one command.

A plain library (no Flask, no Celery): build a :class:`SandboxSpec`, call :func:`run`, read
the :class:`Outcome`. Needs root, cgroups (v1 or v2) and Linux namespaces.
"""

from .errors import CgroupError, HostError, SandboxError, SetupError, SpecError
from .outcome import Outcome, Status
from .runner import run
from .spec import Limits, Mount, SandboxSpec
from .templates import Template, load_template

__all__ = [
    "run", "SandboxSpec", "Limits", "Mount", "Outcome", "Status", "Template", "load_template",
    "SandboxError", "SpecError", "HostError", "CgroupError", "SetupError",
]

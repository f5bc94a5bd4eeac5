"""A package's constants (2025-09 ``constants`` in ``problem.yaml``): ``{{name}}`` replaced in
the package's files (statements aside) and in the YAML it reads."""

from __future__ import annotations

import re

__all__ = ["substitute_constants"]


def substitute_constants(data: bytes, constants: tuple[tuple[str, str], ...] | dict) -> bytes:
    """``data`` with every ``{{name}}`` / ``{{name.variant}}`` of a known constant replaced
    (unknown ones stay, as the format says)."""
    table = dict(constants)
    if not table or b"{{" not in data:
        return data
    return re.sub(rb"\{\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)?)\}\}",
                  lambda m: table.get(m.group(1).decode(), m.group(0).decode()).encode(),
                  data)

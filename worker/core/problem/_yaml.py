"""Reading a package's YAML files (one place for the error messages)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .constants import substitute_constants
from .errors import PackageError

__all__ = ["read_yaml"]


def read_yaml(path: Path, required: bool = False,
              constants: dict[str, str] | None = None) -> dict[str, Any]:
    """A YAML mapping from ``path`` (an empty file is an empty mapping), with the package's
    ``constants`` replaced in its text first (2025-09 ``test_group.yaml``)."""
    if not path.is_file():
        if required:
            raise PackageError(path, "missing (every package needs one)")
        return {}
    try:
        text = path.read_text(encoding="utf-8")
        if constants:
            text = substitute_constants(text.encode(), constants).decode("utf-8", "replace")
        data = yaml.safe_load(text)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise PackageError(path, f"invalid YAML: {' '.join(str(exc).split())}") from exc
    except RecursionError:  # PyYAML's composer recurses once per level of nesting
        raise PackageError(path, "invalid YAML: nested too deeply") from None
    except OSError as exc:
        raise PackageError(path, f"cannot read: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PackageError(path, f"must be a YAML mapping, not a {type(data).__name__}")
    return data

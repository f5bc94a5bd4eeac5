"""Box templates: which host paths a box sees (read-only) and the environment it starts with.

A template is ``rootfs-templates/<name>.toml``; its ``[box]`` table lists ``paths`` (required
host paths), ``optional_paths`` (bound when present) and ``env``. The directory comes from
``JUDGEBOX_TEMPLATES`` or defaults to the ``rootfs-templates`` folder of this checkout.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import SpecError
from .spec import Mount

__all__ = ["Template", "load_template", "templates_dir"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.+-]*$")


@dataclass(frozen=True)
class Template:
    """What a box built from this template sees of the host and its starting environment."""

    name: str
    mounts: tuple[Mount, ...]
    env: tuple[tuple[str, str], ...]


def templates_dir() -> Path:
    """Where templates are read from."""
    configured = os.environ.get("JUDGEBOX_TEMPLATES")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent.parent / "rootfs-templates"


@functools.lru_cache(maxsize=None)
def load_template(name: str) -> Template:
    """Load and validate ``<templates_dir>/<name>.toml`` (cached: templates are read once)."""
    if not _NAME.match(name):
        raise SpecError(f"bad template name {name!r}")
    path = templates_dir() / f"{name}.toml"
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        known = sorted(p.stem for p in templates_dir().glob("*.toml"))
        raise SpecError(f"no template {name!r} (known: {', '.join(known)})") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SpecError(f"{path}: {exc}") from exc
    box = data.get("box", {})
    try:
        mounts = [Mount(p, p) for p in box.get("paths", [])]
        mounts += [Mount(p, p, optional=True) for p in box.get("optional_paths", [])]
        env = tuple((str(k), str(v)) for k, v in box.get("env", {}).items())
    except (TypeError, AttributeError, SpecError) as exc:
        raise SpecError(f"{path}: bad [box] table: {exc}") from exc
    return Template(name, tuple(mounts), env)

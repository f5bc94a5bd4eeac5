"""Box templates: which host paths a box sees (read-only) and the environment it starts with.

A template is ``rootfs-templates/<name>.toml``; its ``[box]`` table lists ``paths`` (required
host paths), ``optional_paths`` (bound when present) and ``env``. The directory comes from
``JUDGEBOX_TEMPLATES`` or defaults to the ``rootfs-templates`` folder of this checkout.

A listed path may be a directory, a single file (``/usr/bin/gcc``: one executable of a toolchain
rather than all of ``/usr/bin``) or a symlink. A symlink becomes the same symlink in the box; when
it leads to a file, that file comes with it, hop by hop (``/usr/bin/java`` ->
``/etc/alternatives/java`` -> ``/usr/lib/jvm/.../bin/java``), unless a listed directory already
holds it. A symlink to a directory (``/bin`` -> ``usr/bin``) brings only itself. Mounts are made in
path order, parents before children. ``include`` names other templates (``"*"``: every
language's that includes none itself) whose paths the box sees too, each bound only when present (a box
for programs that call any toolchain: Judge0's "Multi-file program"). Other tables of the
file (a language's ``[language]``) are not the sandbox's business.
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
_MAX_HOPS = 16  # as the kernel's own limit on nested symlinks (40) but smaller: templates are ours


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
        listed = [(str(p), False) for p in box.get("paths", [])]
        listed += [(str(p), True) for p in box.get("optional_paths", [])]
        listed += [(p, True) for p in _included_paths(name, box.get("include", []))]
        mounts = _with_link_targets([Mount(p, p, optional=o) for p, o in listed])
        env = tuple((str(k), str(v)) for k, v in box.get("env", {}).items())
    except (TypeError, AttributeError, SpecError) as exc:
        raise SpecError(f"{path}: bad [box] table: {exc}") from exc
    return Template(name, mounts, env)


def _included_paths(name: str, included: list) -> list[str]:
    """The host paths of the templates ``included`` names (``"*"``: every language's
    template that includes none itself)."""
    if not isinstance(included, list):
        raise SpecError("include must be a list of template names")
    names = [str(n) for n in included]
    if "*" in names:  # every language's template (not the plain ones, such as default)
        names = []
        for path in sorted(templates_dir().glob("*.toml")):
            data = tomllib.loads(path.read_text())
            if path.stem != name and _NAME.match(path.stem) and "language" in data \
                    and "include" not in data.get("box", {}):
                names.append(path.stem)
    paths: list[str] = []
    for other in names:
        if other == name:
            raise SpecError(f"template {name!r} includes itself")
        template = load_template(other)
        paths += [m.source for m in template.mounts if m.source == m.target]
    return paths


def _link_chain(path: str) -> list[str]:
    """The host paths a symlink to a file leads to, hop by hop (in canonical directory form).

    A symlink to a directory (``/bin`` -> ``usr/bin``) brings nothing along: the template lists
    what of that directory the box may see.
    """
    if os.path.isdir(path):
        return []
    chain = []
    for _ in range(_MAX_HOPS):
        if not os.path.islink(path):
            break
        link = os.readlink(path)
        parent = os.path.realpath(os.path.dirname(path))
        path = os.path.normpath(os.path.join(parent, link))
        path = os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))
        chain.append(path)
    return chain


def _covered(path: str, directories: list[str]) -> bool:
    return any(path == d or path.startswith(d.rstrip("/") + "/") for d in directories)


def _with_link_targets(mounts: list[Mount]) -> tuple[Mount, ...]:
    """The listed mounts plus what their symlinks point to, deduplicated, parents first."""
    directories = [m.source for m in mounts if os.path.isdir(m.source)
                   and not os.path.islink(m.source)]
    by_target: dict[str, Mount] = {}
    for mount in mounts:
        by_target.setdefault(mount.target, mount)
        for hop in _link_chain(mount.source):
            if not _covered(hop, directories) and hop not in by_target:
                by_target[hop] = Mount(hop, hop, optional=mount.optional)
    return tuple(sorted(by_target.values(), key=lambda m: m.target.split("/")))

"""Helpers of the judging tests: the examples' location and small packages written on the fly."""

from __future__ import annotations

import shutil
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if (p / "problem.yaml").is_file())

MINIMAL = {
    "problem.yaml": "name: Minimal\n",
    "data/sample/1.in": "1 2\n",
    "data/sample/1.ans": "3\n",
    "data/secret/1.in": "2 2\n",
    "data/secret/1.ans": "4\n",
}


def write_package(root: Path, files: dict[str, str | bytes | None]) -> Path:
    """Write ``files`` (path -> content; ``None`` deletes) under ``root``; returns ``root``."""
    for name, content in files.items():
        path = root / name
        if content is None:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def package(tmp_path: Path, changes: dict[str, str | bytes | None] | None = None,
            name: str = "pkg") -> Path:
    """A minimal legacy A+B package with ``changes`` applied."""
    root = tmp_path / name
    write_package(root, MINIMAL)
    return write_package(root, changes or {})


def copy_example(tmp_path: Path, name: str) -> Path:
    """A private copy of ``examples/<name>``."""
    target = tmp_path / name
    shutil.copytree(EXAMPLES / name, target, symlinks=True)
    return target

"""The one error of problem packages.

::

    PackageError            a package is broken: which file, and what is wrong with it
      (raised while reading a package, extracting an archive, or compiling its validator)

What a submission did is never an exception: it is a verdict (see ``worker.core.judging``).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["PackageError"]


class PackageError(Exception):
    """A problem package is broken. ``path`` names the file, ``reason`` says what is wrong."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

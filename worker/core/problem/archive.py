"""Zipped packages (``.zip``, ``.kpp``), extracted safely before they are read.

Nothing in an archive is trusted: entry names must be relative paths without ``..`` (no
absolute paths, no drive letters, no backslashes, no NUL); symlinks, devices and other special
entries are refused; the number of entries, each file's size and the total size are capped, and
sizes are counted while extracting (a zip's declared sizes can lie). Files are created with
``O_EXCL | O_NOFOLLOW`` beneath a fresh directory, so an entry can neither overwrite another nor
be written through a link.
"""

from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import PackageError

__all__ = ["ArchiveLimits", "extract_archive", "package_root"]

_CHUNK = 1 << 20


@dataclass(frozen=True)
class ArchiveLimits:
    """Caps on what an archive may unpack to."""

    max_entries: int = 100_000
    max_file_bytes: int = 512 * 1024 * 1024
    max_total_bytes: int = 2 * 1024 * 1024 * 1024


def _safe_name(name: str, archive: Path) -> PurePosixPath:
    """The entry's relative path, or a PackageError saying why it is unsafe."""
    if not name or "\0" in name or "\\" in name:
        raise PackageError(archive, f"unsafe entry name {name!r} (empty, NUL or backslash)")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise PackageError(archive, f"entry {name!r} has an absolute path")
    path = PurePosixPath(name)
    if any(part == ".." for part in path.parts):
        raise PackageError(archive, f"entry {name!r} leads outside the package ('..')")
    return path


def _entry_type(info: zipfile.ZipInfo, archive: Path) -> str:
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise PackageError(archive, f"entry {info.filename!r} is a symbolic link (refused)")
    if mode and stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise PackageError(archive, f"entry {info.filename!r} is not a regular file")
    return "dir" if info.is_dir() else "file"


def _copy(source, target: Path, info: zipfile.ZipInfo, budget: int, archive: Path,
          limits: ArchiveLimits) -> int:
    """Stream one entry to a new file; returns the bytes written."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                     | os.O_CLOEXEC, 0o644)
    except FileExistsError:
        raise PackageError(archive, f"entry {info.filename!r} appears twice") from None
    written = 0
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > info.file_size or written > limits.max_file_bytes:
                raise PackageError(archive, f"entry {info.filename!r} is larger than it says "
                                   f"or than {limits.max_file_bytes} bytes")
            if written > budget:
                raise PackageError(archive, f"the archive unpacks to more than "
                                   f"{limits.max_total_bytes} bytes")
            out.write(chunk)
    return written


def extract_archive(archive: Path, dest: Path, limits: ArchiveLimits = ArchiveLimits()) -> Path:
    """Extract ``archive`` into the empty directory ``dest``; return the package's root in it."""
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if len(infos) > limits.max_entries:
                raise PackageError(archive, f"more than {limits.max_entries} entries")
            declared = sum(i.file_size for i in infos)
            if declared > limits.max_total_bytes:
                raise PackageError(archive, f"unpacks to {declared} bytes, more than "
                                   f"{limits.max_total_bytes}")
            budget = limits.max_total_bytes
            for info in infos:
                rel = _safe_name(info.filename, archive)
                kind = _entry_type(info, archive)
                target = dest.joinpath(*rel.parts)
                if kind == "dir":
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as source:
                    budget -= _copy(source, target, info, budget, archive, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError) as exc:
        raise PackageError(archive, f"not a readable zip archive: {exc}") from exc
    except OSError as exc:
        raise PackageError(archive, f"cannot extract: {exc}") from exc
    return package_root(dest)


def package_root(directory: Path) -> Path:
    """The package inside an extracted archive: the directory itself when it holds
    ``problem.yaml``, else its single top-level directory (``name/problem.yaml``)."""
    if (directory / "problem.yaml").is_file():
        return directory
    tops = [p for p in directory.iterdir()
            if not p.name.startswith((".", "__MACOSX"))]
    if len(tops) == 1 and tops[0].is_dir():
        return tops[0]
    return directory

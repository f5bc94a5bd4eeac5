"""Problem packages by content hash: stored once in the database, cached unpacked per worker.

A package is the zip file a problem was uploaded as; its name everywhere is the SHA-256 of its
bytes, so a worker on another host needs no shared filesystem: it asks the database (or the
web app, ``GET /api/v1/packages/<sha256>``) for the bytes once, checks the hash, and unpacks
them under ``<cache>/packages/<sha256>/``. A cached package never changes (its name is its
content), so the cache needs no invalidation; ``prune()`` only frees space. Only when a file
of an unpacked copy goes missing (someone cleaned the cache while a package was judged) is
that copy dropped (``discard()``), to be fetched and unpacked again next time.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from sqlalchemy import delete, select

from .database import Store
from .db import DONE, Package, Problem, Submission

__all__ = ["PackageFetchError", "sha256_of", "put", "get_bytes", "unpacked", "discard",
           "delete_unused"]


class PackageFetchError(Exception):
    """A package could not be fetched, or its bytes do not match its hash."""


def sha256_of(data: bytes) -> str:
    """The content hash a package is known by."""
    return hashlib.sha256(data).hexdigest()


def put(store: Store, data: bytes) -> str:
    """Store a package's bytes (once per content); returns its hash."""
    digest = sha256_of(data)
    with store.write() as session:
        if session.get(Package, digest) is None:
            session.add(Package(sha256=digest, size=len(data), data=data))
    return digest


def get_bytes(store: Store, digest: str) -> bytes | None:
    """A package's bytes, or ``None``."""
    with store.read() as session:
        return session.scalar(select(Package.data).where(Package.sha256 == digest))


def delete_unused(store: Store) -> int:
    """Delete packages no problem and no unfinished submission refers to; how many."""
    with store.write() as session:
        used = set(session.scalars(select(Problem.package_sha256)).all())
        used |= set(session.scalars(select(Submission.package_sha256)
                                    .where(Submission.package_sha256.is_not(None),
                                           Submission.state != DONE)).all())
        unused = [d for d in session.scalars(select(Package.sha256)).all() if d not in used]
        if unused:
            session.execute(delete(Package).where(Package.sha256.in_(unused)))
    return len(unused)


def unpacked(cache: Path, digest: str, fetch: Callable[[str], bytes | None],
             extract: Callable[[Path, Path], Path]) -> Path:
    """The package's root, unpacked under ``cache`` (fetched and extracted the first time).

    ``fetch(digest)`` returns the zip's bytes; ``extract(zip_path, dest)`` unpacks it safely
    and returns the package root inside ``dest``. Concurrent workers on one host take turns
    (a lock file per hash); a half-extracted package is never seen (rename into place).
    """
    base = cache / "packages"
    base.mkdir(parents=True, exist_ok=True)
    final = base / digest
    marker = final / ".root"
    if marker.is_file():
        return final / marker.read_text()
    fd = os.open(base / f".{digest}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if marker.is_file():
            return final / marker.read_text()
        data = fetch(digest)
        if data is None or sha256_of(data) != digest:
            raise PackageFetchError(f"package {digest}: missing, or its bytes do not match")
        work = Path(tempfile.mkdtemp(prefix=f".{digest[:12]}-", dir=base))
        try:
            archive = work / "package.zip"
            archive.write_bytes(data)
            (work / "tree").mkdir()
            root = extract(archive, work / "tree")
            archive.unlink()
            (work / ".root").write_text(str(root.relative_to(work)))
            os.rename(work, final)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        return final / marker.read_text()
    finally:
        os.close(fd)


def discard(cache: Path, digest: str) -> bool:
    """Drop the unpacked copy of a package, whose files went missing, so that the next
    :func:`unpacked` fetches and unpacks it again instead of trusting its marker; whether
    there was one. Taken under the package's lock (nobody is half-way unpacking it) and
    renamed out of the way before it is removed."""
    base = cache / "packages"
    final = base / digest
    if not final.exists():
        return False
    fd = os.open(base / f".{digest}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if not final.exists():
            return False
        trash = Path(tempfile.mkdtemp(prefix=f".{digest[:12]}-gone-", dir=base))
        os.rename(final, trash / digest)
        shutil.rmtree(trash, ignore_errors=True)
        return True
    finally:
        os.close(fd)

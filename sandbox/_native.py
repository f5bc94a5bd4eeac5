"""The box helper: the child half of every box, a small C program (``native/jbox.c``).

Why C: the supervisor stays Python, but what runs between fork and exec is on every test's
path, and Python there cost most of a box (forking an interpreter, then about a millisecond of
interpreter work before exec). The helper is built here from its source with the host's C
compiler (statically linked where the C library allows, so its exec needs no loader), once per
source and compiler flags, into the judge's run directory (root's own, mode 0700), atomically
and under a lock (several workers may start at once).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

from . import slots
from .errors import HostError

__all__ = ["helper_path"]

SOURCE = Path(__file__).resolve().parent / "native" / "jbox.c"
FLAGS = ("-O2", "-Wall", "-Werror")
LINKS = (("-static",), ())  # static if libc.a is there (libc6-dev), else dynamic
STALE_S = 24 * 3600  # another source's helper built longer ago than this is removed


def helper_path() -> str:
    """The built helper, built first if this source has not been built on this host (or its
    file went away). Called each time a fork server starts."""
    try:
        source = SOURCE.read_bytes()
    except OSError as exc:
        raise HostError(f"the box helper's source is missing: {exc}") from exc
    digest = hashlib.sha256(source + repr(FLAGS).encode()).hexdigest()[:16]
    run_dir = slots.run_dir()
    path = os.path.join(run_dir, f"jbox-{digest}")
    if os.access(path, os.X_OK):
        return path
    lock = os.open(os.path.join(run_dir, "jbox.lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                   0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.access(path, os.X_OK):
            _build(path)
    finally:
        os.close(lock)
    return path


def _build(path: str) -> None:
    compiler = os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        raise HostError("judgebox needs a C compiler to build its box helper (apt install gcc "
                        "libc6-dev)")
    partial = f"{path}.{os.getpid()}.tmp"
    errors = ""
    for link in LINKS:
        try:
            done = subprocess.run([compiler, *FLAGS, *link, "-o", partial, str(SOURCE)],
                                  capture_output=True, text=True)
        except OSError as exc:
            raise HostError(f"cannot build the box helper with {compiler}: {exc}") from exc
        if done.returncode == 0:
            os.chmod(partial, 0o700)
            os.rename(partial, path)
            _remove_others(path)
            return
        errors = done.stderr.strip() or f"exit status {done.returncode}"
    raise HostError(f"cannot build the box helper with {compiler}: {errors[-2000:]}")


def _remove_others(path: str) -> None:
    """Remove helpers built from other sources (an older judgebox) more than a day ago. A
    server still running one keeps its program (deleting the file does not stop it), and a
    judgebox whose helper went builds it again when it next starts a server."""
    directory, mine = os.path.split(path)
    old = time.time() - STALE_S
    for name in os.listdir(directory):
        other = os.path.join(directory, name)
        try:
            if name.startswith("jbox-") and name != mine and os.stat(other).st_mtime < old:
                os.unlink(other)
        except OSError:
            pass  # gone already: it only costs space

"""The compile cache: a compile whose inputs were seen before returns what its box produced then,
without running the compiler.

Key: SHA-256 over the cache format, judgebox's own compile code, the language id, the compile
(or syntax-check) command as run (Judge0's ``compiler_options`` included), the placeholder
values, the compile limits, the toolchain id (``worker.core.toolchain``: version, language file,
host paths) and the SHA-256 of the source. An entry holds the compile's result: the artifact
(the bytes the box's copy-out returned, never a path of the box), the compiler's messages and
the measured outcome; a compilation error is kept too, with its message. Only results that do
not depend on the machine's load are stored: a compile that ended ``OK``, or with the compiler's
own non-zero exit. Time-outs, memory or output limits, signals and sandbox failures are not.

Who: a worker turns it on at start (:func:`configure`, from
``worker.service.lifecycle.prepare_worker``); other processes (``judgebox run``, tests) have none
unless they configure one or pass one to ``compile_program``. Where: ``<CACHE_DIR>/compile/``, a
directory of root's own, mode 0700: when it is not (another owner, group or other access, a
symlink) the cache is off, logged. One file per key, ``<key>.entry``: a JSON header line (the
key again, lengths, SHA-256 of the payload) then the payload (stdout, stderr, artifact). An entry
that does not match its key or checksum is deleted and compiled again. Writers write a temporary
file in the same directory and ``rename`` it over (atomic: readers see a whole entry or none).

Size: ``JUDGEBOX_COMPILE_CACHE_MB`` (default 1024; 0 turns the cache off). After a store that
takes the directory over the cap, the least recently used entries (modification time, set on
every hit) are deleted down to 90 % of it, by one process at a time (a lock file).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import secrets
import stat
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sandbox import Outcome, Status

from .toolchain import ToolchainUnknown, code_fingerprint, toolchain_id

if TYPE_CHECKING:
    from .languages import Language

__all__ = ["CompileCache", "CacheEntry", "Counters", "counters", "configure", "default_cache",
           "private_dir", "cacheable"]

log = logging.getLogger(__name__)

CACHE_FORMAT = 1
DEFAULT_MB = 1024
_ENTRY = re.compile(r"^[0-9a-f]{64}\.entry$")
_HEADER_MAX = 1 << 20
_STALE_TMP_S = 3600


@dataclass
class Counters:
    """What this process's compiles did (tests and benchmarks read these)."""

    compiler_runs: int = 0   # compile boxes started by compile_program (PCH reruns included)
    hits: int = 0
    misses: int = 0
    stores: int = 0
    corrupt: int = 0         # entries found damaged and deleted
    pch_compiles: int = 0    # compiles whose result came from a box with the PCH mounted
    pch_reruns: int = 0      # compiles with the PCH that were done again without it


counters = Counters()


@dataclass(frozen=True)
class CacheEntry:
    """One stored compile: what ``compile_program`` needs to rebuild its ``Program``."""

    ok: bool
    output: str
    error: str
    artifact: bytes | None
    artifact_name: str
    values: dict[str, str]
    outcome: Outcome | None


def private_dir(path: Path, create: bool = True) -> Path | None:
    """``path`` as a directory of this (root) process only, created 0700 when missing (unless
    not ``create``: then ``None``); ``None`` (logged) when it exists but is not ours alone: a
    symlink, another owner, group or other access, or a parent that others may write to."""
    try:
        if not create and not os.path.lexists(path):
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        for where, strict in ((path.parent, False), (path, True)):
            st = os.lstat(where)
            mask = 0o077 if strict else 0o022
            if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & mask:
                log.warning("%s is not a private directory of uid %d (mode %o, owner %d): "
                            "not used", where, os.geteuid(), st.st_mode & 0o7777, st.st_uid)
                return None
    except OSError as exc:
        log.warning("cache directory %s unusable: %s", path, exc)
        return None
    return path


def cacheable(outcome: Outcome | None) -> bool:
    """Whether a compile's result is the same whatever the machine's load: it ended on its
    own, zero or not (``None``: an interpreted language with nothing to run)."""
    if outcome is None:
        return True
    return outcome.status is Status.OK or (
        outcome.status is Status.RE and outcome.exit_code is not None and outcome.signal is None
        and outcome.killed_by is None)


class CompileCache:
    """A compile cache in one private directory, at most ``max_bytes`` big."""

    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes

    # --- keys ---------------------------------------------------------------------------

    def key(self, language: Language, step: tuple[str, ...], values: dict[str, str],
            source: bytes, limits: Mapping[str, int]) -> str | None:
        """The entry's key; ``None`` when the toolchain cannot be identified (no caching).
        ``limits``: the compile's limits (``dataclasses.asdict`` of a ``CompileLimits``)."""
        try:
            toolchain = toolchain_id(language)
        except (ToolchainUnknown, OSError) as exc:
            log.warning("compile cache off for this compile: %s", exc)
            return None
        parts = {"code": code_fingerprint(f"compile cache {CACHE_FORMAT}"), "language": language.id, "step": list(step),
                 "values": values, "limits": dict(limits),
                 "toolchain": toolchain, "source": hashlib.sha256(source).hexdigest()}
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.entry"

    # --- reading ------------------------------------------------------------------------

    def get(self, key: str) -> CacheEntry | None:
        """The entry stored under ``key``, or ``None``; a damaged one is deleted."""
        path = self._path(key)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            counters.misses += 1
            return None
        except OSError as exc:
            return self._damaged(path, f"cannot open: {exc}")
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o077:
                return self._damaged(path, "not a private regular file")
            with os.fdopen(os.dup(fd), "rb") as f:
                entry = _decode(f.read(st.st_size + 1), key)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return self._damaged(path, str(exc))
        finally:
            os.close(fd)
        try:
            os.utime(path)  # last use, for the LRU eviction
        except OSError:
            pass
        counters.hits += 1
        return entry

    def _damaged(self, path: Path, why: str) -> None:
        log.warning("compile cache: %s is damaged (%s): deleted, compiling again", path.name, why)
        counters.corrupt += 1
        counters.misses += 1
        try:
            os.unlink(path)
        except OSError:
            pass
        return None

    # --- writing ------------------------------------------------------------------------

    def put(self, key: str, entry: CacheEntry) -> None:
        """Store ``entry`` under ``key`` (atomically); then keep the directory under its cap."""
        data = _encode(key, entry)
        if len(data) > self.max_bytes // 8:
            return  # one entry must not push out most of the others
        tmp = self.directory / f".tmp-{os.getpid()}-{secrets.token_hex(8)}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                         0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, self._path(key))
        except OSError as exc:
            log.warning("compile cache: cannot store an entry: %s", exc)
            try:
                os.unlink(tmp)
            except OSError:
                pass
            return
        counters.stores += 1
        self.evict()

    def evict(self) -> None:
        """Delete least recently used entries while the directory is over its cap (and
        temporary files that a killed writer left)."""
        try:
            lock = os.open(self.directory / ".evict.lock",
                           os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except OSError:
            return
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(lock)
            return  # another process is evicting
        try:
            self._evict_locked()
        finally:
            os.close(lock)

    def _evict_locked(self) -> None:
        entries, total, now = [], 0, time.time()
        with os.scandir(self.directory) as found:
            for item in found:
                try:
                    st = item.stat(follow_symlinks=False)
                except OSError:
                    continue
                if item.name.startswith(".tmp-") and now - st.st_mtime > _STALE_TMP_S:
                    _unlink(item.path)
                elif _ENTRY.match(item.name) and stat.S_ISREG(st.st_mode):
                    entries.append((st.st_mtime, st.st_size, item.path))
                    total += st.st_size
        if total <= self.max_bytes:
            return
        for _, size, path in sorted(entries):
            if total <= self.max_bytes * 9 // 10:
                break
            _unlink(path)
            total -= size


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


_OUTCOME_FIELDS = ("exit_code", "signal", "time", "wall_time", "memory_kib", "killed_by",
                   "oom_killed", "message")


def _encode(key: str, entry: CacheEntry) -> bytes:
    outcome = entry.outcome
    stdout, stderr = (outcome.stdout, outcome.stderr) if outcome else (b"", b"")
    artifact = entry.artifact or b""
    payload = stdout + stderr + artifact
    header = {"format": CACHE_FORMAT, "key": key, "ok": entry.ok, "output": entry.output,
              "error": entry.error, "artifact_name": entry.artifact_name,
              "values": entry.values, "has_artifact": entry.artifact is not None,
              "lengths": [len(stdout), len(stderr), len(artifact)],
              "sha256": hashlib.sha256(payload).hexdigest(),
              "outcome": None if outcome is None else
              {"status": outcome.status.value} | {f: getattr(outcome, f) for f in _OUTCOME_FIELDS}}
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + payload


def _decode(data: bytes, key: str) -> CacheEntry:
    line, sep, payload = data.partition(b"\n")
    if not sep or len(line) > _HEADER_MAX:
        raise ValueError("no header")
    header = json.loads(line)
    if header["format"] != CACHE_FORMAT or header["key"] != key:
        raise ValueError("header of another key or format")
    lengths = [int(n) for n in header["lengths"]]
    if len(lengths) != 3 or min(lengths) < 0 or sum(lengths) != len(payload):
        raise ValueError("payload of the wrong length")
    if hashlib.sha256(payload).hexdigest() != header["sha256"]:
        raise ValueError("checksum mismatch")
    stdout = payload[:lengths[0]]
    stderr = payload[lengths[0]:lengths[0] + lengths[1]]
    artifact = payload[lengths[0] + lengths[1]:] if header["has_artifact"] else None
    stored = header["outcome"]
    outcome = None if stored is None else Outcome(
        Status(stored["status"]), stdout=stdout, stderr=stderr,
        **{f: stored[f] for f in _OUTCOME_FIELDS})
    values = {str(k): str(v) for k, v in header["values"].items()}
    return CacheEntry(bool(header["ok"]), str(header["output"]), str(header["error"]), artifact,
                      str(header["artifact_name"]), values, outcome)


# --- the process's cache ------------------------------------------------------------------

_configured: dict[str, object] = {}


def configure(cache_dir: Path | None, max_mb: int | None = None) -> None:
    """Set this process's compile cache: ``<cache_dir>/compile`` of ``max_mb`` MiB (``None``:
    ``JUDGEBOX_COMPILE_CACHE_MB``, else 1024; 0 or ``cache_dir=None``: off). A worker calls
    this at start with its ``CACHE_DIR``; without it there is no cache."""
    _configured.clear()
    if max_mb is None:
        max_mb = _env_mb()
    _configured["cache"] = _open(cache_dir, max_mb)


def _env_mb() -> int:
    text = os.environ.get("JUDGEBOX_COMPILE_CACHE_MB", "").strip()
    try:
        return int(text) if text else DEFAULT_MB
    except ValueError:
        log.warning("JUDGEBOX_COMPILE_CACHE_MB=%r is not a number: compile cache off", text)
        return 0


def _open(cache_dir: Path | None, max_mb: int) -> CompileCache | None:
    if cache_dir is None or max_mb <= 0:
        return None
    directory = private_dir(Path(cache_dir) / "compile")
    return CompileCache(directory, max_mb * 1024 * 1024) if directory else None


def default_cache() -> CompileCache | None:
    """This process's compile cache: ``None`` (off) unless :func:`configure` set one (a worker
    does at start), so one-off commands and tests compile as they always did."""
    return _configured.get("cache")  # type: ignore[return-value]

"""Precompiled headers: a language file's ``[pch]`` table makes one header compile once per host
and toolchain instead of once per submission (C++'s ``<bits/stdc++.h>``)::

    [pch]
    header = "bits/stdc++.h"    # the name programs include, <...>
    build = ["g++", "-std=gnu++17", "-O2", ..., "-x", "c++-header", "-o", "{output}", "{source}"]
    use = ["-I", "{pch_dir}"]   # put into the compile command, before {source}

``build`` compiles ``{source}`` (a file holding only ``#include <header>``) to ``{output}``, in a
box of the language's template, with the flags of ``compile`` that a PCH depends on (g++ uses a
PCH only when they match, and silently reads the header otherwise). The box's copy-out hands the
``.gch`` back; it is stored under ``<cache dir>/pch/<language>-<key>/<header>.gch`` (a private
directory: ``worker.core.compile_cache.private_dir``), keyed by the toolchain id
(``worker.core.toolchain``: version, language file, host paths) and the table. Then a probe
compiles ``#include <header>`` with the language's real compile command, ``use`` and
``-H -Winvalid-pch`` in a box that sees the PCH, and keeps it only if g++ says it used it
(``! /pch/<header>.gch``); otherwise the failure is recorded (with why) and compiles stay plain
until the toolchain or the table changes. A worker has its languages' PCHs built at start, by a process
of their own (:func:`build_missing`, from ``worker.service.lifecycle``; one builder per language at
a time, a lock file); :func:`lookup` never builds.

Compiles with a PCH mount its directory read-only at ``/pch`` (g++ looks for
``<header>.gch`` in each include directory before the header itself; ``-I /pch`` comes first,
and a program that does not include the header never reads it). The result is kept only when
the compile ended ``OK`` with no message at all, or timed out; otherwise the compile is done
again without the PCH, so every compiler message a contestant sees comes from a plain compile
(with a PCH g++'s include chains end differently, and a damaged ``.gch`` would be an error of
its own). The one exception bounds the judge's time: a failed compile that took over half the
wall limit is not done again. A missing, failed or damaged PCH (its SHA-256 is checked once
per process) means plain compiles, logged; never a compilation error.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import stat
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sandbox import Limits, Mount, Outcome, SandboxError, SandboxSpec, Status, run

from .compile_cache import private_dir
from .languages import Language, LanguageError
from .toolchain import ToolchainUnknown, toolchain_id

__all__ = ["PchSpec", "PCH_BOX_DIR", "spec", "lookup", "build", "build_all", "probe",
           "with_pch", "mount", "keep", "configure", "build_missing"]

log = logging.getLogger(__name__)

PCH_FORMAT = 1
PCH_BOX_DIR = "/pch"
_BUILD_SOURCE, _BUILD_OUTPUT = "pch.h", "pch.gch"
_HEADER = re.compile(r"^[A-Za-z0-9_+-][A-Za-z0-9_.+/-]*$")
# A PCH of <bits/stdc++.h> is 100-130 MB; it sits in the box's /box (charged to its memory).
_BUILD_LIMITS = Limits(cpu_time_ms=120_000, wall_time_ms=240_000, memory_kib=2048 * 1024,
                       processes=64, output_kib=1024 * 1024, stderr_kib=64,
                       box_kib=1024 * 1024, tmp_kib=256 * 1024)
_PROBE_LIMITS = Limits(cpu_time_ms=30_000, wall_time_ms=60_000, memory_kib=1024 * 1024,
                       processes=64, output_kib=64 * 1024, stderr_kib=256,
                       box_kib=160 * 1024, tmp_kib=256 * 1024)


@dataclass(frozen=True)
class PchSpec:
    """A language's ``[pch]`` table."""

    header: str
    build: tuple[str, ...]
    use: tuple[str, ...]


@functools.lru_cache(maxsize=64)
def _spec_of(path: Path, _mtime_ns: int) -> PchSpec | None:
    try:
        table = tomllib.loads(path.read_text()).get("pch")
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LanguageError(f"{path}: {exc}") from exc
    if table is None:
        return None
    where = f"{path}: [pch]"
    try:
        header, build_argv, use = str(table["header"]), table["build"], table["use"]
    except KeyError as exc:
        raise LanguageError(f"{where} lacks {exc}") from None
    for name, argv in (("build", build_argv), ("use", use)):
        if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
            raise LanguageError(f"{where} {name} must be a non-empty list of strings")
    parts = header.split("/")
    if not _HEADER.match(header) or any(p in ("", ".", "..") for p in parts):
        raise LanguageError(f"{where} header must be a relative name like bits/stdc++.h")
    if "{source}" not in build_argv or "{output}" not in build_argv:
        raise LanguageError(f"{where} build needs {{source}} and {{output}}")
    return PchSpec(header, tuple(build_argv), tuple(use))


def spec(language: Language) -> PchSpec | None:
    """The language's ``[pch]`` table (``None`` without one; ``LanguageError`` when invalid)."""
    try:
        mtime = language.path.stat().st_mtime_ns
    except OSError:
        return None
    return _spec_of(language.path, mtime)


# --- where PCHs live -------------------------------------------------------------------------

_root_configured: list[Path | None] = []
_roots: dict[Path, Path | None] = {}


def configure(cache_dir: Path | None) -> None:
    """Keep this process's PCHs under ``<cache_dir>/pch`` (``None``: no PCHs). Without it,
    ``JUDGEBOX_CACHE_DIR`` (default ``/var/cache/judgebox``) decides at first use."""
    _root_configured[:] = [cache_dir]


def _root(create: bool = False) -> Path | None:
    """The PCH directory (made by a build, never by a lookup)."""
    if not _root_configured:
        _root_configured.append(Path(os.environ.get("JUDGEBOX_CACHE_DIR",
                                                    "/var/cache/judgebox")))
    cache_dir = _root_configured[0]
    if cache_dir is None:
        return None
    if cache_dir not in _roots:  # checked once per process (a refusal is logged once)
        found = private_dir(cache_dir / "pch", create)
        if found is None and not create and not os.path.lexists(cache_dir / "pch"):
            return None  # nothing built here yet: look again next time
        _roots[cache_dir] = found
    return _roots[cache_dir]


def _key(language: Language, pch: PchSpec) -> str:
    parts = {"format": PCH_FORMAT, "toolchain": toolchain_id(language), "header": pch.header,
             "build": list(pch.build), "use": list(pch.use)}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _name(language: Language, key: str) -> str:
    return f"{language.id}-{key[:32]}"


def _read_meta(path: Path) -> dict | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_size > 1 << 16:
            return None
        meta = json.loads(os.read(fd, 1 << 16))
        return meta if isinstance(meta, dict) else None
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)


def _write_meta(path: Path, meta: dict) -> None:
    tmp = path.with_name(f".tmp-{os.getpid()}-{secrets.token_hex(8)}.json")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(meta, f, sort_keys=True)
    os.replace(tmp, path)


# --- using a PCH -----------------------------------------------------------------------------

_verified: dict[tuple[str, int, int, int], bool] = {}
_warned: set[str] = set()


def _warn_once(what: str, message: str, *args: object) -> None:
    if what not in _warned:
        _warned.add(what)
        log.warning(message, *args)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verified_dir(root: Path, name: str, meta: dict, header: str) -> Path | None:
    """The PCH directory if every part of it is root's, unchanged, and the ``.gch`` has the
    recorded size and SHA-256 (hashed once per process and file version)."""
    directory = root / name
    gch = directory / f"{header}.gch"
    try:
        for part in [directory, *[directory / p for p in Path(header).parents if str(p) != "."]]:
            st = os.lstat(part)
            if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
                return None
        st = os.lstat(gch)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022 \
            or st.st_size != meta.get("size"):
        return None
    memo = (str(gch), st.st_ino, st.st_size, st.st_mtime_ns)
    if memo not in _verified:
        _verified[memo] = _sha256_file(gch) == meta.get("sha256")
    return directory if _verified[memo] else None


def lookup(language: Language) -> Path | None:
    """The host directory of the language's ready PCH, or ``None`` (no ``[pch]``, not built,
    its build failed, or damaged: then compiles are plain, logged once). Never builds."""
    try:
        pch = spec(language)
        if pch is None:
            return None
        root = _root()
        if root is None:
            return None
        key = _key(language, pch)
    except (LanguageError, ToolchainUnknown, OSError) as exc:
        _warn_once(f"{language.id}:error", "no PCH for %s: %s", language.id, exc)
        return None
    name = _name(language, key)
    meta = _read_meta(root / f"{name}.json")
    if meta is None or meta.get("key") != key:
        if f"{name}:missing" not in _warned:
            _warned.add(f"{name}:missing")
            log.info("no PCH for %s built yet: plain compiles", language.id)
        return None
    if not meta.get("ok"):
        _warn_once(f"{name}:failed", "the PCH of %s failed (%s): plain compiles", language.id,
                   meta.get("reason", "?"))
        return None
    found = _verified_dir(root, name, meta, pch.header)
    if found is None:
        _warn_once(f"{name}:damaged", "the PCH of %s is damaged: plain compiles until it is "
                   "built again", language.id)
    return found


def with_pch(language: Language, step: tuple[str, ...]) -> tuple[str, ...]:
    """The compile command with the ``[pch]`` table's ``use`` arguments before ``{source}``."""
    pch = spec(language)
    assert pch is not None
    use = tuple(a.replace("{pch_dir}", PCH_BOX_DIR) for a in pch.use)
    at = step.index("{source}") if "{source}" in step else len(step)
    return step[:at] + use + step[at:]


def mount(directory: Path) -> Mount:
    """The read-only mount of a PCH directory in a compile box."""
    return Mount(str(directory), PCH_BOX_DIR)


def keep(outcome: Outcome, artifact: str, wall_limit_ms: int) -> bool:
    """Whether a compile with the PCH stands: it ended ``OK`` without a message and left its
    artifact; or it timed out (the PCH only saves work: a plain compile would time out too);
    or it took over half the wall limit (compiling again could take the judge twice its
    bound: then its messages stand, whose include chains may end differently)."""
    if outcome.status is Status.TLE or outcome.wall_time * 1000 > wall_limit_ms / 2:
        return True
    return (outcome.status is Status.OK and not outcome.stdout and not outcome.stderr
            and artifact in outcome.files)


# --- building ----------------------------------------------------------------------------

def probe(language: Language, directory: Path, extra: tuple[str, ...] = ()) -> list[str]:
    """Compile ``#include <header>`` with the language's compile command, its PCH's ``use``,
    ``-H -Winvalid-pch`` and ``extra``, in a box that sees ``directory`` at ``/pch``; return
    g++'s lines about PCH files (``! /pch/<header>.gch``: used; ``x ...``: found, invalid)."""
    pch = spec(language)
    assert pch is not None and language.compile is not None
    source = f"#include <{pch.header}>\nint main() {{ return 0; }}\n".encode()
    values = language.values(source)
    step = with_pch(language, language.compile)
    at = step.index("{source}") if "{source}" in step else len(step)
    step = step[:at] + ("-H", "-Winvalid-pch") + tuple(e.replace("{", "{{").replace("}", "}}")
                                                      for e in extra) + step[at:]
    outcome = run(SandboxSpec(language.argv(step, values, 1024), _PROBE_LIMITS,
                              template=language.template, files=((values["source"], source),),
                              mounts=(mount(directory),)))
    if outcome.status is Status.SE:
        raise SandboxError(f"{language.id}: the PCH probe box failed: {outcome.message}")
    text = outcome.stderr.decode("utf-8", "replace")
    return [line.strip() for line in text.splitlines() if ".gch" in line]


def _used(lines: list[str], pch: PchSpec) -> bool:
    return f"! {PCH_BOX_DIR}/{pch.header}.gch" in lines


def build_missing(cache_dir: Path, languages: list[Language], background: bool = True
                  ) -> subprocess.Popen | None:
    """Find the toolchain ids of ``languages`` (the pool's processes inherit them) and build
    the PCHs not built yet: by a process of their own (``background``: the worker consumes
    meanwhile, with plain compiles; returned) or here. A missing toolchain is skipped (the
    self-test disables its language)."""
    missing = []
    for language in languages:
        try:
            toolchain_id(language)
            if spec(language) is not None and lookup(language) is None:
                missing.append(language)
        except (ToolchainUnknown, LanguageError, OSError):
            pass
    if not missing:
        return None
    if not background:
        build_all(missing)
        return None
    log.info("building the PCHs of %s in the background", ", ".join(m.id for m in missing))
    package_parent = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    return subprocess.Popen([sys.executable, "-m", "worker.core.pch", str(cache_dir),
                             *(m.id for m in missing)], env=env, stdin=subprocess.DEVNULL)


def _main(argv: list[str]) -> int:
    """``python -m worker.core.pch CACHE_DIR ID...``: build those languages' PCHs (what
    :func:`build_missing` starts)."""
    from .languages import get_language

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                        "%(message)s")
    configure(Path(argv[0]))
    built = build_all([get_language(i) for i in argv[1:]])
    return 0 if all(built.values()) else 1


def build_all(languages: list[Language]) -> dict[str, Path | None]:
    """Build (or find) the PCH of each language that has a ``[pch]`` table; by id."""
    built = {}
    for language in languages:
        try:
            if spec(language) is None:
                continue
        except LanguageError as exc:
            log.warning("no PCH for %s: %s", language.id, exc)
            continue
        built[language.id] = build(language)
    return built


def build(language: Language, force: bool = False) -> Path | None:
    """The language's PCH, built now unless it is ready (or failed before, unless ``force``);
    ``None`` when there is none. Waits for another process building the same language's."""
    try:
        pch = spec(language)
        root = _root(create=True)
        if pch is None or root is None:
            return None
        key = _key(language, pch)
    except (LanguageError, ToolchainUnknown, OSError) as exc:
        log.warning("no PCH for %s: %s", language.id, exc)
        return None
    name = _name(language, key)
    try:
        lock = os.open(root / f".lock-{language.id}", os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW
                       | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        log.warning("no PCH for %s: %s", language.id, exc)
        return None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        meta = _read_meta(root / f"{name}.json")
        if not force and meta is not None and meta.get("key") == key and (
                not meta.get("ok") or _verified_dir(root, name, meta, pch.header)):
            return lookup(language)
        _clean(root, language, keep_name=None)
        return _build_locked(language, pch, root, key, name)
    except OSError as exc:
        log.warning("the PCH of %s could not be built (%s): plain compiles", language.id, exc)
        return None
    finally:
        os.close(lock)


def _clean(root: Path, language: Language, keep_name: str | None) -> None:
    """Remove this language's other PCHs (older toolchains) and half-built ones."""
    ours = re.compile(rf"^(\.tmp-)?{re.escape(language.id)}-[0-9a-f]{{16,32}}(\.json)?$")
    for item in root.iterdir():
        if item.name.removesuffix(".json") == keep_name:
            continue
        if ours.match(item.name):
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item, ignore_errors=True)
            else:
                item.unlink(missing_ok=True)


def _build_locked(language: Language, pch: PchSpec, root: Path, key: str, name: str
                  ) -> Path | None:
    started = time.monotonic()
    tmp = root / f".tmp-{language.id}-{secrets.token_hex(8)}"
    try:
        gch = _build_box(language, pch)
        if isinstance(gch, str):
            return _failed(root, name, key, gch)
        target = tmp / f"{pch.header}.gch"
        for part in [tmp, *[tmp / p for p in reversed(Path(pch.header).parents)
                            if str(p) != "."]]:
            os.mkdir(part)
            os.chmod(part, 0o755)  # the box's own uid reads it (whatever the umask)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                     | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(gch)
            os.fsync(f.fileno())
        os.chmod(target, 0o644)
        lines = probe(language, tmp)
        if not _used(lines, pch):
            return _failed(root, name, key, "the compile command does not use it: "
                           + ("; ".join(lines)[:300] or "g++ did not look for it"))
        os.rename(tmp, root / name)
        _write_meta(root / f"{name}.json", {
            "format": PCH_FORMAT, "key": key, "ok": True, "size": len(gch),
            "sha256": hashlib.sha256(gch).hexdigest(), "language": language.id,
            "header": pch.header, "built_s": round(time.monotonic() - started, 3)})
    except (OSError, SandboxError) as exc:
        log.warning("the PCH of %s could not be built (%s): plain compiles", language.id, exc)
        return None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    log.info("PCH of %s: %s.gch, %.1f MB, built in %.1f s", language.id, pch.header,
             len(gch) / 1e6, time.monotonic() - started)
    return lookup(language)


def _build_box(language: Language, pch: PchSpec) -> bytes | str:
    """The ``.gch`` the build box produced, or why it failed (``SandboxError`` for SE)."""
    source = f"#include <{pch.header}>\n".encode()
    values = {"source": _BUILD_SOURCE, "output": _BUILD_OUTPUT}
    outcome = run(SandboxSpec(language.argv(pch.build, values, 1024), _BUILD_LIMITS,
                              template=language.template, files=((_BUILD_SOURCE, source),),
                              collect=(_BUILD_OUTPUT,),
                              collect_max_kib=_BUILD_LIMITS.output_kib))
    if outcome.status is Status.SE:
        raise SandboxError(f"the PCH build box failed: {outcome.message}")
    if outcome.status is not Status.OK:
        first = (outcome.stderr or outcome.stdout).decode("utf-8", "replace").strip()
        return f"build {outcome.status.value}: {first.splitlines()[0][:200] if first else ''}"
    gch = outcome.files.get(_BUILD_OUTPUT)
    return gch if gch else "the build left no .gch"


def _failed(root: Path, name: str, key: str, reason: str) -> None:
    log.warning("no PCH for %s: %s", name, reason)
    _write_meta(root / f"{name}.json", {"format": PCH_FORMAT, "key": key, "ok": False,
                                        "reason": reason})
    return None


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))

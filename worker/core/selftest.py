"""The languages' self-test: each one reads its version, compiles its hello-world program and runs
it on a line of input, all in the sandbox. A language whose toolchain is missing or broken is
disabled, with the reason; nothing is ever silently wrong.

Results are cached, per process and in a file (``<CACHE_DIR>/languages.json``: a worker's
configured ``CACHE_DIR``, see :func:`configure`; else ``$JUDGEBOX_CACHE_DIR``, default
``/var/cache/judgebox``), keyed by a fingerprint of the language's file, of every host path its
box sees (inode, size, modification time) and of judgebox's own sandbox and worker code:
installing, upgrading or removing a toolchain, or a new judgebox, tests the language again. A self-test that failed because the
sandbox itself failed (``SE``) is reported but never cached. An unwritable cache directory only
costs the file cache.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from sandbox import Limits, SandboxError, SandboxSpec, Status, load_template, run

from .compile import CompileSystemError, compile_program, run_program
from .languages import Language, all_languages, get_language
from .toolchain import ToolchainUnknown, code_fingerprint, host_fingerprint

__all__ = ["LanguageStatus", "check_language", "language_status", "language_statuses",
           "cache_path"]

# Bump when the test itself changes, so cached verdicts of an older test are not trusted.
SELFTEST_FORMAT = 1
SELFTEST_INPUT = "judgebox self-test\n1 2 3\n"
SELFTEST_EXPECTED = "hello world\n" + SELFTEST_INPUT
_RUN_LIMITS = Limits(cpu_time_ms=5_000, wall_time_ms=10_000, memory_kib=512 * 1024)
_VERSION_LIMITS = Limits(cpu_time_ms=10_000, wall_time_ms=20_000, memory_kib=1024 * 1024)

_memo: dict[tuple[str, str], "LanguageStatus"] = {}


@dataclass(frozen=True)
class LanguageStatus:
    """A language as ``judgebox languages`` lists it: enabled or not, and why not."""

    id: str
    name: str
    version: str
    enabled: bool
    reason: str = ""
    transient: bool = False  # the sandbox failed, not the toolchain: never cached

    def to_json(self) -> dict[str, object]:
        """The ``judgebox languages --json`` object, exactly as DESIGN.md specifies it."""
        return {"id": self.id, "name": self.name, "version": self.version,
                "enabled": self.enabled}


_cache_dir: list[Path] = []


def configure(cache_dir: Path) -> None:
    """Keep this process's file cache of results in ``cache_dir`` (a worker's ``CACHE_DIR``,
    as its compile cache and precompiled headers)."""
    _cache_dir[:] = [cache_dir]


def cache_path() -> Path:
    """The file cache of self-test results."""
    directory = _cache_dir[0] if _cache_dir else \
        Path(os.environ.get("JUDGEBOX_CACHE_DIR", "/var/cache/judgebox"))
    return directory / "languages.json"


def _fingerprint(lang: Language) -> str:
    """judgebox's code, the language's file and the host paths its box binds."""
    try:
        host = host_fingerprint(lang)
    except ToolchainUnknown as exc:  # a broken template: its self-test says so
        host = f"unknown: {exc}"
    code = code_fingerprint(f"selftest {SELFTEST_FORMAT}", ("selftest.py",))
    return hashlib.sha256(f"{code}\n{host}".encode()).hexdigest()


def _first_line(data: bytes | str, limit: int = 200) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return (lines[0] if lines else "")[:limit]


class _SandboxFailed(Exception):
    """A box of the self-test ended in SE: judgebox's failure, not the language's."""


class _Broken(Exception):
    """The toolchain failed its self-test: the reason the language is disabled."""


def _missing_paths(lang: Language) -> list[str]:
    return [m.source for m in load_template(lang.template).mounts
            if not m.optional and not os.path.lexists(m.source)]


def _version(lang: Language) -> str:
    outcome = run(SandboxSpec(lang.argv(lang.version, {}, 1024), _VERSION_LIMITS,
                              template=lang.template))
    text = (outcome.stdout + outcome.stderr).decode("utf-8", "replace")
    if outcome.status is Status.SE:
        raise _SandboxFailed(f"version command SE: {outcome.message}")
    if outcome.status is not Status.OK:
        raise _Broken(f"version command {outcome.status.value}: {_first_line(text)}")
    if lang.version_pattern:
        found = re.search(lang.version_pattern, text)
        if not found:
            raise _Broken(f"version not found in {_first_line(text)!r}")
        return " ".join(g for g in found.groups() if g) or found.group(0)
    return _first_line(text)


def _selftest_source(lang: Language, workdir: Path) -> bytes:
    """The self-test's source; for a language whose sources are another's builds (an
    executable), that language's build of it."""
    if lang.selftest_via is None:
        return lang.selftest.encode()
    via = compile_program(get_language(lang.selftest_via), lang.selftest.encode(), workdir,
                          cache=False)
    if not via.ok or via.artifact is None:
        raise _Broken(f"self-test: its {lang.selftest_via} build failed: {via.error}")
    return via.artifact.read_bytes()


def _hello(lang: Language) -> None:
    """Compile the self-test program and run it on two lines of input."""
    with tempfile.TemporaryDirectory(prefix="judgebox-selftest-") as tmp:
        (Path(tmp) / "via").mkdir()
        source = _selftest_source(lang, Path(tmp) / "via")
        program = compile_program(lang, source, Path(tmp), cache=False)
        if not program.ok:
            raise _Broken(f"self-test CE: {program.error}: {_first_line(program.output)}")
        stdin = Path(tmp) / "selftest.in"
        stdin.write_text(lang.selftest_input or SELFTEST_INPUT)
        outcome = run_program(program, _RUN_LIMITS, str(stdin))
    if outcome.status is Status.SE:
        raise _SandboxFailed(f"self-test SE: {outcome.message}")
    if outcome.status is not Status.OK:
        raise _Broken(f"self-test {outcome.status.value}: {outcome.message or ''}"
                      f"{_first_line(outcome.stderr)}")
    if outcome.stdout.decode("utf-8", "replace") != SELFTEST_EXPECTED:
        raise _Broken(f"self-test printed {outcome.stdout[:80]!r}")


def check_language(lang: Language) -> LanguageStatus:
    """Run the self-test of one language now (no cache)."""
    version = ""
    try:
        missing = _missing_paths(lang)
        if missing:
            raise _Broken(f"toolchain not installed: no {', '.join(missing)}")
        version = _version(lang)
        _hello(lang)
    except _Broken as exc:
        return LanguageStatus(lang.id, lang.name, version, False, str(exc))
    except (SandboxError, CompileSystemError, _SandboxFailed, OSError) as exc:
        return LanguageStatus(lang.id, lang.name, version, False, f"sandbox failed: {exc}",
                              transient=True)
    return LanguageStatus(lang.id, lang.name, version, True)


def _read_cache() -> dict:
    try:
        data = json.loads(cache_path().read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_cache(entries: dict) -> None:
    path = cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False,
                                         prefix=".languages-") as f:
            json.dump(entries, f, indent=1, sort_keys=True)
        os.chmod(f.name, 0o644)
        os.replace(f.name, path)
    except OSError:
        pass  # no file cache on this host: every process tests again


def _check_by_id(lang_id: str) -> LanguageStatus:
    return check_language(get_language(lang_id))


def language_statuses(refresh: bool = False, ids: list[str] | None = None,
                      jobs: int | None = None) -> list[LanguageStatus]:
    """Every language's status (or those in ``ids``), self-testing those not cached.

    ``refresh`` ignores the caches. Stale languages are tested ``jobs`` at a time (default:
    the number of CPUs), each in a process of its own.
    """
    langs = [get_language(i) for i in ids] if ids is not None else all_languages()
    stored = {} if refresh else _read_cache()
    results: dict[str, LanguageStatus] = {}
    stale: list[tuple[Language, str]] = []
    keys = {lang.id: _fingerprint(lang) for lang in langs}
    for lang in langs:
        key = keys[lang.id]
        entry = stored.get(lang.id)
        if not refresh and (lang.id, key) in _memo:
            results[lang.id] = _memo[(lang.id, key)]
        elif entry and entry.get("key") == key:
            results[lang.id] = LanguageStatus(**entry["status"])
        else:
            stale.append((lang, key))
    if stale:
        jobs = max(1, min(jobs or os.cpu_count() or 1, len(stale)))
        if jobs == 1:
            fresh = [check_language(lang) for lang, _ in stale]
        else:
            with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as ex:
                fresh = list(ex.map(_check_by_id, [lang.id for lang, _ in stale]))
        stored = _read_cache()  # another process may have written meanwhile
        for (lang, key), status in zip(stale, fresh):
            results[lang.id] = status
            if not status.transient:
                stored[lang.id] = {"key": key, "status": asdict(status)}
        _write_cache(stored)
    for lang in langs:
        if not results[lang.id].transient:
            _memo[(lang.id, keys[lang.id])] = results[lang.id]
    return [results[lang.id] for lang in langs]


def language_status(lang_id: str) -> LanguageStatus:
    """One language's status (self-tested now only if not cached)."""
    return language_statuses(ids=[lang_id], jobs=1)[0]

"""The compile cache (``worker.core.compile_cache``): a hit gives the same program and verdict
without running the compiler (this process's ``counters.compiler_runs`` counts compile boxes), the
key follows the source, the options, the limits and the toolchain, damaged entries are compiled
again, concurrent writers leave only whole entries, and the directory stays under its cap."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from pathlib import Path

import pytest

from sandbox import Outcome, Status
from worker.core import compile_cache
from worker.core.compile import CompileLimits, compile_program
from worker.core.compile_cache import CacheEntry, CompileCache, cacheable, counters, private_dir
from worker.core.judging import JudgeOptions, judge
from worker.core.languages import get_language
from worker.core.problem import load_problem
from worker.service.pipeline import language_with_options

pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
              pytest.mark.usefixtures("clean_host"), pytest.mark.timeout(120)]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LIMITS = CompileLimits(cpu_time_ms=10_000, wall_time_ms=20_000)
C_OK = b'#include <stdio.h>\nint main(void) { puts("cached"); return 0; }\n'
C_CE = b"int main(void) { return x; }\n"


@pytest.fixture
def store(tmp_path) -> CompileCache:
    """A cache of this test's own, 64 MiB."""
    root = tmp_path / "cache"
    root.mkdir(mode=0o700)
    directory = private_dir(root / "compile")
    assert directory is not None
    return CompileCache(directory, 64 * 1024 * 1024)


def _compile(store, source: bytes, tmp_path: Path, lang_id: str = "c", **kw):
    out = tmp_path / f"out-{len(list(tmp_path.iterdir()))}"
    out.mkdir()
    language = kw.pop("language", None) or get_language(lang_id)
    return compile_program(language, source, out, kw.pop("limits", LIMITS), cache=store, **kw)


def test_a_hit_is_the_same_program_without_the_compiler(store, tmp_path):
    first = _compile(store, C_OK, tmp_path)
    runs = counters.compiler_runs
    second = _compile(store, C_OK, tmp_path)
    assert counters.compiler_runs == runs  # no box, no compiler
    assert not first.cached and second.cached
    assert second.ok and second.artifact.read_bytes() == first.artifact.read_bytes()
    assert os.access(second.artifact, os.X_OK)
    assert (second.output, second.values, second.artifact_name) == \
        (first.output, first.values, first.artifact_name)
    assert second.outcome.status is Status.OK and second.outcome.time == first.outcome.time


def test_a_compilation_error_is_kept_with_its_message(store, tmp_path):
    first = _compile(store, C_CE, tmp_path)
    runs = counters.compiler_runs
    second = _compile(store, C_CE, tmp_path)
    assert counters.compiler_runs == runs and second.cached
    assert not second.ok and second.report() == first.report()
    assert "main.c:1:" in second.report() and second.outcome.status is Status.RE


def test_interpreted_languages_keep_their_syntax_check(store, tmp_path):
    _compile(store, b"print('hi')\n", tmp_path, "python3")
    second = _compile(store, b"print('hi')\n", tmp_path, "python3")
    assert second.cached and second.ok and second.artifact.read_bytes() == b"print('hi')\n"


def test_a_judgement_from_the_cache_is_the_same(tmp_path):
    """Through the judge: the same verdict, tests and compile output, one compile."""
    root = tmp_path / "cache"
    root.mkdir(mode=0o700)
    saved = dict(compile_cache._configured)
    compile_cache.configure(root, 64)
    try:
        problem = load_problem(EXAMPLES / "aplusb")
        source = (EXAMPLES / "aplusb/submissions/accepted/sum.c").read_bytes()
        runs = counters.compiler_runs
        options = JudgeOptions(time_limit=2.0, compile_limits=LIMITS)
        first = judge(problem, source, get_language("c"), options)
        middle = counters.compiler_runs
        second = judge(problem, source, get_language("c"), options)
        assert middle > runs and counters.compiler_runs == middle
        assert first.verdict == second.verdict == "AC"
        assert [(t.name, t.verdict) for t in first.tests] == \
            [(t.name, t.verdict) for t in second.tests]
        assert first.compile_output == second.compile_output
    finally:
        compile_cache._configured.clear()
        compile_cache._configured.update(saved)


def test_the_key_follows_source_options_limits_and_toolchain(store, tmp_path, monkeypatch):
    from sandbox import load_template

    c = get_language("c")

    def key(language=c, source=C_OK, limits=LIMITS):
        step = language.compile
        return store.key(language, step, language.values(source), source,
                         dataclasses.asdict(limits))

    base = key()
    assert base == key() and len(base) == 64
    assert key(source=C_OK + b"\n") != base
    assert key(language=language_with_options(c, "-O0", None)) != base
    assert key(limits=dataclasses.replace(LIMITS, memory_kib=512 * 1024)) != base
    # the toolchain: the language's file...
    copy = tmp_path / "c.toml"
    copy.write_text(c.path.read_text() + "\n# another build\n")
    assert key(language=dataclasses.replace(c, path=copy)) != base
    # ... and the host files its box binds: one of them "upgraded"
    marker = tmp_path / "toolchain-file"
    marker.write_text("1")
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "c.toml").write_text(c.path.read_text().replace(
        "optional_paths = [", f'optional_paths = ["{marker}", ', 1))
    monkeypatch.setenv("JUDGEBOX_TEMPLATES", str(folder))
    load_template.cache_clear()
    try:
        same_file = dataclasses.replace(c, path=folder / "c.toml")
        before = key(language=same_file)
        os.utime(marker, ns=(1, 1))
        assert key(language=same_file) != before
    finally:
        monkeypatch.delenv("JUDGEBOX_TEMPLATES")
        load_template.cache_clear()


def test_a_damaged_entry_is_compiled_again(store, tmp_path):
    first = _compile(store, C_OK, tmp_path)
    (entry,) = store.directory.glob("*.entry")
    data = bytearray(entry.read_bytes())
    data[-100] ^= 0xFF  # one bit of the artifact
    entry.write_bytes(bytes(data))
    runs, corrupt = counters.compiler_runs, counters.corrupt
    again = _compile(store, C_OK, tmp_path)
    assert not again.cached and counters.compiler_runs == runs + 1
    assert counters.corrupt == corrupt + 1
    assert again.artifact.read_bytes() == first.artifact.read_bytes()
    third = _compile(store, C_OK, tmp_path)  # stored again, whole
    assert third.cached and third.artifact.read_bytes() == first.artifact.read_bytes()


@pytest.mark.parametrize("damage", ["truncated", "other key", "symlink", "group-readable"])
def test_entries_not_trusted_blindly(store, tmp_path, damage):
    _compile(store, C_OK, tmp_path)
    (entry,) = store.directory.glob("*.entry")
    if damage == "truncated":
        entry.write_bytes(entry.read_bytes()[:500])
    elif damage == "other key":  # a whole entry, but of another key
        data = entry.read_bytes()
        entry.write_bytes(data.replace(f'"key":"{entry.stem}"'.encode(),
                                       f'"key":"{"e" * 64}"'.encode(), 1))
    elif damage == "symlink":
        target = tmp_path / "planted"
        target.write_bytes(entry.read_bytes())
        entry.unlink()
        os.symlink(target, entry)
    else:
        os.chmod(entry, 0o640)
    runs = counters.compiler_runs
    again = _compile(store, C_OK, tmp_path)
    assert not again.cached and again.ok and counters.compiler_runs == runs + 1


def _writer(args: tuple[str, int, int]) -> int:
    directory, seed, rounds = args
    store = CompileCache(Path(directory), 1 << 30)
    damaged = 0
    for i in range(rounds):
        key = f"{(seed + i) % 5:064x}"
        payload = bytes([seed % 256]) * (50_000 + 1000 * seed)
        store.put(key, CacheEntry(True, f"w{seed}", "", payload, "main", {"source": "main.c"},
                                  Outcome(Status.OK)))
        before = counters.corrupt
        got = store.get(f"{(seed + i + 1) % 5:064x}")
        damaged += counters.corrupt - before
        if got is not None:
            assert got.artifact == bytes([got.artifact[0]]) * len(got.artifact)
            assert got.output == f"w{got.artifact[0]}"
    return damaged


def test_concurrent_writers_leave_whole_entries(store):
    jobs = [(str(store.directory), seed, 200) for seed in range(4)]
    with multiprocessing.get_context("fork").Pool(4) as pool:
        damaged = pool.map(_writer, jobs)
    assert damaged == [0, 0, 0, 0]  # a reader never saw half an entry
    names = sorted(p.name for p in store.directory.iterdir())
    assert [n for n in names if n.startswith(".tmp-")] == []
    entries = [n for n in names if n.endswith(".entry")]
    assert len(entries) == 5
    for name in entries:
        assert store.get(name.removesuffix(".entry")) is not None


def test_the_cache_stays_under_its_cap_least_recently_used_first(tmp_path):
    root = tmp_path / "cache"
    root.mkdir(mode=0o700)
    store = CompileCache(private_dir(root / "compile"), 1_000_000)

    def put(i: int) -> None:
        store.put(f"{i:064x}", CacheEntry(True, "", "", b"x" * 100_000, "main", {}, None))
        os.utime(store.directory / f"{i:064x}.entry", ns=(i * 10**9, i * 10**9))

    for i in range(1, 9):
        put(i)
    store.get(f"{1:064x}")  # used: now the most recent
    for i in range(9, 13):
        put(i)
    sizes = sum(p.stat().st_size for p in store.directory.glob("*.entry"))
    assert sizes <= 1_000_000
    assert store.get(f"{1:064x}") is not None
    assert store.get(f"{2:064x}") is None and store.get(f"{12:064x}") is not None


def test_a_directory_others_can_read_is_not_used(tmp_path):
    root = tmp_path / "cache"
    root.mkdir(mode=0o700)
    (root / "compile").mkdir(mode=0o755)
    os.chmod(root / "compile", 0o755)
    assert private_dir(root / "compile") is None
    saved = dict(compile_cache._configured)
    try:
        compile_cache.configure(root, 64)
        assert compile_cache.default_cache() is None
        compile_cache.configure(tmp_path / "elsewhere", 0)  # 0 MB: off
        assert compile_cache.default_cache() is None
    finally:
        compile_cache._configured.clear()
        compile_cache._configured.update(saved)


def test_only_results_that_do_not_depend_on_load_are_kept():
    assert cacheable(Outcome(Status.OK, exit_code=0))
    assert cacheable(Outcome(Status.RE, exit_code=1))
    assert not cacheable(Outcome(Status.TLE, killed_by="wall-time"))
    assert not cacheable(Outcome(Status.MLE, oom_killed=True, signal=9))
    assert not cacheable(Outcome(Status.OLE, killed_by="output"))
    assert not cacheable(Outcome(Status.RE, signal=11))

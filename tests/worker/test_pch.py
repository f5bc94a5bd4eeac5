"""Precompiled headers (``worker.core.pch``): the ``<bits/stdc++.h>`` PCH of C++17 is built in a
box and g++ really uses it (its own ``-H`` report says so: ``!`` before the ``.gch`` it read); a
compile with it produces the very binary and messages of a plain compile; flags that do not
match, a damaged ``.gch`` or a failed build fall back to plain compiles, never to CE."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest

from sandbox import Limits, Status
from worker.core import compile_cache, pch, selftest
from worker.core.compile import CompileLimits, compile_program, run_program
from worker.core.compile_cache import counters
from worker.core.languages import get_language
from worker.service import lifecycle
from worker.service.pipeline import language_with_options

pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
              pytest.mark.usefixtures("clean_host"), pytest.mark.timeout(180)]

LIMITS = CompileLimits(cpu_time_ms=20_000, wall_time_ms=30_000)
USED = "! /pch/bits/stdc++.h.gch"
INVALID = "x /pch/bits/stdc++.h.gch"

CONTEST = b"""#include <bits/stdc++.h>
using namespace std;
int main() {
    int n; cin >> n;
    vector<long long> v(n);
    for (auto &x : v) cin >> x;
    sort(v.begin(), v.end());
    map<long long, int> seen;
    for (auto x : v) seen[x]++;
    cout << v.back() - v.front() << ' ' << seen.size() << '\\n';
}
"""
# An error inside the library: g++'s include chain names main.cpp only in a plain compile.
LIBRARY_ERROR = b"""#include <bits/stdc++.h>
struct P { int x; };
int main() { std::vector<P> v(3); std::sort(v.begin(), v.end()); }
"""
NO_HEADER = b"""#include <cstdio>
int main() { long long a, b; if (scanf("%lld %lld", &a, &b) == 2) printf("%lld\\n", a + b); }
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A cache dir of this module's own with the C++17 PCH built in it (once)."""
    root = tmp_path_factory.mktemp("pch-cache")
    os.chmod(root, 0o700)
    saved = list(pch._root_configured)
    pch.configure(root)
    directory = pch.build(get_language("cpp17"))
    yield root, directory
    pch._root_configured[:] = saved


@pytest.fixture
def uses(built):
    """The module's PCH in force for one test (other tests may have pointed elsewhere)."""
    pch.configure(built[0])
    return built[1]


def _compile(tmp_path: Path, source: bytes, name: str, lang_id: str = "cpp17", **kwargs):
    out = tmp_path / name
    out.mkdir()
    language = kwargs.pop("language", None) or get_language(lang_id)
    return compile_program(language, source, out, LIMITS, cache=False, **kwargs)


def test_the_pch_is_built_in_a_box_and_used_by_the_compile_command(uses):
    assert uses is not None, "the PCH of cpp17 was not built"
    gch = uses / "bits" / "stdc++.h.gch"
    assert gch.is_file() and gch.stat().st_size > 1_000_000
    meta = json.loads((uses.parent / f"{uses.name}.json").read_text())
    assert meta["ok"] and meta["size"] == gch.stat().st_size
    # g++'s own report (-H): "!" is a PCH it opened and used instead of the header
    assert USED in pch.probe(get_language("cpp17"), uses)


def test_a_compile_with_the_pch_is_a_plain_compile_faster(uses, tmp_path, stdin_file):
    before = dataclasses.replace(counters)
    fast = _compile(tmp_path, CONTEST, "pch")
    assert counters.pch_compiles == before.pch_compiles + 1
    assert counters.pch_reruns == before.pch_reruns
    plain = _compile(tmp_path, CONTEST, "plain", pch=False)
    assert fast.ok and plain.ok and fast.output == plain.output == ""
    assert fast.artifact.read_bytes() == plain.artifact.read_bytes()
    outcome = run_program(fast, Limits(cpu_time_ms=2_000), stdin_file("4\n5 1 9 5\n"))
    assert outcome.status is Status.OK and outcome.stdout == b"8 3\n"


def test_a_program_without_the_header_compiles_as_before(uses, tmp_path):
    with_pch = _compile(tmp_path, NO_HEADER, "pch")
    plain = _compile(tmp_path, NO_HEADER, "plain", pch=False)
    assert with_pch.ok and with_pch.output == plain.output == ""
    assert with_pch.artifact.read_bytes() == plain.artifact.read_bytes()


def test_flags_that_do_not_match_fall_back_to_the_header(uses, tmp_path):
    cpp17 = get_language("cpp17")
    # g++ finds the .gch, finds it invalid for these flags ("x"), and reads the header
    lines = pch.probe(cpp17, uses, ("-std=gnu++14",))
    assert INVALID in lines and USED not in lines
    lines = pch.probe(cpp17, uses, ("-O0",))
    assert INVALID in lines and USED not in lines
    gnu14 = language_with_options(cpp17, "-std=gnu++14", None)
    program = _compile(tmp_path, CONTEST, "gnu14", language=gnu14)
    assert program.ok and program.output == ""
    # a macro the header reads, defined differently first, makes g++ refuse the PCH too
    debug = b"#define _GLIBCXX_DEBUG 1\n" + CONTEST
    program = _compile(tmp_path, debug, "debug")
    plain = _compile(tmp_path, debug, "debug-plain", pch=False)
    assert program.ok and program.artifact.read_bytes() == plain.artifact.read_bytes()


def test_messages_are_those_of_a_plain_compile(uses, tmp_path):
    before = dataclasses.replace(counters)
    program = _compile(tmp_path, LIBRARY_ERROR, "pch")
    plain = _compile(tmp_path, LIBRARY_ERROR, "plain", pch=False)
    assert counters.pch_reruns == before.pch_reruns + 1  # done again without the PCH
    assert not program.ok and program.report() == plain.report()
    assert "from main.cpp:1:" in program.output
    assert ".gch" not in program.output and "/pch" not in program.output
    # asking g++ to talk about PCHs shows nothing of ours either
    chatty = language_with_options(get_language("cpp17"), "-Winvalid-pch -std=gnu++14", None)
    program = _compile(tmp_path, CONTEST, "chatty", language=chatty)
    assert program.ok and program.output == ""


def _copy_of(built, tmp_path: Path) -> Path:
    root = tmp_path / "cache"
    root.mkdir(mode=0o700)
    shutil.copytree(built[0] / "pch", root / "pch", symlinks=True)
    pch.configure(root)
    return root / "pch" / built[1].name


def test_a_damaged_pch_is_not_used(built, tmp_path):
    directory = _copy_of(built, tmp_path)
    gch = directory / "bits" / "stdc++.h.gch"
    with open(gch, "r+b") as f:  # same size, other bytes: the checksum tells
        f.seek(gch.stat().st_size // 2)
        f.write(b"\xff" * 4096)
    cpp17 = get_language("cpp17")
    assert pch.lookup(cpp17) is None
    before = dataclasses.replace(counters)
    program = _compile(tmp_path, CONTEST, "out")
    assert program.ok and program.output == ""
    assert counters.pch_compiles == before.pch_compiles


def test_a_pch_that_breaks_g_plus_plus_never_makes_a_ce(built, tmp_path):
    """Damage the checksum cannot see (recorded after the damage): the compile with it fails,
    and the plain compile done instead decides."""
    directory = _copy_of(built, tmp_path)
    gch = directory / "bits" / "stdc++.h.gch"
    with open(gch, "r+b") as f:
        f.truncate(gch.stat().st_size // 3)
    meta_path = directory.parent / f"{directory.name}.json"
    meta = json.loads(meta_path.read_text())
    meta |= {"size": gch.stat().st_size, "sha256": pch._sha256_file(gch)}
    meta_path.write_text(json.dumps(meta))
    assert pch.lookup(get_language("cpp17")) == directory
    before = dataclasses.replace(counters)
    program = _compile(tmp_path, CONTEST, "out")
    assert counters.pch_reruns == before.pch_reruns + 1
    assert program.ok and program.output == ""


def _language_with_pch_table(tmp_path: Path, old: str, new: str):
    cpp17 = get_language("cpp17")
    text = cpp17.path.read_text()
    assert old in text
    path = tmp_path / "cpp17.toml"
    path.write_text(text.replace(old, new))
    return dataclasses.replace(cpp17, path=path)


@pytest.mark.parametrize("old, new, reason", [
    ('header = "bits/stdc++.h"', 'header = "bits/no-such-header.h"', "build RE"),
    ('"-std=gnu++17", "-O2", "-pipe", "-DONLINE_JUDGE", "-x"',
     '"-std=gnu++17", "-O0", "-pipe", "-DONLINE_JUDGE", "-x"', "does not use it"),
])
def test_a_failed_build_is_recorded_and_compiles_stay_plain(tmp_path, old, new, reason):
    language = _language_with_pch_table(tmp_path, old, new)
    root = tmp_path / "cache"
    root.mkdir(mode=0o700)
    saved = list(pch._root_configured)
    pch.configure(root)
    try:
        assert pch.build(language) is None
        metas = list((root / "pch").glob("cpp17-*.json"))
        assert len(metas) == 1
        meta = json.loads(metas[0].read_text())
        assert not meta["ok"] and reason in meta["reason"]
        stamp = metas[0].stat().st_mtime_ns
        assert pch.build(language) is None and metas[0].stat().st_mtime_ns == stamp  # not again
        assert pch.lookup(language) is None
        program = _compile(tmp_path, CONTEST, "out", language=language)
        assert program.ok and program.output == ""
    finally:
        pch._root_configured[:] = saved


def test_no_pch_for_languages_without_a_table():
    assert pch.spec(get_language("c")) is None
    assert pch.spec(get_language("cpp20")).header == "bits/stdc++.h"



@pytest.mark.parametrize("lang_id", ["cpp17", "cpp20"])
def test_build_flags_are_those_of_the_compile_command(lang_id):
    """The probe at build time would catch a drift; this catches it before any build."""
    language = get_language(lang_id)
    table = pch.spec(language)
    build = [a for a in table.build if a not in ("-x", "c++-header", "-o", "{output}",
                                                  "{source}")]
    assert build and all(a in language.compile for a in build)
    link_only = {"-static", "-o", "main", "{source}", "-lm"}
    assert set(language.compile) - set(build) <= link_only


def test_a_worker_start_finds_the_built_pch_and_sets_up_the_cache(built):
    root, directory = built
    saved = dict(compile_cache._configured)
    saved_selftest = list(selftest._cache_dir)
    try:
        started = lifecycle.prepare_worker({"CACHE_DIR": str(root),
                                            "WORKER_LANGUAGES": "cpp17,c",
                                            "COMPILE_CACHE_MB": 16})
        assert started is None  # nothing to build: it is there
        assert pch.lookup(get_language("cpp17")) == directory
        cache = compile_cache.default_cache()
        assert cache.directory == root / "compile" and cache.max_bytes == 16 * 1024 * 1024
        # the languages' self-test results too: the worker's CACHE_DIR, not the environment's
        assert Path(os.environ["JUDGEBOX_CACHE_DIR"]) != root
        assert selftest.cache_path() == root / "languages.json"
    finally:
        compile_cache._configured.clear()
        compile_cache._configured.update(saved)
        selftest._cache_dir[:] = saved_selftest

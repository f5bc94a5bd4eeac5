"""Fixtures of the worker tests: the languages' self-test and their test programs compiled once
per session (the leftover checks, ``clean_host``, come from ``tests/conftest.py``)."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pytest

from language_kit import CASES, NOT_APPLICABLE, applicable, program_path
from worker.core.compile import CompileLimits, Program, compile_program
from worker.core.languages import get_language


def pytest_collection_modifyitems(items):
    """Tests that use the languages' self-test or their compiled programs are timed on their
    own work only: those session fixtures (48 languages self-tested, each language's programs
    compiled) take what the machine needs, minutes on a loaded 2-core one, and are bounded by
    the limits of each box they run, not by the first test that asks for them."""
    for item in items:
        if {"statuses", "compiled"} & set(getattr(item, "fixturenames", ())):
            marker = item.get_closest_marker("timeout")
            seconds = marker.args[0] if marker and marker.args else \
                float(item.config.getini("timeout") or 0)
            item.add_marker(pytest.mark.timeout(seconds, func_only=True))


@pytest.fixture(scope="session", autouse=True)
def _private_selftest_cache(tmp_path_factory):
    """Self-test the languages afresh in this session (not from the host's cache file)."""
    old = os.environ.get("JUDGEBOX_CACHE_DIR")
    os.environ["JUDGEBOX_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        os.environ.pop("JUDGEBOX_CACHE_DIR", None)
    else:
        os.environ["JUDGEBOX_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def statuses():
    """Every language's self-test result, by id (tested once, in parallel)."""
    from worker.core.selftest import language_statuses

    return {s.id: s for s in language_statuses()}


def _compile_one(args: tuple[str, str, str]) -> Program:
    lang_id, case, workdir = args
    lang = get_language(lang_id)
    out = Path(workdir) / lang_id / case
    out.mkdir(parents=True, exist_ok=True)
    path = program_path(lang_id, case)
    source = path.read_bytes()
    # Test programs are small: tighter compile limits than the defaults keep a bug cheap.
    limits = CompileLimits(cpu_time_ms=20_000, wall_time_ms=30_000)
    via = get_language(lang.selftest_via) if lang.selftest_via else None
    if via is not None and path.suffix.lstrip(".") in via.extensions:
        # an executable's programs: their build by that language is the source
        built = compile_program(via, source, out, limits)
        assert built.ok and built.artifact, built.report()
        source = built.artifact.read_bytes()
        out = out / "run"
        out.mkdir()
    return compile_program(lang, source, out, limits)


@pytest.fixture(scope="session")
def compiled(statuses, tmp_path_factory):
    """``compiled(lang_id, case) -> Program``: a language's programs are compiled together,
    two boxes at a time, the first time one of them is asked for."""
    workdir = tmp_path_factory.mktemp("programs")
    cache: dict[tuple[str, str], Program] = {}

    def get(lang_id: str, case: str) -> Program:
        status = statuses[lang_id]
        if not status.enabled:
            pytest.skip(f"{lang_id} is disabled: {status.reason}")
        applicable(lang_id, case)
        if (lang_id, case) not in cache:
            skipped = NOT_APPLICABLE.get(lang_id, ((), ""))[0]
            jobs = [(lang_id, c, str(workdir)) for c in CASES if c not in skipped]
            with ProcessPoolExecutor(min(2, os.cpu_count() or 1),
                                     mp_context=get_context("fork")) as pool:
                for (_, c, _), program in zip(jobs, pool.map(_compile_one, jobs)):
                    cache[(lang_id, c)] = program
        return cache[(lang_id, case)]

    return get


@pytest.fixture
def stdin_file(tmp_path):
    """``stdin_file(text)`` -> path of a file holding ``text``."""
    def make(text: str) -> str:
        path = tmp_path / f"stdin-{len(list(tmp_path.iterdir()))}.txt"
        path.write_text(text)
        return str(path)

    return make


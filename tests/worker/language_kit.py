"""The languages' test programs (``programs/<lang>/<case>.<ext>``): where they are, their
inputs, and the cases a language cannot have. Languages of one source language share the
programs by symbolic links (``c-clang`` -> ``c``, ``cpp-clang`` -> ``cpp17``, ``pypy3`` ->
``python3``, most of ``cpp20``'s; ``executable``'s are C's, built by ``c`` first)."""

from __future__ import annotations

from pathlib import Path

import pytest

PROGRAMS = Path(__file__).parent / "programs"
CASES = ("aplusb", "ce", "re", "tle", "mle", "eof")
# Cases a language cannot have, and why (the others are required of every language).
NOT_APPLICABLE = {
    "plaintext": (("ce", "re", "tle", "mle", "eof"), "the source is the output"),
    "sql": (("ce",), "SQL has no check: its errors show when it runs (RE)"),
    "multi": (CASES, "Judge0's Multi-file program is its compile and run scripts with its "
                     "files, not one source: tests/service/test_judging.py::"
                     "test_judge0_multi_file_program_runs_its_own_scripts_in_the_box"),
}


def applicable(lang_id: str, case: str) -> None:
    """Skip the test, saying why, when the language cannot have this case."""
    cases, why = NOT_APPLICABLE.get(lang_id, ((), ""))
    if case in cases:
        pytest.skip(f"{lang_id} has no {case} program: {why}")


def program_path(lang_id: str, case: str) -> Path:
    """The source of one test program: ``programs/<lang>/<case>.<ext>`` (not ``.in``)."""
    found = sorted(p for p in (PROGRAMS / lang_id).glob(f"{case}.*") if p.suffix != ".in")
    assert found, f"no {case} program for {lang_id}"
    return found[0]


def program_input(lang_id: str, case: str, default: str) -> str:
    """A case's input: ``programs/<lang>/<case>.in`` when the language needs its own (SQL's
    input is SQL), else ``default``."""
    own = PROGRAMS / lang_id / f"{case}.in"
    return own.read_text() if own.exists() else default

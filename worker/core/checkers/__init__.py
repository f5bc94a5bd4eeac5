"""Checkers: one module per checker, each a small typed function
``check(output, answer, options) -> CheckResult``, listed in one explicit registry.

========== ==========================================================================
``default`` Kattis' default output validator (tokens, case, whitespace, float tolerances)
``exact``   the output must equal the answer file byte for byte
``lines``   Judge0's comparison: line by line, each line's trailing whitespace aside
``kattis``  a custom output validator with the Kattis interface, run in the sandbox
``testlib`` a testlib checker, run in the sandbox
========== ==========================================================================

A checker never raises for a bad output (that is ``WA``) nor for its own failure (that is an
``SE`` result): a checker bug is a judge error, never a wrong answer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from . import default, exact, kattis, lines, testlib
from .result import CheckOptions, CheckResult

__all__ = ["CheckOptions", "CheckResult", "Checker", "CHECKERS", "get_checker"]

Checker = Callable[[bytes, Path, CheckOptions], CheckResult]

CHECKERS: dict[str, Checker] = {
    "default": default.check,
    "exact": exact.check,
    "lines": lines.check,
    "kattis": kattis.check,
    "testlib": testlib.check,
}


def get_checker(kind: str) -> Checker:
    """The checker registered under ``kind``; ``KeyError`` names the known ones."""
    try:
        return CHECKERS[kind]
    except KeyError:
        raise KeyError(f"unknown checker {kind!r} (known: {', '.join(CHECKERS)})") from None

"""Judge0's comparison: the output is right when it equals the expected output once each
line's trailing whitespace and the trailing blank lines are gone (Judge0's worker compares
so). The tests of a Judge0 API submission are checked this way; it says nothing more than
right or wrong, as Judge0 does. Validator arguments are ignored."""

from __future__ import annotations

from pathlib import Path

from .default import open_answer, same_lines
from .result import CheckOptions, CheckResult

__all__ = ["check"]


def check(output: bytes, answer: Path, options: CheckOptions) -> CheckResult:
    """``AC`` when ``output`` matches the answer file line by line, trailing whitespace
    aside; else ``WA`` (in bounded memory, as the default validator)."""
    with open_answer(answer) as expected:
        return CheckResult("AC" if same_lines(output, expected) else "WA")

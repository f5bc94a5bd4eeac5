"""A problem whose tests came with the submission (both APIs' ad-hoc tests): judged as every
problem is (``worker.core.judging.judge``), only its package comes from the submission.

Its tests are written into a directory of the judgement's (the judge reads a test's input and
answer from files, as from any package), one pass-fail group of them in the order sent, named
``1``, ``2``... (the names the submitter gave may repeat). What checks them is the package's
validator: ``tokens``, the default validator with ``case_sensitive`` (the native API's), or
``lines``, Judge0's comparison. A test sent without an expected output accepts any output of a
run that ended well (Judge0's rule).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .model import Problem, ProblemLimits, TestCase, TestGroup, ValidatorSpec

__all__ = ["ADHOC_CHECKERS", "adhoc_problem"]

# a stored submission's ``checker`` -> the validator and its flags
ADHOC_CHECKERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "tokens": ("default", ("case_sensitive",)),
    "lines": ("lines", ()),
}


def adhoc_problem(directory: Path, tests: Iterable[tuple[bytes, bytes | None]],
                  checker: str = "tokens") -> Problem:
    """The problem of ``tests`` (each its stdin and its expected output, ``None``: not
    checked), written into ``directory`` (made; the caller removes it)."""
    kind, flags = ADHOC_CHECKERS[checker]
    directory.mkdir(parents=True, exist_ok=True)
    cases = []
    for number, (stdin, expected) in enumerate(tests, 1):
        given = directory / f"{number}.in"
        given.write_bytes(stdin)
        answer = None
        if expected is not None:
            answer = directory / f"{number}.ans"
            answer.write_bytes(expected)
        cases.append(TestCase(str(number), "", given, answer, validator_args=flags))
    return Problem(root=directory, short_name="tests", name="the submission's tests",
                   format="ad-hoc", legacy=False, scoring=False, interactive=False,
                   multi_pass=False, limits=ProblemLimits(), validator=ValidatorSpec(kind),
                   sample=None, secret=TestGroup("", directory, tuple(cases)))

"""testlib checkers (Codeforces / Polygon), run in the sandbox.

``checker input_file output_file answer_file``; exit codes: 0 ok, 1 wrong answer, 2
presentation error, 4 "dirt", 8 unexpected end of file (all three are wrong answers here: this
judge has no presentation-error verdict), 3 FAIL (the checker found the *jury's* data wrong: a
judge error, ``SE``), 7 points (accepted with a score: the number after ``points`` in its
message, or its first number; an absolute test score, as ``score.txt``), 16 + p "partially
correct" (accepted with p % of the test's maximum). Any other exit, a signal, or passing its own
limits is ``SE``. The message is the checker's stderr.

In the box: the checker in ``/box``, ``/box/input``, ``/box/output`` (the team's output) and
``/box/answer``.
"""

from __future__ import annotations

import re
from pathlib import Path

from sandbox import Outcome

from ..compile import run_program
from .kattis import _failure, _stderr
from .result import CheckOptions, CheckResult, cap

__all__ = ["check", "interpret", "EXIT_CODES"]

EXIT_CODES = {0: "ok", 1: "wrong answer", 2: "presentation error", 3: "fail", 4: "dirt",
              7: "points", 8: "unexpected eof"}
_POINTS = re.compile(rb"points\s+([-+]?(?:[0-9]*\.[0-9]+|[0-9]+)(?:[eE][-+]?[0-9]+)?)")
_NUMBER = re.compile(rb"[-+]?(?:[0-9]*\.[0-9]+|[0-9]+)(?:[eE][-+]?[0-9]+)?")


def check(output: bytes, answer: Path, options: CheckOptions) -> CheckResult:
    """Run the testlib checker on ``output`` in a fresh box and read its verdict."""
    if options.program is None or options.limits is None or options.input is None:
        return CheckResult("SE", "no compiled testlib checker")
    outcome = run_program(options.program, options.limits,
                         args=("/box/input", "/box/output", "/box/answer"),
                         files=(("input", options.input), ("output", output),
                                ("answer", answer), *options.files))
    return interpret(outcome)


def interpret(outcome: Outcome, what: str = "testlib checker") -> CheckResult:
    """A testlib checker's (or interactor's) verdict from its exit code and message."""
    failure = _failure(outcome, what)
    if failure:
        return CheckResult("SE", failure + _stderr(outcome))
    code = outcome.exit_code
    message = cap(outcome.stderr.decode("utf-8", "replace"))
    if code == 0:
        return CheckResult("AC", message)
    if code in (1, 2, 4, 8):
        return CheckResult("WA", f"{EXIT_CODES[code]}: {message}" if code != 1 else message)
    if code == 3:
        return CheckResult("SE", f"the {what} failed (FAIL): {message}")
    if code == 7:
        match = _POINTS.search(outcome.stderr) or _NUMBER.search(outcome.stderr)
        if match is None:
            return CheckResult("SE", f"the {what} gave points without a number: {message}")
        return CheckResult("AC", message, score=max(0.0, float(match.group(match.lastindex
                                                                          or 0))))
    if code is not None and 16 <= code <= 116:
        return CheckResult("AC", message, score_multiplier=(code - 16) / 100)
    return CheckResult("SE", f"the {what} exited with code {code} (testlib: 0 ok, 1 wrong "
                             f"answer, 2 presentation error, 3 fail, 7 points)"
                       + _stderr(outcome))

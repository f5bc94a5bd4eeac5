"""Custom output validators with the Kattis interface, run in the sandbox.

``validator input_file answer_file feedback_dir [arguments] < team_output``: exit 42 accepts,
43 rejects; anything else (0 included), a signal, or passing its own limits is a judge error
(``SE``), never a wrong answer.

In the box: the validator in ``/box``, the test's input and answer as ``/box/testcase.in`` and
``/box/testcase.ans``, the team's output on stdin, and the feedback directory: ``/box/``
itself, the box's own size-limited tmpfs (so a validator cannot fill any host disk through
it). After the run the judge reads back every regular file the validator left there (the
sandbox's ``collect=("*",)``: entries opened relative to the box with ``O_NOFOLLOW |
O_NONBLOCK``, regular files only, each up to the validator's output limit, at most 256), and
keeps them in a :class:`Feedback`. The feedback directory persists across the passes of a
multi-pass problem, as the format requires, by carrying those files into the next pass's box
(``nextpass.in`` is the next pass's input, not carried).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sandbox import COLLECT_ALL, Outcome, Status

from ..compile import run_program
from .result import CheckOptions, CheckResult, cap

__all__ = ["check", "interpret", "validator_args", "box_files", "Feedback", "run_validator",
           "BOX_INPUT", "BOX_ANSWER", "FEEDBACK_DIR"]

BOX_INPUT = "/box/testcase.in"
BOX_ANSWER = "/box/testcase.ans"
FEEDBACK_DIR = "/box/"
ACCEPT, REJECT = 42, 43


def validator_args(flags: tuple[str, ...]) -> tuple[str, ...]:
    """The validator's arguments after its own command."""
    return (BOX_INPUT, BOX_ANSWER, FEEDBACK_DIR, *flags)


def box_files(input_file: Path, answer: Path, options: CheckOptions
              ) -> tuple[tuple[str, bytes | Path], ...]:
    """What goes into the validator's box besides the validator itself."""
    return (("testcase.in", input_file), ("testcase.ans", answer), *options.files)


class Feedback:
    """A validator's feedback directory, kept by the judge between the passes of a test: the
    regular files the last pass left (its own files, the validator and the test's, excluded)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def box_files(self) -> tuple[tuple[str, bytes], ...]:
        """The files to put back into the next pass's box (``nextpass.in`` is its input)."""
        return tuple((n, d) for n, d in self.files.items() if n != "nextpass.in")

    def update(self, collected: dict[str, bytes], placed: set[str]) -> dict[str, bytes]:
        """Keep what a pass left, but the files the judge placed; returns them."""
        self.files = {n: d for n, d in collected.items() if n not in placed}
        return self.files


def run_validator(program, limits, args: tuple[str, ...],
                  fixed: tuple[tuple[str, bytes | Path], ...], feedback: Feedback,
                  **io) -> tuple[Outcome, dict[str, bytes]]:
    """One run of a Kattis validator with its feedback directory: its outcome and the
    feedback files it left (``io``: ``stdin``, or ``stdin_fd`` and ``stdout_fd``)."""
    placed = {program.artifact_name, *(name for name, _ in fixed)}
    carried = tuple((n, d) for n, d in feedback.box_files() if n not in placed)
    outcome = run_program(program, limits, args=args, files=fixed + carried,
                          collect=(COLLECT_ALL,), collect_max_kib=limits.output_kib, **io)
    return outcome, feedback.update(outcome.files, placed)


def check(output: bytes, answer: Path, options: CheckOptions) -> CheckResult:
    """Run the custom validator on ``output`` in a fresh box and read its judgement."""
    if options.program is None or options.limits is None or options.input is None:
        return CheckResult("SE", "no compiled output validator")
    feedback = options.feedback if options.feedback is not None else Feedback()
    fd, team_output = tempfile.mkstemp(prefix="team-output-", dir=options.workdir)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(output)
        outcome, files = run_validator(options.program, options.limits,
                                       validator_args(options.flags),
                                       box_files(options.input, answer, options), feedback,
                                       stdin=team_output)
        return interpret(outcome, files)
    finally:
        os.unlink(team_output)


def _failure(outcome: Outcome, what: str) -> str:
    if outcome.status is Status.SE:
        return f"the {what}'s box failed: {outcome.message}"
    if outcome.status is Status.TLE:
        return f"the {what} passed its time limit"
    if outcome.status is Status.OLE:
        return f"the {what} passed its output limit"
    if outcome.status is Status.MLE and outcome.exit_code is None:
        return f"the {what} ran out of memory"
    if outcome.signal is not None:
        return f"the {what} was killed by signal {outcome.signal}"
    return ""


def _stderr(outcome: Outcome) -> str:
    text = cap(outcome.stderr.decode("utf-8", "replace"))
    return f"\n{text}" if text else ""


def _number(data: bytes, name: str) -> float:
    try:
        value = float(data.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise ValueError(f"{name} does not hold a number: {data[:50]!r}") from None
    if value != value or value in (float("inf"), float("-inf")) or value < 0:
        raise ValueError(f"{name} must hold a non-negative number, got {value}")
    return value


def interpret(outcome: Outcome, files: dict[str, bytes],
              what: str = "output validator") -> CheckResult:
    """A Kattis validator's judgement from its box's outcome and its feedback files."""
    failure = _failure(outcome, what)
    if failure:
        return CheckResult("SE", failure + _stderr(outcome))
    code = outcome.exit_code
    text = lambda name: cap(files.get(name, b"").decode("utf-8", "replace"))  # noqa: E731
    message = text("judgemessage.txt") or cap(outcome.stderr.decode("utf-8", "replace"))
    if code not in (ACCEPT, REJECT):
        return CheckResult("SE", f"the {what} exited with code {code} (42 accepts, 43 "
                                 f"rejects)" + _stderr(outcome))
    scored = [n for n in ("score.txt", "score_multiplier.txt") if n in files]
    if code == REJECT:
        if scored or "nextpass.in" in files:
            return CheckResult("SE", f"the {what} rejected the output but wrote "
                                     f"{', '.join(scored) or 'nextpass.in'}")
        return CheckResult("WA", message, text("teammessage.txt"))
    if len(scored) == 2:
        return CheckResult("SE", f"the {what} wrote both score.txt and score_multiplier.txt")
    try:
        score = _number(files["score.txt"], "score.txt") if "score.txt" in files else None
        multiplier = _number(files["score_multiplier.txt"], "score_multiplier.txt") \
            if "score_multiplier.txt" in files else None
    except ValueError as exc:
        return CheckResult("SE", f"the {what}: {exc}")
    if multiplier is not None and multiplier > 1:
        return CheckResult("SE", f"the {what}: score_multiplier.txt must be in [0, 1], got "
                                 f"{multiplier}")
    return CheckResult("AC", message, text("teammessage.txt"), score, multiplier,
                       files.get("nextpass.in"))

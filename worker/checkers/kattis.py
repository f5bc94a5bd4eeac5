"""Custom output validators with the Kattis interface, run in the sandbox.

``validator input_file answer_file feedback_dir [arguments] < team_output``: exit 42 accepts,
43 rejects; anything else (0 included), a signal, or passing its own limits is a judge error
(``SE``), never a wrong answer.

In the box: the validator in ``/box``, the test's input and answer as ``/box/testcase.in`` and
``/box/testcase.ans``, the team's output on stdin, and the feedback directory
``/box/feedback/``: a host directory made for this test (mode 0777 inside the judge's private
0700 work directory) bound writable there, so that it persists across the passes of a
multi-pass problem as the format requires. The judge reads it back without trusting it: entries
are opened relative to the directory with ``O_NOFOLLOW | O_NONBLOCK``, only regular files are
read, each up to the validator's output limit, at most :data:`MAX_FEEDBACK_FILES` of them.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from sandbox import Mount, Outcome, Status

from ..compile import run_program
from .result import CheckOptions, CheckResult, cap

__all__ = ["check", "interpret", "validator_args", "box_files", "feedback_mount",
           "make_feedback_dir", "reuse_feedback_dir", "read_feedback", "BOX_INPUT",
           "BOX_ANSWER", "FEEDBACK_DIR"]

BOX_INPUT = "/box/testcase.in"
BOX_ANSWER = "/box/testcase.ans"
FEEDBACK_DIR = "/box/feedback/"
MAX_FEEDBACK_FILES = 256
ACCEPT, REJECT = 42, 43


def validator_args(flags: tuple[str, ...]) -> tuple[str, ...]:
    """The validator's arguments after its own command."""
    return (BOX_INPUT, BOX_ANSWER, FEEDBACK_DIR, *flags)


def box_files(input_file: Path, answer: Path, options: CheckOptions
              ) -> tuple[tuple[str, bytes | Path], ...]:
    """What goes into the validator's box besides the validator itself."""
    return (("testcase.in", input_file), ("testcase.ans", answer), *options.files)


def make_feedback_dir(workdir: Path | None) -> Path:
    """A fresh feedback directory the box's uid can write (its parent is private)."""
    path = Path(tempfile.mkdtemp(prefix="feedback-", dir=workdir))
    os.chmod(path, 0o777)
    return path


def reuse_feedback_dir(directory: Path) -> None:
    """Ready a feedback directory for the next pass: ``nextpass.in`` removed, and what the
    previous pass's box (another uid) left there made writable, never following a link."""
    (directory / "nextpass.in").unlink(missing_ok=True)
    dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        for name in os.listdir(dir_fd):
            try:
                fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                             dir_fd=dir_fd)
            except OSError:
                continue
            try:
                mode = os.fstat(fd).st_mode
                if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
                    os.fchmod(fd, 0o777 if stat.S_ISDIR(mode) else 0o666)
            finally:
                os.close(fd)
    finally:
        os.close(dir_fd)


def feedback_mount(directory: Path) -> Mount:
    """The feedback directory bound writable at ``/box/feedback``."""
    return Mount(str(directory), FEEDBACK_DIR.rstrip("/"), writable=True)


def read_feedback(directory: Path, cap_bytes: int) -> dict[str, bytes]:
    """The regular files a validator left in its feedback directory, never following links."""
    files: dict[str, bytes] = {}
    dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        for name in sorted(os.listdir(dir_fd))[:MAX_FEEDBACK_FILES]:
            try:
                fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                             dir_fd=dir_fd)
            except OSError:
                continue  # a link, or gone
            try:
                if stat.S_ISREG(os.fstat(fd).st_mode):
                    with os.fdopen(os.dup(fd), "rb") as f:
                        files[name] = f.read(cap_bytes)
            finally:
                os.close(fd)
    finally:
        os.close(dir_fd)
    return files


def check(output: bytes, answer: Path, options: CheckOptions) -> CheckResult:
    """Run the custom validator on ``output`` in a fresh box and read its judgement."""
    if options.program is None or options.limits is None or options.input is None:
        return CheckResult("SE", "no compiled output validator")
    feedback = options.feedback_dir or make_feedback_dir(options.workdir)
    fd, team_output = tempfile.mkstemp(prefix="team-output-", dir=options.workdir)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(output)
        reuse_feedback_dir(feedback)
        outcome = run_program(options.program, options.limits,
                             args=validator_args(options.flags), stdin=team_output,
                             files=box_files(options.input, answer, options),
                             mounts=(feedback_mount(feedback),))
        return interpret(outcome, read_feedback(feedback, options.limits.output_kib * 1024))
    finally:
        os.unlink(team_output)
        if options.feedback_dir is None:
            shutil.rmtree(feedback, ignore_errors=True)


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

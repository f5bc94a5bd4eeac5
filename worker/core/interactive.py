"""Interactive runs: a submission and its validator (or testlib interactor) joined by pipes.

Two boxes, each with its own limits, run in two threads: the validator's stdout is the
submission's stdin and the submission's stdout the validator's stdin (pipes of 1 MiB). As in
Kattis' own runner (problemtools ``interactive.cc``):

- the write end of each pipe closes when the box writing to it has ended (not before: the
  process that ended first is then known for sure), so the other side sees end-of-file;
- the read end of validator -> submission stays open until both have ended: a validator that
  writes after the submission exited is not killed by SIGPIPE;
- a submission killed by SIGPIPE (it wrote after the validator exited) counts as a normal exit:
  the validator decides.

What the submission writes reaches the validator through the judge (the sandbox's relay
for ``stdout_fd``): counted and limited like any output, so an endless line stops at the
submission's output limit (``OLE``) instead of filling the validator's memory. The
validator, the problem's own, writes to the submission directly (``limit_stdout=False``):
a relay costs each message a hop.

Verdict (Kattis' rules, ``verdict()``): a validator that ended *first* with "wrong answer"
gives ``WA`` whatever the submission did afterwards; a submission past its output limit is
``OLE`` (whatever the validator made of the flood); a validator that failed is ``SE``;
otherwise the submission's own failure (``TLE``, then ``MLE``, ``RE``) comes before the
validator's verdict.
"""

from __future__ import annotations

import fcntl
import os
import signal
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from sandbox import Limits, Outcome, Status

from .checkers import CheckResult, kattis, testlib
from .compile import Program, run_program

__all__ = ["InteractiveRun", "run_interactive", "verdict"]

PIPE_SIZE = 1 << 20


@dataclass(frozen=True)
class InteractiveRun:
    """Both sides of one interactive run and who ended first."""

    submission: Outcome
    check: CheckResult
    validator_first: bool

    @property
    def verdict(self) -> str:
        """The test's verdict by Kattis' rules."""
        return verdict(self.submission, self.check, self.validator_first)


def verdict(submission: Outcome, check: CheckResult, validator_first: bool) -> str:
    """Kattis' rule for interactive runs (see the module docstring)."""
    if submission.status is Status.SE:
        return "SE"
    if check.verdict == "WA" and validator_first:
        return "WA"
    if submission.status is Status.OLE:  # a validator flooded past the limit may fail: OLE
        return "OLE"
    if check.verdict == "SE":
        return "SE"
    if submission.status is not Status.OK:
        return submission.status.value
    return check.verdict


def _pipe() -> tuple[int, int]:
    read, write = os.pipe()
    try:
        fcntl.fcntl(read, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    except OSError:
        pass  # the default size works, only slower
    return read, write


def run_interactive(submission: Program, submission_limits: Limits, validator: Program,
                    validator_limits: Limits, kind: str, validator_args: tuple[str, ...],
                    validator_files: tuple[tuple[str, bytes | Path], ...],
                    submission_args: tuple[str, ...] = (),
                    feedback: kattis.Feedback | None = None) -> InteractiveRun:
    """Run ``submission`` against ``validator`` once (``kind``: ``kattis`` or ``testlib``).

    ``validator_args`` follow the validator's run command; ``validator_files`` go into its
    box; a Kattis validator's feedback directory is its ``/box`` (``feedback`` carries it
    across passes, see ``worker.core.checkers.kattis``). Raises what ``sandbox.run`` raises when a
    box cannot even start.
    """
    if kind == "kattis" and feedback is None:
        feedback = kattis.Feedback()
    to_sub_r, to_sub_w = _pipe()   # validator stdout -> submission stdin
    to_val_r, to_val_w = _pipe()   # submission stdout -> validator stdin
    results: dict[str, object] = {}
    ended: list[tuple[float, str]] = []
    found: dict[str, bytes] = {}  # the Kattis validator's feedback files

    def run_validator() -> Outcome:  # trusted: its output goes straight to the submission
        if kind != "kattis":
            return run_program(validator, validator_limits, args=validator_args,
                               stdin_fd=to_val_r, stdout_fd=to_sub_w, limit_stdout=False,
                               files=validator_files)
        assert feedback is not None
        outcome, files = kattis.run_validator(validator, validator_limits, validator_args,
                                              validator_files, feedback, stdin_fd=to_val_r,
                                              stdout_fd=to_sub_w, limit_stdout=False)
        found.update(files)
        return outcome

    def side(name: str, work, close_after: tuple[int, ...]) -> None:
        try:
            results[name] = work()
        except BaseException as exc:  # re-raised in the caller's thread
            results[name] = exc
        finally:
            ended.append((time.monotonic(), name))
            for fd in close_after:
                os.close(fd)

    threads = [
        threading.Thread(target=side, args=("submission", lambda: run_program(
            submission, submission_limits, args=submission_args, stdin_fd=to_sub_r,
            stdout_fd=to_val_w), (to_val_w,))),
        threading.Thread(target=side, args=("validator", run_validator,
                                             (to_sub_w, to_val_r))),
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        os.close(to_sub_r)
    for value in results.values():
        if isinstance(value, BaseException):
            raise value
    sub, val = results["submission"], results["validator"]
    assert isinstance(sub, Outcome) and isinstance(val, Outcome)
    if sub.status is Status.RE and sub.signal == signal.SIGPIPE:
        sub = replace(sub, status=Status.OK, message="SIGPIPE: wrote after the validator ended")
    if kind == "kattis":
        check = kattis.interpret(val, found, "interactive validator")
    else:
        check = testlib.interpret(val, "testlib interactor")
    first = min(ended)[1] if ended else "submission"
    return InteractiveRun(sub, check, first == "validator")

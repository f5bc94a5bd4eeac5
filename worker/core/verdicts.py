"""From what a run did to verdicts: ours (AC WA TLE MLE RE OLE CE SE) and Judge0's status ids.

Judge0 (CE 1.13.1) decides one run's status like this, and so do we for the Judge0 API:
time-out → 5; killed by signal 11 → 7, 25 → 8, 8 → 9, 6 → 10, any other → 12; non-zero exit →
11; sandbox failure → 13; otherwise stdout against expected_output, each line's trailing
whitespace trimmed → 3 or 4 (no expected output → 3). Judge0 has no memory status: an
out-of-memory run shows the way it ended (killed by SIGKILL → 12, or a runtime's own non-zero
exit → 11). An output overrun is SIGXFSZ (8), as isolate's file-size limit shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox import Outcome, Status

from .checkers.default import same_lines, same_tokens

__all__ = ["JUDGE0_STATUSES", "RunVerdict", "run_verdict", "judge0_status", "lines_match",
           "tokens_match", "run_message"]

JUDGE0_STATUSES: dict[int, str] = {
    1: "In Queue", 2: "Processing", 3: "Accepted", 4: "Wrong Answer",
    5: "Time Limit Exceeded", 6: "Compilation Error", 7: "Runtime Error (SIGSEGV)",
    8: "Runtime Error (SIGXFSZ)", 9: "Runtime Error (SIGFPE)", 10: "Runtime Error (SIGABRT)",
    11: "Runtime Error (NZEC)", 12: "Runtime Error (Other)", 13: "Internal Error",
    14: "Exec Format Error",
}
_SIGNAL_STATUS = {11: 7, 25: 8, 8: 9, 6: 10}
SIGKILL, SIGXFSZ = 9, 25


def lines_match(output: bytes, expected: bytes) -> bool:
    """Judge0's comparison: equal after trimming each line's trailing whitespace and the
    trailing blank lines (in bounded memory: ``worker.core.checkers.default.same_lines``)."""
    return same_lines(output, expected)


def tokens_match(output: bytes, expected: bytes) -> bool:
    """The default output validator's comparison: the same whitespace-separated tokens
    (case-sensitive; in bounded memory). Problems use ``worker.core.checkers`` with their own
    flags."""
    return same_tokens(output, expected)


@dataclass(frozen=True)
class RunVerdict:
    """One test's verdict, plus the fields Judge0 shows for the run."""

    verdict: str
    judge0_status: int
    exit_code: int | None
    exit_signal: int | None
    message: str


def run_message(outcome: Outcome) -> str:
    """What isolate would say of the run (Judge0 shows it as ``message``)."""
    if outcome.status is Status.SE:
        return outcome.message or "internal error"
    if outcome.status is Status.TLE:
        return "Time limit exceeded" if outcome.killed_by != "wall-time" else \
            "Time limit exceeded (wall clock)"
    if outcome.signal is not None:
        return f"Caught fatal signal {outcome.signal}"
    if outcome.exit_code:
        return f"Exited with error status {outcome.exit_code}"
    return outcome.message or ""


def run_verdict(outcome: Outcome, expected: bytes | None, cpu_limit_s: float,
                checker: str = "tokens") -> RunVerdict:
    """The verdict of one run against its expected output (``None``: nothing to compare).

    ``cpu_limit_s`` is the limit the program was promised: a run that used more (within the
    extra time the sandbox allowed) is TLE all the same.
    """
    status = outcome.status
    if status is Status.OK and outcome.time > cpu_limit_s:
        status = Status.TLE
    message = run_message(outcome)
    if status is Status.OK:
        if expected is None:
            ok = True
        elif checker == "lines":
            ok = lines_match(outcome.stdout, expected)
        else:
            ok = tokens_match(outcome.stdout, expected)
        verdict = "AC" if ok else "WA"
    else:
        verdict = status.value
    if status is Status.TLE:
        message = message or "Time limit exceeded"
    exit_signal = outcome.signal
    if status is Status.OLE:
        exit_signal = SIGXFSZ
    elif status is Status.MLE and outcome.signal is None and not outcome.exit_code:
        exit_signal = SIGKILL
    exit_code = outcome.exit_code if outcome.exit_code is not None else \
        (0 if exit_signal is not None else None)
    return RunVerdict(verdict, judge0_status(verdict, exit_signal, exit_code), exit_code,
                      exit_signal, message)


def judge0_status(verdict: str, exit_signal: int | None, exit_code: int | None) -> int:
    """Judge0's status id for a finished test or judgement."""
    if verdict == "AC":
        return 3
    if verdict == "WA":
        return 4
    if verdict == "TLE":
        return 5
    if verdict == "CE":
        return 6
    if verdict == "SE":
        return 13
    if exit_signal is not None:
        return _SIGNAL_STATUS.get(exit_signal, 12)
    if exit_code:
        return 11
    return 12

"""From what a run did to verdicts: ours (AC WA TLE MLE RE OLE CE SE) and Judge0's status ids.

Judge0 (CE 1.13.1) decides one run's status like this, and so do we for the Judge0 API:
time-out → 5; killed by signal 11 → 7, 25 → 8, 8 → 9, 6 → 10, any other → 12; non-zero exit →
11; sandbox failure → 13; otherwise stdout against expected_output, each line's trailing
whitespace trimmed (``worker.core.checkers.lines``) → 3 or 4 (no expected output → 3).
Judge0 has no memory status: an
out-of-memory run shows the way it ended (killed by SIGKILL → 12, or a runtime's own non-zero
exit → 11). An output overrun is SIGXFSZ (8), as isolate's file-size limit shows it.
"""

from __future__ import annotations

from sandbox import Outcome, Status

__all__ = ["JUDGE0_STATUSES", "run_status", "run_message", "judge0_status", "judge0_exit"]

JUDGE0_STATUSES: dict[int, str] = {
    1: "In Queue", 2: "Processing", 3: "Accepted", 4: "Wrong Answer",
    5: "Time Limit Exceeded", 6: "Compilation Error", 7: "Runtime Error (SIGSEGV)",
    8: "Runtime Error (SIGXFSZ)", 9: "Runtime Error (SIGFPE)", 10: "Runtime Error (SIGABRT)",
    11: "Runtime Error (NZEC)", 12: "Runtime Error (Other)", 13: "Internal Error",
    14: "Exec Format Error",
}
_SIGNAL_STATUS = {11: 7, 25: 8, 8: 9, 6: 10}
SIGKILL, SIGXFSZ = 9, 25


def run_message(outcome: Outcome, status: Status | None = None) -> str:
    """What isolate would say of the run (Judge0 shows it as ``message``); ``status``: the
    run's as judged (:func:`run_status`), when it differs from the sandbox's."""
    status = status or outcome.status
    if status is Status.SE:
        return outcome.message or "internal error"
    if status is Status.TLE:
        return "Time limit exceeded" if outcome.killed_by != "wall-time" else \
            "Time limit exceeded (wall clock)"
    if outcome.signal is not None:
        return f"Caught fatal signal {outcome.signal}"
    if outcome.exit_code:
        return f"Exited with error status {outcome.exit_code}"
    return outcome.message or ""


def run_status(outcome: Outcome, cpu_limit_s: float) -> Status:
    """The run's status, judged by the limit the program was promised: a run that used more
    CPU time than ``cpu_limit_s`` (within the extra time the sandbox allowed, Judge0's
    ``cpu_extra_time``, or its enforcement's last tick) is TLE all the same."""
    if outcome.status is Status.OK and outcome.time > cpu_limit_s:
        return Status.TLE
    return outcome.status


def judge0_exit(verdict: str, exit_code: int | None, signal: int | None
                ) -> tuple[int | None, int | None]:
    """``(exit_code, exit_signal)`` as Judge0 shows how a run ended: an output overrun is
    SIGXFSZ (isolate's file-size limit), an out-of-memory kill without a signal or exit code
    of its own is SIGKILL, and a run ended by a signal has exit code 0."""
    if verdict == "OLE":
        signal = SIGXFSZ
    elif verdict == "MLE" and signal is None and not exit_code:
        signal = SIGKILL
    if exit_code is None and signal is not None:
        exit_code = 0
    return exit_code, signal


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

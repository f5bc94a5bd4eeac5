"""What every checker takes and gives: :class:`CheckOptions` in, :class:`CheckResult` out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sandbox import Limits

from ..compile import Program

__all__ = ["CheckResult", "CheckOptions", "MESSAGE_CAP"]

MESSAGE_CAP = 4096  # characters of a checker's message kept in a judgement


@dataclass(frozen=True)
class CheckResult:
    """A checker's judgement of one output.

    ``verdict``: ``AC``, ``WA``, or ``SE`` when the checker itself failed (crashed, gave an
    exit code outside its interface, wrote an invalid score): a checker bug is never the
    submission's fault. ``message`` is for the judges (``judgemessage.txt``, testlib's
    message), ``team_message`` for the team (``teammessage.txt``). ``score`` is an absolute
    test score (``score.txt``, testlib points), ``score_multiplier`` a fraction of the test's
    maximum (``score_multiplier.txt``). ``nextpass`` is the next pass's input of a multi-pass
    problem.
    """

    verdict: str
    message: str = ""
    team_message: str = ""
    score: float | None = None
    score_multiplier: float | None = None
    nextpass: bytes | None = None


@dataclass(frozen=True)
class CheckOptions:
    """Everything a checker may need besides the output and the answer file.

    ``flags``: the validator arguments in force for the test (the default validator's
    ``case_sensitive``, ``float_tolerance 1e-6``...). For program checkers: ``input`` (the
    test's input file), ``program`` (the compiled validator or testlib checker), ``limits``
    (its box's limits), ``workdir`` (a host directory for temporary files), ``files`` (other
    files the program needs next to it in ``/box``, e.g. Python modules) and ``feedback``
    (a Kattis validator's feedback directory, ``worker.core.checkers.kattis.Feedback``, kept across
    the passes of a multi-pass problem; a fresh one per check when ``None``).
    """

    flags: tuple[str, ...] = ()
    input: Path | None = None
    program: Program | None = None
    limits: Limits | None = None
    workdir: Path | None = None
    files: tuple[tuple[str, Path], ...] = ()
    feedback: object | None = None  # kattis.Feedback (that module imports this one)


def cap(text: str) -> str:
    """A message capped to :data:`MESSAGE_CAP` characters, whitespace at the ends trimmed."""
    text = text.strip()
    return text if len(text) <= MESSAGE_CAP else text[:MESSAGE_CAP] + "\n[truncated]"

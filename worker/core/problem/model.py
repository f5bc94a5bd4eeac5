"""The internal problem model: what judging needs to know, whatever the package's layout.

A :class:`Problem` is read from a Kattis / ICPC package (legacy, 2023-07 or 2025-09 layout,
DOMjudge exports too) by :func:`worker.core.problem.load_problem`; the package on disk stays the
source of truth (test files are read from it when judged, never copied into the model).

Names follow the package format: a test case is named by its path under ``data/`` without the
extension (``secret/group1/01``), a test group by its directory (``secret/group1``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

# the example submissions are the model's too (they live with their reader)
from .submissions import Rule, Submission, find_submissions

__all__ = ["Verdict", "VERDICTS", "TestCase", "Scoring", "TestGroup", "ValidatorSpec",
           "Rule", "Submission", "ProblemLimits", "Problem", "DEFAULT_OUTPUT_MB"]

# The format's output limit when a package gives none (the Kattis format's typical system
# default, DOMjudge's default output limit): 8 MiB.
DEFAULT_OUTPUT_MB = 8

Verdict = str  # one of VERDICTS
VERDICTS = ("AC", "WA", "TLE", "MLE", "RE", "OLE", "CE", "SE")


@dataclass(frozen=True)
class TestCase:
    """One test: ``input`` goes to the submission, ``answer`` to the output validator
    (``None``: a submitted test without an expected output, where any output is right).

    ``validator_args`` are the output validator's flags in force for this test (the problem's,
    then its group's, then the test's own); ``args`` are extra command-line arguments of the
    submission (2025-09 ``<test>.yaml``).
    """

    name: str
    group: str
    input: Path
    answer: Path | None
    validator_args: tuple[str, ...] = ()
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scoring:
    """How a group turns its tests' results into a verdict and a score.

    ``aggregation``: ``pass-fail`` (all accepted: ``max_score``, else 0), ``sum``, ``min``,
    ``max`` or ``avg`` of the parts' scores. ``max_score`` is ``None`` when unbounded.
    Legacy packages add per-test default scores (``accept_score`` / ``reject_score``), the
    verdict mode (``first_error``, ``worst_error``, ``always_accept``) and ``on_reject``
    (``break``: stop the group at its first rejected test; ``continue``: judge them all).
    ``require_pass`` names groups that must be all accepted for this one to score.
    """

    aggregation: str = "pass-fail"
    max_score: float | None = None
    on_reject: str = "break"
    verdict_mode: str = "first_error"
    accept_if_any_accepted: bool = False
    accept_score: float | None = None
    reject_score: float = 0.0
    require_pass: tuple[str, ...] = ()
    ignore_sample: bool = False


@dataclass(frozen=True)
class TestGroup:
    """A directory of tests under ``data/``: its tests and subgroups, in judging order."""

    name: str
    path: Path
    items: tuple["TestCase | TestGroup", ...]
    scoring: Scoring = field(default_factory=Scoring)

    @property
    def cases(self) -> list[TestCase]:
        """Every test of the group and of its subgroups, in judging order."""
        found: list[TestCase] = []
        for item in self.items:
            found.extend(item.cases if isinstance(item, TestGroup) else [item])
        return found

    @property
    def groups(self) -> list["TestGroup"]:
        """The direct subgroups."""
        return [item for item in self.items if isinstance(item, TestGroup)]


@dataclass(frozen=True)
class ValidatorSpec:
    """How outputs are checked.

    ``kind``: ``default`` (Kattis' default validator), ``exact`` (bytes must be equal),
    ``kattis`` (a custom output validator / interactive validator, Kattis interface) or
    ``testlib`` (a testlib checker or interactor). For the last two, ``source`` is the main
    source file of the program and ``directory`` the program's directory (its other files,
    headers, are taken from there).
    """

    kind: str = "default"
    source: Path | None = None
    directory: Path | None = None


@dataclass(frozen=True)
class ProblemLimits:
    """Limits of the package (``None``: the judge's default). Times in seconds, sizes in MiB.

    ``time_limit_from`` says where the time limit came from (``problem.yaml``, ``.timelimit``,
    ``domjudge-problem.ini``), or is empty when the package gives none (then ``judgebox
    verify`` derives it, as Kattis does, from the slowest accepted submission).
    """

    time_limit: float | None = None
    time_limit_from: str = ""
    memory_mb: int | None = None
    output_mb: int | None = None
    validation_time: float = 60.0
    validation_memory_mb: int = 1024
    validation_output_mb: int = 8
    validation_passes: int = 2
    # legacy: time limit = slowest AC x time_multiplier (rounded to whole seconds, at least 1)
    time_multiplier: float = 5.0
    time_safety_margin: float = 2.0
    # 2023-07 / 2025-09: smallest multiple of time_resolution >= slowest AC x ac_to_time_limit
    ac_to_time_limit: float = 2.0
    time_limit_to_tle: float = 1.5
    time_resolution: float = 1.0


@dataclass(frozen=True)
class Problem:
    """A problem package, read: metadata, limits, how to check, tests and example submissions.

    ``format`` is the package's ``problem_format_version`` (``legacy`` when absent);
    ``legacy`` is true for the legacy family (``legacy``, ``legacy-icpc``), whose time limit
    rule and grading differ. ``sample`` may be ``None``; ``secret`` always has tests.
    ``custom_score``: the validator gives the scores (legacy ``validation: custom score``;
    always allowed in scoring problems of the newer layouts). ``sample_only``: the package has
    no secret data, and its samples are judged instead (as DOMjudge does); ``secret`` is then
    the samples' group. ``submit_answer``: a submission is the answer files, not a program.
    ``constants`` (2025-09) are replaced in validators, included files, example submissions
    and ``test_group.yaml``. ``legacy_grading``: groups are graded by problemtools' default
    grader (legacy packages, and newer ones that still use its ``testdata.yaml`` keys);
    ``data_scoring`` is then the grading of ``data/`` itself, over ``sample`` and ``secret``.
    """

    root: Path
    short_name: str
    name: str
    format: str
    legacy: bool
    scoring: bool
    interactive: bool
    multi_pass: bool
    limits: ProblemLimits
    validator: ValidatorSpec
    sample: TestGroup | None
    secret: TestGroup
    custom_score: bool = False
    sample_only: bool = False
    submit_answer: bool = False
    constants: tuple[tuple[str, str], ...] = ()
    legacy_grading: bool = False
    data_scoring: Scoring | None = None

    @functools.cached_property
    def submissions(self) -> tuple[Submission, ...]:
        """The example submissions (``submissions/``), read when first asked for."""
        return find_submissions(self.root, self.scoring, self.submit_answer)

    def includes(self, code: str) -> tuple[tuple[str, Path], ...]:
        """The files ``include/<code>/`` (else ``include/default/``) adds to every submission
        in the language of that Kattis code (2025-09 "included files")."""
        for name in (code, "default"):
            directory = self.root / "include" / name
            if directory.is_dir():
                return tuple((p.name, p) for p in sorted(directory.iterdir()) if p.is_file())
        return ()

    @property
    def groups(self) -> list[TestGroup]:
        """The top-level groups in judging order: ``sample`` (when present), then ``secret``."""
        if self.sample_only:
            return [self.secret]
        return [g for g in (self.sample, self.secret) if g is not None]

    @property
    def cases(self) -> list[TestCase]:
        """Every test in judging order."""
        return [case for group in self.groups for case in group.cases]

    @property
    def type(self) -> str:
        """The problem's type as one line: ``pass-fail`` or ``scoring``, plus modifiers."""
        parts = ["scoring" if self.scoring else "pass-fail"]
        parts += [name for name, on in (("interactive", self.interactive),
                                        ("multi-pass", self.multi_pass),
                                        ("submit-answer", self.submit_answer)) if on]
        return " ".join(parts)

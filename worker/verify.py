"""Verifying a package: judge every example submission and compare with what it expects.

What problem setters run before a contest (``judgebox verify``). The time limit is the one
given (``--time-limit``), else the package's, else derived as Kattis does: the accepted
submissions are judged first under a generous probe limit, and the limit follows from the
slowest accepted test run (``worker.problem.derive_time_limit``); the other submissions are then
judged under it.

A submission matches when its verdict is one its folder (or ``@EXPECTED_RESULTS@`` tag)
allows; in scoring problems an ``accepted`` one must also get the maximum score, and a
``partially_accepted`` one a score strictly between 0 and the maximum.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .judging import Judgement, JudgeOptions, PreparedChecker, judge, prepare_checker
from .languages import Language, LanguageError, language_for_file
from .problem import PackageError, Problem, Submission, derive_time_limit, read_source
from .selftest import language_status

__all__ = ["VerifyOptions", "SubmissionReport", "VerifyReport", "verify_problem",
           "derive_problem_time_limit"]

PROBE_TIME_LIMIT = 10.0


@dataclass(frozen=True)
class VerifyOptions:
    """``time_limit`` (seconds) overrides the package's; ``probe_time_limit`` is the limit of
    the accepted submissions' runs while a missing limit is derived."""

    time_limit: float | None = None
    probe_time_limit: float = PROBE_TIME_LIMIT


@dataclass(frozen=True)
class SubmissionReport:
    """One submission's outcome: ``status`` is ``ok``, ``mismatch``, ``error`` (a judge
    error, ``SE``) or ``skipped`` (it cannot be judged here: ``note`` says why)."""

    submission: Submission
    status: str
    note: str = ""
    judgement: Judgement | None = None

    @property
    def verdict(self) -> str:
        """The verdict it got, or ``-``."""
        return self.judgement.verdict if self.judgement else "-"


@dataclass(frozen=True)
class VerifyReport:
    """The whole run: the time limit used and where it came from, and each submission."""

    problem: Problem
    time_limit: float
    time_limit_from: str
    derivation: str = ""
    reports: tuple[SubmissionReport, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """No mismatch and no judge error."""
        return all(r.status in ("ok", "skipped") for r in self.reports)


Progress = Callable[[Submission, SubmissionReport | None], None]


def _language(submission: Submission) -> tuple[Language | None, str]:
    if submission.problem:
        return None, submission.problem
    try:
        language = language_for_file(submission.path.name)
    except LanguageError as exc:
        return None, str(exc)
    status = language_status(language.id)
    if not status.enabled:
        return None, f"language {language.id} is disabled: {status.reason}"
    return language, ""


def _judge_one(problem: Problem, submission: Submission, time_limit: float,
               checker: PreparedChecker) -> SubmissionReport:
    language, why = _language(submission)
    if language is None:
        return SubmissionReport(submission, "skipped", why)
    try:
        source = read_source(submission.path, language)
    except OSError as exc:
        raise PackageError(submission.path, f"cannot read: {exc}") from exc
    judgement = judge(problem, source, language, JudgeOptions(time_limit=time_limit), checker)
    return _compare(problem, submission, judgement)


def _compare(problem: Problem, submission: Submission, judgement: Judgement
             ) -> SubmissionReport:
    verdict, score, best = judgement.verdict, judgement.score or 0.0, judgement.max_score
    if verdict == "SE":
        return SubmissionReport(submission, "error", f"judge error: {judgement.message}",
                                judgement)
    if submission.partial:
        if verdict == "CE" or score <= 0 or (best is not None and score >= best - 1e-9):
            return SubmissionReport(submission, "mismatch", f"expected a partial score, got "
                                    f"{verdict} with {score:g}", judgement)
        return SubmissionReport(submission, "ok", "", judgement)
    if verdict not in submission.expected:
        want = "/".join(sorted(submission.expected))
        return SubmissionReport(submission, "mismatch", f"expected {want}", judgement)
    if problem.scoring and submission.expected == {"AC"} and best is not None \
            and score < best - 1e-9:
        return SubmissionReport(submission, "mismatch", f"accepted with {score:g} of "
                                f"{best:g} points (expected the maximum)", judgement)
    return SubmissionReport(submission, "ok", "", judgement)


def _slowest(reports: list[SubmissionReport]) -> tuple[float, str]:
    slowest, where = -1.0, ""
    for report in reports:
        if report.judgement is None or report.judgement.verdict != "AC":
            continue
        for test in report.judgement.tests:
            if test.time > slowest:
                slowest, where = test.time, f"{report.submission.name} on {test.name}"
    return slowest, where


def derive_problem_time_limit(problem: Problem, checker: PreparedChecker,
                              probe: float = PROBE_TIME_LIMIT,
                              progress: Progress | None = None
                              ) -> tuple[float, str, list[SubmissionReport]]:
    """Derive the time limit from the accepted submissions (judged with ``probe``).

    Returns the limit, a sentence saying how it was derived, and the accepted submissions'
    reports (still valid under the derived limit: it is above their slowest run).
    """
    accepted = [s for s in problem.submissions if s.expected == {"AC"} and not s.partial]
    reports = []
    for submission in accepted:
        if progress:
            progress(submission, None)
        report = _judge_one(problem, submission, probe, checker)
        reports.append(report)
        if progress:
            progress(submission, report)
    slowest, where = _slowest(reports)
    if slowest < 0:
        raise PackageError(problem.root / "submissions" / "accepted",
                           "the package gives no time limit and no accepted submission passed "
                           f"(with a probe limit of {probe:g} s) to derive one from")
    limit = derive_time_limit(problem, slowest)
    rule = (f"x {problem.limits.time_multiplier:g} (time_multiplier), rounded to whole "
            f"seconds, at least 1") if problem.legacy else \
        (f"x {problem.limits.ac_to_time_limit:g} (ac_to_time_limit), rounded up to a "
         f"multiple of {problem.limits.time_resolution:g} s")
    return limit, (f"derived: slowest accepted run {slowest:.3f} s ({where}) {rule}"), reports


def verify_problem(problem: Problem, options: VerifyOptions = VerifyOptions(),
                   progress: Progress | None = None) -> VerifyReport:
    """Judge every example submission of ``problem`` and compare with its expectation.

    ``progress(submission, report)`` is called before (``report`` ``None``) and after each.
    Raises ``PackageError`` for a broken package (a validator that does not compile, no way
    to derive a time limit).
    """
    with tempfile.TemporaryDirectory(prefix="judgebox-verify-") as tmp:
        checker = prepare_checker(problem, Path(tmp) / "checker")
        done: dict[str, SubmissionReport] = {}
        derivation, source = "", "--time-limit"
        if options.time_limit is not None:
            limit = options.time_limit
        elif problem.limits.time_limit is not None:
            limit, source = problem.limits.time_limit, problem.limits.time_limit_from
        else:
            limit, derivation, reports = derive_problem_time_limit(
                problem, checker, options.probe_time_limit, progress)
            source = "derived"
            done = {r.submission.name: r for r in reports}
        ordered = []
        for submission in problem.submissions:
            report = done.get(submission.name)
            if report is None:
                if progress:
                    progress(submission, None)
                report = _judge_one(problem, submission, limit, checker)
                if progress:
                    progress(submission, report)
            ordered.append(report)
    return VerifyReport(problem, limit, source, derivation, tuple(ordered),
                        tuple(_warnings(problem, limit, source, ordered)))


def _warnings(problem: Problem, limit: float, source: str,
              reports: list[SubmissionReport]) -> list[str]:
    warnings = []
    if not problem.submissions:
        warnings.append("the package has no example submissions (submissions/)")
    elif not any(s.expected == {"AC"} for s in problem.submissions):
        warnings.append("no accepted submission (at least one is required)")
    slowest, where = _slowest([r for r in reports if r.submission.expected == {"AC"}])
    if source != "derived" and slowest >= 0 and not problem.legacy and \
            slowest * problem.limits.ac_to_time_limit > limit:
        warnings.append(f"the slowest accepted run ({slowest:.3f} s, {where}) is within "
                        f"ac_to_time_limit ({problem.limits.ac_to_time_limit:g}) of the "
                        f"time limit ({limit:g} s)")
    return warnings

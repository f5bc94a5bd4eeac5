"""Verifying a package: judge every example submission and compare with what it expects.

What problem setters run before a contest (``judgebox verify``). The time limit is the one
given (``--time-limit``), else the package's, else derived as Kattis does: the accepted
submissions are judged first under a generous probe limit, and the limit follows from the
slowest accepted test run (``worker.problem.derive_time_limit``); the other submissions are then
judged under it.

A submission matches when its verdict is one its folder (or ``@EXPECTED_RESULTS@`` tag)
allows; in scoring problems an ``accepted`` one must also get the maximum score, and a
``partially_accepted`` one a score strictly between 0 and the maximum. A package with a
``submissions.yaml`` (2025-09) states requirements per test instead (``permitted``,
``required``, ``score``, ``message``, by glob, over the format's default ones per folder):
such a submission is judged on every test and each requirement is checked.

A submission is one file or a directory of files (a program of several files). Its language
comes from the package's metadata (``submissions.yaml``, DOMjudge's ``submissions.json``), else
from its files' extensions; the package's constants are replaced in its files and its included
files added. A submission that cannot be judged here (a tag result judgebox does not give, a
language it does not have) is ``skipped`` with the reason; the others are judged all the same.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .judging import Judgement, JudgeOptions, PreparedChecker, judge, prepare_checker
from .languages import Language, LanguageError, get_language, language_for_file
from .problem import (PackageError, Problem, Rule, Submission, derive_time_limit, read_source,
                      substitute_constants)
from .problem.submissions import glob_matches
from .selftest import language_status
from .sources import SourceError, SourceFiles, language_of, read_directory

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

    def to_json(self) -> dict[str, object]:
        """One entry of ``judgebox verify --json``'s ``submissions``."""
        sub, judgement = self.submission, self.judgement
        expected = "partial score" if sub.partial else \
            ("submissions.yaml" if sub.rules else "/".join(sorted(sub.expected)))
        return {"name": sub.name, "expected": expected, "expected_from": sub.expected_from,
                "got": judgement.verdict if judgement else None,
                "score": judgement.score if judgement else None,
                "max_score": judgement.max_score if judgement else None,
                "time": round(judgement.time, 3) if judgement else None,
                "language": judgement.language if judgement else None,
                "status": self.status, "note": self.note}


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

    def counts(self) -> dict[str, int]:
        """How many submissions of each status."""
        return {s: sum(r.status == s for r in self.reports)
                for s in ("ok", "mismatch", "error", "skipped")}

    def to_json(self) -> dict[str, object]:
        """``judgebox verify --json``: the problem, the time limit and each submission."""
        return {"problem": self.problem.short_name, "type": self.problem.type,
                "format": self.problem.format, "time_limit": self.time_limit,
                "time_limit_from": self.time_limit_from, "derivation": self.derivation,
                "sample_only": self.problem.sample_only,
                "submissions": [r.to_json() for r in self.reports],
                "counts": self.counts(), "warnings": list(self.warnings), "ok": self.ok}


Progress = Callable[[Submission, SubmissionReport | None], None]


# Language names of the packages' metadata (Kattis codes, DOMjudge ids) -> judgebox's ids.
METADATA_LANGUAGES = {"cpp": "cpp17", "c++": "cpp17", "py3": "python3", "python": "python3",
                      "js": "javascript", "kt": "kotlin", "pas": "pascal", "sh": "bash",
                      "f95": "fortran", "hs": "haskell", "rb": "ruby", "pl": "perl",
                      "rs": "rust", "ml": "ocaml", "cs": "csharp", "objectivec": "objc",
                      "prolog": "swiprolog", "plg": "swiprolog", "adb": "ada",
                      "clj": "clojure", "exs": "elixir", "erl": "erlang", "ts": "typescript"}


_PYTHON2 = re.compile(rb"#!.*python2\b")


def submission_language(submission: Submission) -> Language:
    """The language of an example submission: the metadata's, else its files' extensions
    (LanguageError, or SourceError for a directory that is no program)."""
    if submission.language:
        name = submission.language.lower()
        return get_language(METADATA_LANGUAGES.get(name, name))
    if submission.multi_file:
        return language_of(read_directory(submission.path, submission.entry))
    if submission.path.suffix == ".py" and _PYTHON2.match(submission.path.read_bytes()[:200]):
        raise LanguageError("Python 2 (its #! line says so, as problemtools reads it): "
                            "Debian 12 packages no Python 2")
    return language_for_file(str(submission.path))  # the path: .m is told by its content


def submission_source(problem: Problem, submission: Submission, language: Language
                      ) -> bytes | SourceFiles:
    """What to compile: the file (local headers inlined for C and C++) or the directory's
    files, with the package's constants replaced (2025-09)."""
    constants = problem.constants
    if not submission.multi_file:
        return substitute_constants(read_source(submission.path, language), constants)
    files = read_directory(submission.path, submission.entry)
    return SourceFiles(tuple((name, substitute_constants(data, constants))
                             for name, data in files.files), files.entry)


def _language(submission: Submission) -> tuple[Language | None, str]:
    if submission.problem:
        return None, submission.problem
    try:
        language = submission_language(submission)
    except (LanguageError, SourceError) as exc:
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
        source = submission_source(problem, submission, language)
    except OSError as exc:
        raise PackageError(submission.path, f"cannot read: {exc}") from exc
    except SourceError as exc:
        return SubmissionReport(submission, "skipped", str(exc))
    options = JudgeOptions(time_limit=time_limit, judge_all=bool(submission.rules))
    judgement = judge(problem, source, language, options, checker)
    return _compare(problem, submission, judgement)


_FORMAT_VERDICT = {"AC": "AC", "WA": "WA", "TLE": "TLE", "RE": "RTE", "MLE": "RTE",
                   "OLE": "RTE"}


def _rule_problem(rule: Rule, judgement: Judgement) -> str:
    """Why ``judgement`` breaks ``rule`` of submissions.yaml, or ''."""
    tests = [t for t in judgement.tests
             if rule.tests is None or glob_matches(rule.tests, t.name)]
    where = f" on {rule.tests}" if rule.tests else ""
    verdicts = [_FORMAT_VERDICT.get(t.verdict, t.verdict) for t in tests]
    if rule.permitted is not None:
        bad = [f"{t.name}: {v}" for t, v in zip(tests, verdicts) if v not in rule.permitted]
        if bad:
            return f"not permitted{where} ({'/'.join(sorted(rule.permitted))}): {bad[0]}"
    if rule.required is not None and not set(verdicts) & rule.required:
        return f"none of {'/'.join(sorted(rule.required))} required{where} " \
               f"(got {'/'.join(sorted(set(verdicts))) or 'no test'})"
    if rule.score is not None:
        low, high = rule.score
        if not (low - 1e-9 <= (judgement.score or 0.0) <= high + 1e-9):
            return f"score {judgement.score:g} outside [{low:g}, {high:g}]"
    if rule.message is not None and not any(rule.message in t.checker_message
                                            for t in tests):
        return f"no judge message{where} contains {rule.message!r}"
    return ""


def _compare_rules(submission: Submission, judgement: Judgement) -> SubmissionReport:
    if judgement.verdict == "CE":
        return SubmissionReport(submission, "mismatch", "did not compile (meets no "
                                "requirement of submissions.yaml)", judgement)
    for rule in submission.rules:
        why = _rule_problem(rule, judgement)
        if why:
            return SubmissionReport(submission, "mismatch", why, judgement)
    return SubmissionReport(submission, "ok", "", judgement)


def _compare(problem: Problem, submission: Submission, judgement: Judgement
             ) -> SubmissionReport:
    verdict, score, best = judgement.verdict, judgement.score or 0.0, judgement.max_score
    if verdict == "SE":
        return SubmissionReport(submission, "error", f"judge error: {judgement.message}",
                                judgement)
    if submission.rules:
        return _compare_rules(submission, judgement)
    if submission.expected_score is not None and verdict not in ("CE",) and \
            abs(score - submission.expected_score) > 1e-6:
        return SubmissionReport(submission, "mismatch", f"expected the score "
                                f"{submission.expected_score:g} (@EXPECTED_SCORE@), got "
                                f"{score:g}", judgement)
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
    accepted = [s for s in problem.submissions if s.expected == {"AC"} and not s.partial
                and not s.problem]
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

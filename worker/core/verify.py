"""Verifying a package: judge every example submission and compare with what it expects.

What problem setters run before a contest (``judgebox verify``). The time limit is the one
given (``--time-limit``), else the package's, else derived as Kattis does: the accepted
submissions are judged first under a generous probe limit, and the limit follows from the
slowest accepted test run (``worker.core.problem.derive_time_limit``); the other submissions are
then judged under it.

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
from .problem.sources import program_language, prolog_language
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
    prolog = prolog_language(list(submission.files))  # .pl: Perl or Prolog, by content
    if prolog is not None:
        return prolog
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


def is_answers(problem: Problem, submission: Submission) -> bool:
    """Whether an example submission of a submit-answer problem is answer files: none of
    its files is a source of a known language (a program is judged as a program, as the
    format's own example has them) and its metadata names no language."""
    return problem.submit_answer and not submission.language and bool(submission.files) \
        and all(program_language(path) is None for path in submission.files)


def _answers(problem: Problem, submission: Submission) -> SourceFiles:
    if submission.multi_file:
        return read_directory(submission.path)
    return SourceFiles(((submission.path.name, submission.path.read_bytes()),))


def _judge_one(problem: Problem, submission: Submission, time_limit: float,
               checker: PreparedChecker, *, judge_all: bool | None = None,
               tests: list[str | None] | None = None) -> SubmissionReport:
    """Judge one example submission and compare. ``tests``: only those the globs cover
    (``None`` in it: all), for a partial judgement's run times; ``judge_all`` overrides
    judging every test (what a submission with submissions.yaml rules gets)."""
    only = None if tests is None or None in tests else \
        (lambda name: any(glob_matches(pattern, name) for pattern in tests))
    options = JudgeOptions(time_limit=time_limit, only=only, judge_all=bool(
        submission.rules) if judge_all is None else judge_all)
    if not submission.problem and is_answers(problem, submission):
        try:
            answers = _answers(problem, submission)
        except SourceError as exc:
            return SubmissionReport(submission, "skipped", str(exc))
        return _compare(problem, submission, judge(problem, answers, None, options, checker))
    language, why = _language(submission)
    if language is None:
        return SubmissionReport(submission, "skipped", why)
    try:
        source = submission_source(problem, submission, language)
    except OSError as exc:
        raise PackageError(submission.path, f"cannot read: {exc}") from exc
    except SourceError as exc:
        return SubmissionReport(submission, "skipped", str(exc))
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
        scores = [("", judgement.score or 0.0)] if rule.tests is None else \
            [(f" of {name}", judgement.group_scores[name])
             for name in _covered_groups(rule.tests, judgement.group_scores)]
        if not scores:
            return f"score{where}: no scored test group is {rule.tests}"
        for what, score in scores:
            if not (low - 1e-9 <= score <= high + 1e-9):
                return f"score{what} {score:g} outside [{low:g}, {high:g}]"
    if rule.message is not None and not any(rule.message in t.checker_message
                                            for t in tests):
        return f"no judge message{where} contains {rule.message!r}"
    return ""


def _covered_groups(pattern: str, groups: dict[str, float]) -> list[str]:
    """The groups a test-group glob names: those it matches, not within another it matches
    (``score`` is "the aggregated score of a given test data group")."""
    matched = [name for name in groups if glob_matches(pattern, name)]
    return [name for name in matched
            if not any(name.startswith(other + "/") for other in matched)]


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


def lower_bound(submission: Submission) -> bool:
    """Whether the submission's runs bound the time limit from below: its
    ``submissions.yaml`` rules say so (a ``permitted`` without TLE, ``use_for_time_limit:
    lower``), or, without rules, it is expected to be accepted."""
    if submission.rules:
        return any(rule.time_limit == "lower" for rule in submission.rules)
    return submission.expected == {"AC"} and not submission.partial


def upper_bound(submission: Submission) -> bool:
    """Whether the submission must time out (``required: [TLE]``, ``use_for_time_limit:
    upper``; without rules, a time_limit_exceeded one): the limit must stay below its run
    time by the format's margin."""
    if submission.rules:
        return any(rule.time_limit == "upper" for rule in submission.rules)
    return submission.expected == {"TLE"}


def _covered(submission: Submission, bound: str) -> list[str | None] | None:
    """The test globs of the submission's rules that bound the limit from ``bound``'s side
    (``None`` among them: every test); ``None`` when it has no rules."""
    if not submission.rules:
        return None
    return [rule.tests for rule in submission.rules if rule.time_limit == bound]


def _lower_tests(report: SubmissionReport) -> list:
    """The test runs of ``report`` that bound the time limit from below: an accepted
    judgement's, or those its lower-bound rules cover (timeouts are no run times)."""
    judgement, submission = report.judgement, report.submission
    if judgement is None or judgement.verdict == "CE":
        return []
    if not submission.rules:
        return list(judgement.tests) if judgement.verdict == "AC" and \
            lower_bound(submission) else []
    covered = [rule.tests for rule in submission.rules if rule.time_limit == "lower"]
    return [t for t in judgement.tests if t.verdict != "TLE" and any(
        pattern is None or glob_matches(pattern, t.name) for pattern in covered)]


def _slowest(reports: list[SubmissionReport]) -> tuple[float, str]:
    slowest, where = -1.0, ""
    for report in reports:
        for test in _lower_tests(report):
            if test.time > slowest:
                slowest, where = test.time, f"{report.submission.name} on {test.name}"
    return slowest, where


def derive_problem_time_limit(problem: Problem, checker: PreparedChecker,
                              probe: float = PROBE_TIME_LIMIT,
                              progress: Progress | None = None
                              ) -> tuple[float, str, list[SubmissionReport]]:
    """Derive the time limit from the accepted submissions (judged with ``probe``).

    Returns the limit, a sentence saying how it was derived, and the accepted submissions'
    reports (still valid under the derived limit: it is above their slowest run). With
    ``submissions.yaml``, the submissions its rules use as lower bounds are judged instead,
    their covered tests counting (the format's time limit inference).
    """
    accepted = [s for s in problem.submissions if lower_bound(s) and not s.problem]
    reports, partial = [], set()
    for submission in accepted:
        if progress:
            progress(submission, None)
        covered = _covered(submission, "lower")
        report = _judge_one(problem, submission, probe, checker, tests=covered)
        if covered is not None and None not in covered:
            partial.add(submission.name)  # its other tests were not judged
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
    what = "run bounding it from below" if any(s.rules for s in accepted) else \
        "accepted run"
    # a submission that must also time out somewhere is judged again at the limit
    kept = [r for r in reports if not upper_bound(r.submission)
            and r.submission.name not in partial]
    return limit, (f"derived: slowest {what} {slowest:.3f} s ({where}) {rule}"), kept


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
        warnings = _warnings(problem, limit, source, ordered)
        warnings += _upper_bound_warnings(problem, limit, checker, ordered)
    return VerifyReport(problem, limit, source, derivation, tuple(ordered), tuple(warnings))


def _upper_bound_warnings(problem: Problem, limit: float, checker: PreparedChecker,
                          reports: list[SubmissionReport]) -> list[str]:
    """The submissions that must time out, judged again with the format's margin (the time
    limit x ``time_limit_to_tle``; legacy: x ``time_safety_margin``), as problemtools judges
    them at its high limit: one that no longer times out bounds the limit from above more
    tightly than the package allows (the spec's "time_limit x time_limit_to_tle <= T")."""
    margin = problem.limits.time_safety_margin if problem.legacy else \
        problem.limits.time_limit_to_tle
    key = "time_safety_margin" if problem.legacy else "time_limit_to_tle"
    warnings = []
    for report in reports:
        submission = report.submission
        if report.status != "ok" or not upper_bound(submission):
            continue
        covered = _covered(submission, "upper")
        high = _judge_one(problem, submission, limit * margin, checker, judge_all=False,
                          tests=covered).judgement
        if high is None:
            continue
        if covered is not None:
            timed_out = all(any(t.verdict == "TLE" and (pattern is None or glob_matches(
                pattern, t.name)) for t in high.tests) for pattern in covered)
        else:
            timed_out = high.verdict == "TLE"
        if not timed_out:
            warnings.append(f"{submission.name} does not time out with {margin:g} x the time "
                            f"limit ({limit * margin:g} s, {key}): {high.verdict} in "
                            f"{high.time:.3f} s; the time limit is too close to its run time")
    return warnings


def _warnings(problem: Problem, limit: float, source: str,
              reports: list[SubmissionReport]) -> list[str]:
    warnings: list[str] = []
    if not problem.submissions:
        warnings.append("the package has no example submissions (submissions/)")
    elif not any(s.expected == {"AC"} for s in problem.submissions):
        warnings.append("no accepted submission (at least one is required)")
    slowest, where = _slowest(reports)
    if source != "derived" and slowest >= 0 and not problem.legacy and \
            slowest * problem.limits.ac_to_time_limit > limit:
        warnings.append(f"the slowest accepted run ({slowest:.3f} s, {where}) is within "
                        f"ac_to_time_limit ({problem.limits.ac_to_time_limit:g}) of the "
                        f"time limit ({limit:g} s)")
    return warnings

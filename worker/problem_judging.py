"""Judging a stored submission against a problem package: the package comes by content hash
(``worker.packages``: from the database, cached unpacked on this worker), ``worker.judging``
judges, and each test's result is stored as it arrives (``JudgeOptions.on_test``), with the
program's stdout and stderr as far as ``JudgeSettings`` keeps them (more of a sample's than
of another test's, whose data only the problem's managers may see). A scoring problem's
groups go to ``submissions.details``; a run on the samples (``submissions.samples_only``)
judges the samples alone."""

from __future__ import annotations

from pathlib import Path

from .db import Submission
from .judging import JudgeOptions, Judgement, TestResult, judge
from .languages import get_language
from .packages import PackageFetchError, discard, unpacked
from .pipeline import JudgeSettings, Reporter, RunLimits, program_of
from .sources import ANSWERS, SourceFiles
from .problem import PackageError, extract_archive, load_problem
from .verdicts import judge0_status

__all__ = ["judge_problem_submission"]

_VALIDATION_S = 60.0  # a validator's own time, on top of each test's (the package default)


def _test_row(index: int, result: TestResult) -> dict:
    return {"index": index, "name": result.name, "group": result.group,
            "verdict": result.verdict, "status": result.verdict if result.verdict in
            ("TLE", "MLE", "OLE", "RE", "SE") else "OK", "time": round(result.time, 3),
            "wall_time": round(result.wall_time, 3), "memory": result.memory,
            "exit_code": result.exit_code, "signal": result.signal,
            "checker_message": result.checker_message[:4096], "stdout": result.stdout,
            "stderr": result.stderr}


def _values(judgement: Judgement) -> dict:
    last = next((t for t in judgement.tests if t.verdict != "AC"), None)
    return {"verdict": judgement.verdict,
            "judge0_status": judge0_status(judgement.verdict, last.signal if last else None,
                                           last.exit_code if last else None),
            "score": judgement.score, "max_score": judgement.max_score,
            "time": round(judgement.time, 3),
            "wall_time": round(max((t.wall_time for t in judgement.tests), default=0.0), 3),
            "memory": judgement.memory, "compile_output": judgement.compile_output or None,
            "message": judgement.message or None,
            "exit_code": last.exit_code if last else None,
            "exit_signal": last.signal if last else None,
            "details": {"groups": [g.to_json() for g in judgement.groups]}
            if judgement.groups else None}


def judge_problem_submission(row: Submission, reporter: Reporter,
                             settings: JudgeSettings) -> dict:
    """The judgement of ``row`` on its problem, as the submission's result columns."""
    if settings.package_cache is None or settings.fetch_package is None:
        raise PackageError(row.package_sha256 or "?", "this worker cannot fetch packages")
    cache = Path(settings.package_cache)
    try:
        root = unpacked(cache, row.package_sha256, settings.fetch_package, extract_archive)
    except PackageFetchError as exc:  # gone from the store (or corrupt): judge nothing
        return _system_error(f"problem package: {exc}")
    problem = load_problem(root)
    answers = row.language == ANSWERS
    language = None if answers else get_language(row.language)
    limits = RunLimits.from_json(row.limits or {})
    samples_only = bool(row.samples_only)
    count = len(problem.sample.cases if problem.sample is not None else ()) if samples_only \
        else len(problem.cases)
    wall_ms = limits.wall_ms or 2 * (limits.cpu_ms + limits.extra_ms) + 1_000
    per_test_s = wall_ms / 1000 + _VALIDATION_S
    # the validator compiles too, then the first test runs before the next report
    reporter.compiling(count, settings.compile_limits.wall_time_ms / 1000 + per_test_s)
    seen = 0

    def on_test(result: TestResult) -> None:
        nonlocal seen
        seen += 1
        reporter.result(_test_row(seen, result), per_test_s)
        if seen < count:
            reporter.running(seen + 1, count, per_test_s)

    options = JudgeOptions(time_limit=limits.cpu_ms / 1000,
                           memory_limit_mb=max(1, limits.memory_kib // 1024),
                           output_limit_mb=max(1, limits.output_kib // 1024),
                           judge_all=bool((row.options or {}).get("run_all")),
                           samples_only=samples_only,
                           keep_output_kib=settings.keep_output_kib,
                           keep_hidden_output_kib=settings.keep_hidden_output_kib,
                           compile_limits=settings.compile_limits, on_test=on_test,
                           seen=reporter.seen)
    try:
        source = answer_files(row) if answers else program_of(row, language)
        judgement = judge(problem, source, language, options)
    except (PackageError, ValueError) as exc:  # the package's fault: a judge error
        return _system_error(f"problem package: {exc}")
    except FileNotFoundError as exc:
        copy = cache / "packages" / row.package_sha256
        if not str(exc.filename or "").startswith(f"{copy}/"):
            raise
        # the cached copy was cleaned while judged: never a verdict on what is left of it;
        # drop it so the next judgement unpacks the package again
        discard(cache, row.package_sha256)
        return _system_error(f"problem package {row.package_sha256[:12]}: its unpacked copy "
                             f"on this worker went missing while judged ({exc.strerror}: "
                             f"{Path(exc.filename).relative_to(copy)}); judge it again")
    return _values(judgement)


def answer_files(row: Submission) -> SourceFiles:
    """The answer files of a submission to a submit-answer problem (one source is one
    file, named ``answer``)."""
    files = [(f.name, f.content) for f in row.files or []]
    return SourceFiles(tuple(files) if files else (("answer", row.source),))


def _system_error(message: str) -> dict:
    return {"verdict": "SE", "judge0_status": 13, "message": message[:2000]}


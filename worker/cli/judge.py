"""``judgebox judge`` and ``judgebox verify``: click commands over ``worker.core.judging`` and
``worker.core.verify``. (``worker.cli`` loads them when called).

Exit status (DESIGN.md): ``judge`` exits 0 whenever judgebox did its job, whatever the verdict,
and 1 with a one-line error when it could not (a broken package, an unknown language, a judge
error ``SE``; 2 for bad usage). ``verify`` exits 1 when any submission did not get what it
expects (or judging it failed).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import click

from sandbox import SandboxError
from worker.core.compile import CompileSystemError
from worker.core.judging import (SAMPLE_ONLY_NOTE, Judgement, JudgeOptions, PreparedChecker,
                                 TestResult, judge, prepare_checker)
from worker.core.languages import Language, LanguageError, get_language, language_for_file
from worker.core.problem import PackageError, Problem, open_problem, read_source
from worker.core.problem.sources import program_language, prolog_language
from worker.core.selftest import language_status
from worker.core.sources import ANSWERS, SourceFiles, language_of, read_directory, read_paths
from worker.core.verify import (SubmissionReport, VerifyOptions, VerifyReport,
                                derive_problem_time_limit, verify_problem)

from ._common import one_line, table

__all__ = ["judge_command", "verify_command", "read_submission"]

_ERRORS = (PackageError, LanguageError, SandboxError, CompileSystemError, OSError, ValueError)


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _language(source: str, lang_id: str | None) -> Language:
    language = get_language(lang_id) if lang_id else \
        prolog_language([Path(source)]) or language_for_file(source)
    return _enabled(language)


def _enabled(language: Language) -> Language:
    status = language_status(language.id)
    if not status.enabled:
        raise LanguageError(f"language {language.id} is disabled: {status.reason}")
    return language


def read_submission(paths: list[Path], lang_id: str | None, entry: str | None,
                    answers: bool = False) -> tuple[bytes | SourceFiles, Language | None]:
    """What ``judgebox judge`` was given: one file (its bytes, local headers inlined), or a
    directory or several files (a program of several files), and its language. ``answers``
    (a submit-answer problem): files that are no program (``--lang answers``, or none in a
    known language) are the answers, and the language is ``None``."""
    if answers and _are_answers(paths, lang_id):
        if len(paths) == 1 and paths[0].is_dir():
            return read_directory(paths[0]), None
        return read_paths(paths), None
    if lang_id == ANSWERS:
        raise click.UsageError("--lang answers: the problem is not a submit-answer problem")
    if len(paths) == 1 and paths[0].is_file() and entry is None:
        language = _language(str(paths[0]), lang_id)
        return read_source(paths[0], language), language
    if len(paths) == 1 and paths[0].is_dir():
        files = read_directory(paths[0], entry)
    else:
        files = read_paths(paths, entry)
    listed = [f for p in paths for f in (sorted(p.iterdir()) if p.is_dir() else [p])]
    language = get_language(lang_id) if lang_id else \
        prolog_language(listed) or language_of(files)
    return files, _enabled(language)


def _are_answers(paths: list[Path], lang_id: str | None) -> bool:
    if lang_id is not None:
        return lang_id == ANSWERS
    files = [f for p in paths for f in (sorted(p.iterdir()) if p.is_dir() else [p])]
    return all(program_language(f) is None for f in files if f.is_file())


def _describe(problem: Problem) -> str:
    return f"{problem.name} ({problem.short_name}): {problem.type}, {problem.format} format, " \
           f"checker {problem.validator.kind}, {len(problem.cases)} tests"


def _first_line(text: str, width: int = 60) -> str:
    line = text.strip().splitlines()[-1] if text.strip() else ""
    return line if len(line) <= width else line[:width - 3] + "..."


def _print_judgement(judgement: Judgement, problem: Problem) -> None:
    if judgement.compile_output.strip():
        click.echo(judgement.compile_output.rstrip(), err=True)
    if judgement.tests:
        scores = problem.scoring
        rows = [("test", "group", "verdict", "time", "wall", "memory")
                + (("score",) if scores else ()) + ("message",)]
        rows += [(t.name, t.group, t.verdict, f"{t.time:.3f}s", f"{t.wall_time:.3f}s",
                  f"{t.memory} KiB") + ((_score(t.score),) if scores else ())
                 + (_first_line(t.checker_message),) for t in judgement.tests]
        for line in table(rows):
            click.echo(line)
    if problem.sample_only:
        click.echo(f"note: {SAMPLE_ONLY_NOTE}")
    judged = f"{len(judgement.tests)}/{len(problem.cases)} tests judged"
    how = "answer files" if judgement.time_limit is None else \
        f"time limit {judgement.time_limit:g} s, {judgement.language}"
    click.echo(f"verdict {judgement.verdict}  score {_score(judgement.score)}/"
               f"{_score(judgement.max_score)}  time {judgement.time:.3f}s  memory "
               f"{judgement.memory} KiB  ({judged}, {how})")


@click.command("judge")
@click.argument("problem", type=click.Path(exists=True))
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--lang", "lang_id", default=None, metavar="ID",
              help="Language id (see `judgebox languages`) [default: from the extension]; "
                   "`answers`: the files are the answers of a submit-answer problem "
                   "[default there when none is a source file].")
@click.option("--entry", default=None, metavar="NAME",
              help="The entry point of a program of several files: a file, or a Java or "
                   "Kotlin class [default: decided as DOMjudge does].")
@click.option("--time-limit", type=click.FloatRange(min=0.001), default=None,
              help="CPU time limit per test in seconds [default: the package's; derived from "
                   "its accepted submissions when it gives none].")
@click.option("--all", "judge_all", is_flag=True,
              help="Judge every test of a pass-fail problem (default: stop at the first "
                   "failure).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def judge_command(problem: str, sources: tuple[str, ...], lang_id: str | None,
                  entry: str | None, time_limit: float | None, judge_all: bool,
                  as_json: bool) -> None:
    """Judge SOURCES on the problem package PROBLEM (a directory, .zip or .kpp): one source
    file, or a program of several files (a directory of them, or the files)."""
    try:
        with open_problem(Path(problem)) as package, \
                tempfile.TemporaryDirectory(prefix="judgebox-judge-") as tmp:
            code, language = read_submission([Path(s) for s in sources], lang_id, entry,
                                             package.submit_answer)
            checker = prepare_checker(package, Path(tmp))
            if time_limit is None and package.limits.time_limit is None and language:
                click.echo(f"{package.short_name}: the package gives no time limit; judging "
                           f"its accepted submissions to derive one...", err=True)
                time_limit, how, _ = derive_problem_time_limit(package, checker)
                click.echo(f"time limit {time_limit:g} s ({how})", err=True)
            judgement = _judge(package, code, language, time_limit, judge_all, as_json,
                               checker)
    except _ERRORS as exc:
        raise click.ClickException(one_line(exc)) from exc
    if as_json:
        click.echo(json.dumps(judgement.to_json()))
    else:
        _print_judgement(judgement, package)
    if judgement.verdict == "SE":
        click.echo(f"judgebox: judge error: {one_line(Exception(judgement.message))}",
                   err=True)
        sys.exit(1)


def _judge(package: Problem, code: bytes | SourceFiles, language: Language | None,
           time_limit: float | None,
           judge_all: bool, as_json: bool, checker: PreparedChecker) -> Judgement:
    def progress(test: TestResult) -> None:
        click.echo(f"  {test.name}: {test.verdict} ({test.time:.3f}s)", err=True)

    if not as_json:
        click.echo(_describe(package), err=True)
    options = JudgeOptions(time_limit=time_limit, judge_all=judge_all,
                           on_test=None if as_json or not sys.stderr.isatty() else progress)
    return judge(package, code, language, options, checker)


def _report_rows(report: VerifyReport) -> list[tuple[str, ...]]:
    rows = [("submission", "expected", "got", "score", "time", "result")]
    for item in report.reports:
        sub, judgement = item.submission, item.judgement
        expected = "partial score" if sub.partial else "submissions.yaml" if sub.rules else \
            "/".join(sorted(sub.expected)) or "?"
        result = {"ok": "ok", "mismatch": "MISMATCH", "error": "ERROR",
                  "skipped": "skipped"}[item.status]
        rows.append((sub.name, expected, item.verdict,
                     f"{_score(judgement.score)}/{_score(judgement.max_score)}"
                     if judgement and report.problem.scoring else "-",
                     f"{judgement.time:.3f}s" if judgement and judgement.tests else "-",
                     result + (f": {item.note}" if item.note else "")))
    return rows


def _verify_with_progress(package: Problem, time_limit: float | None) -> VerifyReport:
    """verify_problem with a progress bar on a terminal, one line per submission otherwise."""
    options = VerifyOptions(time_limit=time_limit)
    total = len(package.submissions)
    if not sys.stderr.isatty():
        seen: list[str] = []

        def log(submission, report: SubmissionReport | None) -> None:
            if report is not None:
                seen.append(submission.name)
                click.echo(f"[{len(seen)}/{total}] {submission.name}: {report.verdict}",
                           err=True)
        return verify_problem(package, options, log)
    with click.progressbar(length=total, label="judging", file=sys.stderr, show_pos=True,
                           item_show_func=lambda name: name) as bar:
        def show(submission, report: SubmissionReport | None) -> None:
            if report is None:
                bar.current_item = submission.name
                bar.render_progress()
            else:
                bar.update(1)
        return verify_problem(package, options, show)


@click.command("verify")
@click.argument("problem", type=click.Path(exists=True))
@click.option("--time-limit", type=click.FloatRange(min=0.001), default=None,
              help="CPU time limit per test in seconds [default: the package's; derived from "
                   "the slowest accepted submission when it gives none].")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object on stdout (per submission: expected, got, time).")
def verify_command(problem: str, time_limit: float | None, as_json: bool) -> None:
    """Judge every submission in PROBLEM's submissions/ and check each gets the verdict its
    folder (or its @EXPECTED_RESULTS@ tag, or submissions.yaml) expects."""
    try:
        with open_problem(Path(problem)) as package:
            if not as_json:
                click.echo(_describe(package))
                if package.sample_only:
                    click.echo(f"note: {SAMPLE_ONLY_NOTE}")
            report = _verify_with_progress(package, time_limit)
    except _ERRORS as exc:
        raise click.ClickException(one_line(exc)) from exc
    if as_json:
        click.echo(json.dumps(report.to_json()))
        if not report.ok:
            sys.exit(1)
        return
    source = report.time_limit_from
    how = report.derivation if source == "derived" else f"from {source}"
    if source == "derived":
        click.echo("the package gives no time limit:")
    click.echo(f"time limit {report.time_limit:g} s ({how})")
    for line in table(_report_rows(report)):
        click.echo(line)
    for warning in report.warnings:
        click.echo(f"warning: {warning}")
    counts = report.counts()
    click.echo(f"{len(report.reports)} submissions: {counts['ok']} as expected, "
               f"{counts['mismatch']} mismatched, {counts['error']} judge errors, "
               f"{counts['skipped']} skipped")
    if not report.ok:
        sys.exit(1)

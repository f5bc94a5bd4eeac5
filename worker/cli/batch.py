"""``judgebox batch``: grade a folder or a zip of submissions on one problem
(``worker.core.batch``).

Exit status (DESIGN.md): 0 when every submission got a verdict, whatever it is; 1 when judging
itself failed for some (``SE``: they are judged again by the next run) or could not start (a
broken package, unreadable submissions, an unreachable server); 2 for bad usage; 130 when
interrupted (the next run with the same report resumes).
"""

from __future__ import annotations

import collections
import os
import signal
import sys
import time
from pathlib import Path

import click

from sandbox import SandboxError
from worker.core.batch import (SKIPPED, BatchError, BatchItem, BatchResult, BatchState,
                               CollectOptions, Server, ServerError, Stop, collect_submissions,
                               item_key, judge_locally, judge_on_server, open_submissions,
                               problem_fingerprint, write_report)
from worker.core.compile import CompileSystemError
from worker.core.languages import LanguageError
from worker.core.problem import PackageError
from worker.store.rejudge import ReportError, diff_reports, read_report, render_diff, summary

from ._common import one_line, table

__all__ = ["batch_command"]

_ERRORS = (BatchError, PackageError, LanguageError, ServerError, SandboxError,
           CompileSystemError, OSError, ValueError)
_ORDER = ("AC", "WA", "TLE", "MLE", "RE", "OLE", "CE", "SE", SKIPPED)


def _language_options(values: tuple[str, ...]) -> dict[str, str]:
    languages = {}
    for value in values:
        ext, sep, lang = value.partition("=")
        if sep:
            languages[ext.lstrip(".").lower()] = lang
        else:
            languages["*"] = value
    return languages


def _default_out(submissions: str) -> Path:
    """``class-report.csv`` for ``class/`` or ``class.zip``, in the current folder."""
    path = Path(submissions).resolve()
    name = (path.stem if path.is_file() else path.name) or "batch"
    return Path(f"{name}-report.csv")


class _Progress:
    """Counts per verdict, a progress bar with an ETA on a terminal, a line per item
    otherwise; records each result in the state file."""

    def __init__(self, total: int, resumed: int, state: BatchState, keys: dict) -> None:
        self.state, self.keys = state, keys
        self.counts: collections.Counter = collections.Counter()
        self.done, self.total = 0, total
        self.results: dict[BatchItem, BatchResult] = {}
        self.bar = None
        if sys.stderr.isatty():
            self.bar = click.progressbar(length=total, label="judging", file=sys.stderr,
                                         show_pos=True, show_eta=True,
                                         item_show_func=lambda _: self.summary())
            self.bar.__enter__()
        if resumed:
            click.echo(f"{resumed} of {total + resumed} already judged (from {state.path}); "
                       f"judging the other {total}", err=True)

    def summary(self) -> str:
        return " ".join(f"{v} {self.counts[v]}" for v in _ORDER if self.counts[v]) + \
            "".join(f" {v} {n}" for v, n in self.counts.items() if v not in _ORDER)

    def __call__(self, item: BatchItem, result: BatchResult) -> None:
        self.state.finished(self.keys[item], result)
        self.results[item] = result
        self.counts[result.verdict] += 1
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        else:
            note = f"  ({result.message})" if result.message else ""
            click.echo(f"[{self.done}/{self.total}] {item.file}: {result.verdict}{note}  "
                       f"[{self.summary()}]", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _summary(results: list[BatchResult], slowest: int = 5) -> None:
    counts = collections.Counter(r.verdict for r in results)
    verdicts = [v for v in _ORDER if counts[v]] + sorted(v for v in counts if v not in _ORDER)
    for line in table([("verdict", "count")] + [(v, str(counts[v])) for v in verdicts]):
        click.echo(line)
    skipped = [r for r in results if r.verdict == SKIPPED]
    if skipped:
        click.echo("")
        click.echo("skipped:")
        for line in table([("submitter", "file", "why")]
                          + [(r.submitter, r.file, r.message) for r in skipped]):
            click.echo(line)
    ran = sorted((r for r in results if r.tests), key=lambda r: -r.time)[:slowest]
    if ran:
        click.echo("")
        click.echo("slowest runs:")
        rows = [("submitter", "file", "verdict", "time", "memory")]
        rows += [(r.submitter, r.file, r.verdict, f"{r.time:.3f}s", f"{r.memory} KiB")
                 for r in ran]
        for line in table(rows):
            click.echo(line)


class _Interrupts:
    """The first Ctrl-C stops sending items (running ones finish and are recorded); the
    second stops at once."""

    def __init__(self, stop: Stop) -> None:
        self.stop = stop

    def __enter__(self) -> "_Interrupts":
        self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self.stop.requested:
            raise KeyboardInterrupt
        self.stop.requested = True
        click.echo("\njudgebox: interrupted; finishing the running judgements (Ctrl-C again "
                   "to stop now)", err=True)

    def __exit__(self, *exc) -> None:
        signal.signal(signal.SIGINT, self.previous)


@click.command("batch")
@click.argument("problem")
@click.argument("submissions", type=click.Path(exists=True))
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
              help="The report: .csv or .json [default: SUBMISSIONS-report.csv here]. The "
                   "state file that lets a run resume sits next to it (REPORT.state).")
@click.option("--server", default=None, metavar="URL",
              help="Judge through this judgebox server's API (PROBLEM is then the name of "
                   "a problem uploaded there) instead of locally.")
@click.option("--token", envvar="JUDGEBOX_TOKEN", default=None,
              help="API token for --server [env JUDGEBOX_TOKEN].")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Submissions judged at once [default: the number of CPUs locally, 8 "
                   "in flight with --server].")
@click.option("--lang", "langs", multiple=True, metavar="[EXT=]ID",
              help="Language of every file (ID), or of one extension (EXT=ID); repeatable "
                   "[default: from the extension].")
@click.option("--all-files", is_flag=True,
              help="Judge every file of a submitter's folder, not only the newest.")
@click.option("--multi-file", is_flag=True,
              help="Each submitter's folder is one program of several files (judged "
                   "together, as `judgebox judge PROBLEM DIR` does).")
@click.option("--skip-unknown", is_flag=True,
              help="Skip files whose language is unknown instead of refusing the batch.")
@click.option("--time-limit", type=click.FloatRange(min=0.001), default=None,
              help="CPU time limit per test in seconds [default: the package's].")
@click.option("--all", "judge_all", is_flag=True,
              help="Judge every test of a pass-fail problem (default: stop at the first "
                   "failure).")
@click.option("--assignment", default=None, metavar="NAME",
              help="With --server: each submission counts in this assignment as its "
                   "submitter's (the folder's name is the student's username; the token is "
                   "of the course's staff).")
@click.option("--compare", type=click.Path(exists=True, dir_okay=False), default=None,
              metavar="OLD_REPORT",
              help="An earlier report (e.g. before the package changed): show what changed "
                   "and write the diff next to the report (REPORT-diff.csv|json).")
def batch_command(problem: str, submissions: str, out: str | None, server: str | None,
                  token: str | None, jobs: int | None, langs: tuple[str, ...],
                  all_files: bool, multi_file: bool, skip_unknown: bool,
                  time_limit: float | None, judge_all: bool, assignment: str | None,
                  compare: str | None) -> None:
    """Judge every submission in SUBMISSIONS (a folder or a zip: a file per submission, or
    a folder per submitter) on PROBLEM (a package: directory, .zip or .kpp) and write a
    report."""
    report = Path(out) if out else _default_out(submissions)
    if report.suffix.lower() not in (".csv", ".json"):
        raise click.UsageError(f"--out {report}: the report is a .csv or a .json file")
    before = None
    if compare is not None:
        if Path(compare).resolve() == report.resolve():
            raise click.UsageError("--compare: give the earlier report, not the one --out "
                                   "writes now")
        try:
            before = read_report(Path(compare))
        except ReportError as exc:
            raise click.ClickException(one_line(exc)) from exc
    if assignment and not server:
        raise click.UsageError("--assignment goes with --server (assignments live there)")
    if multi_file and all_files:
        raise click.UsageError("--multi-file and --all-files: a folder is one program, or "
                               "each of its files is one")
    options = CollectOptions(_language_options(langs), all_files, skip_unknown, multi_file)
    stop = Stop()
    started = time.monotonic()
    skipped: list[BatchResult] = []
    try:
        with open_submissions(Path(submissions)) as root:
            items = collect_submissions(root, options, exclude=(
                report, report.with_name(report.name + ".state"),
                report.with_name(report.name + ".tmp")), skipped=skipped)
            run = _remote if server else _local
            results = run(problem, items, report, stop, server=server, token=token, jobs=jobs,
                          time_limit=time_limit, judge_all=judge_all, assignment=assignment)
    except KeyboardInterrupt:
        click.echo("judgebox: stopped; run the same command again to resume", err=True)
        sys.exit(130)
    except _ERRORS as exc:
        raise click.ClickException(one_line(exc)) from exc
    write_report(report, results + skipped)
    _summary(results + skipped)
    if before is not None:
        _compare(report, compare, before, results + skipped)
    errors = [r for r in results if r.verdict == "SE"]
    also = f" ({len(skipped)} skipped: no language)" if skipped else ""
    click.echo(f"\n{len(results)} of {len(items)} submissions judged{also} in "
               f"{time.monotonic() - started:.1f}s; report: {report}")
    if stop.requested:
        click.echo("judgebox: interrupted; run the same command again to resume", err=True)
        sys.exit(130)
    if errors:
        click.echo(f"judgebox: judging failed for {len(errors)} submission(s), e.g. "
                   f"{errors[0].file}: {errors[0].message}", err=True)
        sys.exit(1)


def _compare(report: Path, compare: str, before: dict, results: list[BatchResult]) -> None:
    """Print what changed since the earlier report and write the diff next to the report."""
    from .rejudge import print_diff

    rows = diff_reports(before, results)
    path = report.with_name(f"{report.stem}-diff{report.suffix}")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_diff(rows, "json" if path.suffix.lower() == ".json" else "csv"),
                   encoding="utf-8")
    os.replace(tmp, path)
    click.echo(f"\ncompared with {compare}:")
    print_diff({"summary": summary(rows), "submissions": rows}, what="judged")
    click.echo(f"diff: {path}")


def _state_and_keys(report: Path, items: list[BatchItem], fingerprint: str
                    ) -> tuple[BatchState, dict, list[BatchItem]]:
    state = BatchState(report.with_name(report.name + ".state"))
    keys = {item: item_key(fingerprint, item) for item in items}
    todo = [item for item in items if state.result(keys[item], item) is None]
    return state, keys, todo


def _collect(items: list[BatchItem], state: BatchState, keys: dict,
             progress: _Progress) -> list[BatchResult]:
    """Every item's result, in the items' order: judged now or stored earlier."""
    results = []
    for item in items:
        result = progress.results.get(item) or state.result(keys[item], item)
        if result is not None:
            results.append(result)
    return results


def _check_languages(items: list[BatchItem]) -> None:
    from worker.core.selftest import language_status

    for lang_id in sorted({item.language for item in items}):
        status = language_status(lang_id)
        if not status.enabled:
            raise LanguageError(f"language {lang_id} is disabled: {status.reason}")


def _local(problem: str, items: list[BatchItem], report: Path, stop: Stop, *, jobs, time_limit,
           judge_all, **_) -> list[BatchResult]:
    from worker.core.judging import JudgeOptions
    from worker.core.problem import open_problem

    package = Path(problem)
    with open_problem(package) as loaded:
        if time_limit is None and loaded.limits.time_limit is None:
            raise BatchError(f"{problem}: the package gives no time limit: give --time-limit "
                             f"(or derive one with `judgebox verify`)")
        fingerprint = problem_fingerprint(package, f"{time_limit}|{judge_all}")
        state, keys, todo = _state_and_keys(report, items, fingerprint)
        _check_languages(todo)
        progress = _Progress(len(todo), len(items) - len(todo), state, keys)
        try:
            with _Interrupts(stop):
                judge_locally(loaded, todo, JudgeOptions(time_limit=time_limit,
                                                         judge_all=judge_all),
                              jobs or os.cpu_count() or 1, progress, stop)
        finally:
            progress.close()
    return _collect(items, state, keys, progress)


def _remote(problem: str, items: list[BatchItem], report: Path, stop: Stop, *, server, token,
            jobs, time_limit, judge_all, assignment=None, **_) -> list[BatchResult]:
    if "/" in problem or Path(problem).suffix.lower() in (".zip", ".kpp"):
        raise BatchError(f"{problem}: with --server, PROBLEM is the name of a problem uploaded "
                         f"to the server (POST /api/v1/problems), not a package")
    api = Server(server, token)
    info = api.problem(problem)
    fingerprint = f"{server}|{problem}|{info.get('package_sha256')}|{time_limit}|{judge_all}"
    state, keys, todo = _state_and_keys(report, items, fingerprint)
    progress = _Progress(len(todo), len(items) - len(todo), state, keys)
    extra: dict = {"run_all": judge_all}
    if time_limit:
        extra["limits"] = {"time_limit": time_limit}
    try:
        with _Interrupts(stop):
            judge_on_server(api, problem, [(keys[i], i) for i in todo], state, jobs or 8,
                            progress, stop, extra, assignment=assignment)
    finally:
        progress.close()
    return _collect(items, state, keys, progress)

"""Judging one stored submission: claim it, compile once, run each test, check, decide, store.

Plain functions over the store (no Celery here: ``worker.service.tasks`` is a thin task over
:func:`judge_submission`, and tests call it directly). Progress is stored as it happens:
``compiling``, then ``running`` test k of n, each test's result as it ends, then ``done``
with the verdict; the writes are coalesced (:class:`Reporter`: a few a second at most, the
last results with the verdict). See ``worker.store.submissions`` for the lease that makes a
re-delivered or re-queued submission safe to judge again.

Every submission is judged by one function, ``worker.core.judging.judge``, on a problem: a
submission on a problem on its package (fetched by content hash and cached:
``worker.store.packages``), an ad-hoc one (tests sent with it, both APIs) on the problem its
tests make (``worker.core.problem.adhoc``: the default validator, case-sensitive, or Judge0's
comparison). The judgement's metrics (compile, each run and check, the store's writes) go to
``/metrics`` alike (``worker.service.metrics``).
"""

from __future__ import annotations

import dataclasses
import logging
import shlex
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy.exc import SQLAlchemyError

from sandbox import Limits, SandboxError, Status
from worker.core.compile import CompileLimits, CompileSystemError, Program
from worker.core.judging import Judgement, JudgeOptions, TestResult, judge
from worker.core.languages import Language, LanguageError, get_language
from worker.core.problem import (PackageError, Problem, adhoc_problem, extract_archive,
                                 load_problem)
from worker.core.sources import ANSWERS, SourceFiles, stored_program
from worker.core.verdicts import judge0_exit, judge0_status
from worker.store import Store, submissions
from worker.store.db import COMPILING, RUNNING, Submission, utcnow
from worker.store.packages import PackageFetchError, discard, unpacked
from worker.store.submissions import Claim, LeaseLost, NotClaimable

from .metrics import Observations, record

__all__ = ["JudgeSettings", "RunLimits", "judge_submission", "language_with_options",
           "Reporter", "program_of"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JudgeSettings:
    """How a worker judges: lease margin, attempts, compile limits, what output it keeps."""

    lease_margin_s: float = 15.0
    max_attempts: int = 3
    compile_limits: CompileLimits = CompileLimits()
    keep_output_kib: int = 64          # stdout/stderr kept per ad-hoc test and per sample
    keep_hidden_output_kib: int = 8    # ... per other test of a problem (its managers see it)
    package_cache: Path | None = None  # where problem packages are unpacked (by hash)
    fetch_package: Callable[[str], bytes] | None = None  # bytes of a package by hash
    metrics_url: str | None = None     # Redis keeping the cluster's metrics (service.metrics)

    @property
    def compile_lease_s(self) -> float:
        """The lease while compiling: the compile box's wall limit plus the margin."""
        return self.compile_limits.wall_time_ms / 1000 + self.lease_margin_s


@dataclass(frozen=True)
class RunLimits:
    """A submission's run limits as stored (``Submission.limits``). ``extra_ms`` is Judge0's
    ``cpu_extra_time``: the box may run that much longer, but beyond ``cpu_ms`` it is TLE.
    ``runs`` is Judge0's ``number_of_runs``: each test runs that many times (see
    :func:`_run_test`)."""

    cpu_ms: int = 5_000
    extra_ms: int = 0
    wall_ms: int | None = None
    memory_kib: int = 256 * 1024
    stack_kib: int | None = None
    processes: int | None = None
    output_kib: int = 64 * 1024
    runs: int = 1

    @classmethod
    def from_json(cls, data: dict) -> "RunLimits":
        """From the stored JSON (unknown keys ignored)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names and v is not None})

    def sandbox(self, language: Language) -> Limits:
        """The sandbox limits of one run of this language."""
        wall = self.wall_ms or 2 * (self.cpu_ms + self.extra_ms) + 1_000
        return Limits(cpu_time_ms=self.cpu_ms + self.extra_ms, wall_time_ms=wall,
                      memory_kib=self.memory_kib, stack_kib=self.stack_kib,
                      processes=self.processes or language.processes,
                      output_kib=self.output_kib)


def program_of(row: Submission, language: Language) -> bytes | SourceFiles:
    """What the stored submission ``row`` asks to compile (``worker.core.sources.stored_program``:
    its source, its files, or both)."""
    return stored_program(language, row.source, [(f.name, f.content) for f in row.files or []],
                          (row.options or {}).get("entry"))


def _escape(arg: str) -> str:
    # Language.argv fills {placeholders}: braces a user typed are literal.
    return arg.replace("{", "{{").replace("}", "}}")


def language_with_options(language: Language, compiler_options: str | None,
                          arguments: str | None) -> Language:
    """The language with Judge0's ``compiler_options`` (before the source file in the compile
    command) and ``command_line_arguments`` (after the run command), split like a shell would
    but passed as an argument list, never through a shell."""
    if compiler_options and language.compile:
        extra = tuple(_escape(a) for a in shlex.split(compiler_options))
        argv = list(language.compile)
        at = argv.index("{source}") if "{source}" in argv else len(argv)
        language = dataclasses.replace(language, compile=tuple(argv[:at]) + extra
                                       + tuple(argv[at:]))
    if arguments:
        language = dataclasses.replace(language, run=language.run + tuple(
            _escape(a) for a in shlex.split(arguments)))
    return language


class Reporter:
    """Stores progress and results under a claim, in few writes; ``seen`` collects the
    judgement's metrics (sent once it is stored).

    Each call says what comes next and how long it may take; the reporter writes (one
    transaction: the lease, where judging is, the results not stored yet) only when

    - the lease would not cover the next step's bound plus half the margin (a write always
      grants the step's bound plus the whole margin, as one write per step did);
    - judging moves on to another state (compiling -> running): the live view shows it;
    - a test starts while something waits and the last write is :attr:`FLUSH_S` old: so a
      slow test is shown running, with the results before it, as it starts; fast ones are
      coalesced to a few writes a second. (A result waits for the next test's start, which
      follows at once, or for the judgement.)

    Everything left goes with the judgement (:meth:`finish`). A worker that lost its lease
    (another claimed the submission after the lease ran out) learns it at its next write and
    stops; that write comes at once after a stall, since the lease is then too short.
    """

    FLUSH_S = 0.25  # the oldest that stored progress gets while something is waiting

    def __init__(self, store: Store, held: Claim, settings: JudgeSettings,
                 seen: Observations | None = None) -> None:
        self.store, self.held, self.settings = store, held, settings
        self.seen = seen if seen is not None else Observations()
        self._lease_end = held.lease_end          # monotonic: the lease surely holds until
        self._written = time.monotonic()          # the claim was the last write
        self._stored_state = COMPILING            # what the claim stored
        self._progress: tuple[str, int, int] | None = None  # not stored yet
        self._results: list[dict] = []                       # not stored yet

    def compiling(self, test_count: int, then_s: float = 0.0) -> None:
        """Compilation starts (``then_s``: what may follow before the next report)."""
        self._report((COMPILING, 0, test_count), self.settings.compile_lease_s + then_s)

    def running(self, index: int, count: int, wall_s: float) -> None:
        """Test ``index`` of ``count`` starts; it may take ``wall_s`` seconds."""
        self._report((RUNNING, index, count), wall_s + self.settings.lease_margin_s)

    def result(self, row: dict, next_wall_s: float) -> None:
        """A test ended with ``row`` (a ``TestResult``'s columns); what follows may take
        ``next_wall_s`` seconds."""
        self._results.append(row)
        self._report(None, next_wall_s + self.settings.lease_margin_s)

    def finish(self, values: dict) -> None:
        """Store the judgement with the results not stored yet (``LeaseLost`` if taken).

        A store error that trying again cannot mend (the database refused a value: a
        ``DataError``, say) stores ``SE`` with that reason instead, without the results, at
        once: the submission is never left judging, to fail the same way on every retry."""
        started = time.monotonic()
        try:
            submissions.finish(self.store, self.held, values, self._results)
        except SQLAlchemyError as exc:
            from worker.store import unavailable

            if unavailable(exc):
                raise
            log.exception("submission %s: the store refused the judgement", self.held.token)
            submissions.finish(self.store, self.held, _system_error(
                f"the judgement could not be stored: {_refusal(exc)}"))
        finally:
            self.seen.phase("store", time.monotonic() - started)
        self._results = []
        if self.settings.metrics_url:
            from .notify import announce

            announce(self.settings.metrics_url, self.held.token)

    def _report(self, progress: tuple[str, int, int] | None, lease_s: float) -> None:
        if progress is not None:
            self._progress = progress
        now = time.monotonic()
        short = self._lease_end < now + lease_s - self.settings.lease_margin_s / 2
        moved = self._progress is not None and self._progress[0] != self._stored_state
        due = progress is not None and now - self._written >= self.FLUSH_S
        if short or moved or due:
            self._write(lease_s)

    def _write(self, lease_s: float) -> None:
        started = time.monotonic()
        try:
            submissions.report(self.store, self.held, lease_s, self._progress, self._results)
        except SQLAlchemyError as exc:
            from worker.store import unavailable

            if not unavailable(exc):  # refused: the judgement becomes SE (finish says why)
                self._results = []
            raise
        finally:
            self._written = time.monotonic()
            self.seen.phase("store", self._written - started)
        self._lease_end = started + lease_s
        if self._progress is not None:
            self._stored_state = self._progress[0]
        self._progress, self._results = None, []


def _refusal(exc: SQLAlchemyError) -> str:
    """The database's own reason, one line (never SQLAlchemy's text: it quotes the
    statement's parameters, test data among them)."""
    reason = str(getattr(exc, "orig", None) or exc.__class__.__name__).strip()
    return f"{exc.__class__.__name__}: {reason.splitlines()[0][:300] if reason else ''}"


def _system_error(message: str) -> dict:
    return {"verdict": "SE", "judge0_status": 13, "message": message[:2000]}


def answer_files(row: Submission) -> SourceFiles:
    """The answer files of a submission to a submit-answer problem (one source is one
    file, named ``answer``)."""
    files = [(f.name, f.content) for f in row.files or []]
    return SourceFiles(tuple(files) if files else (("answer", row.source),))


# --- where the problem comes from --------------------------------------------------------

_VALIDATION_S = 60.0  # a validator program's own time, on top of each test's (the default)


def _judgement(row: Submission, reporter: Reporter, settings: JudgeSettings) -> dict:
    """The judgement of ``row`` on its problem, as the submission's result columns. The
    problem is its package's (fetched by content hash, cached unpacked on this worker:
    ``worker.store.packages``), or the one its own tests make
    (``worker.core.problem.adhoc``); either is judged the same way (:func:`_judge_on`)."""
    if not row.package_sha256:
        with tempfile.TemporaryDirectory(prefix="judgebox-tests-") as tmp:
            tests = row.tests or []
            problem = adhoc_problem(Path(tmp), ((t.stdin or b"", t.expected) for t in tests),
                                    row.checker)
            # the tests are the submitter's own: every one's output is kept alike
            return _judge_on(problem, row, reporter, settings, settings.keep_output_kib,
                             {str(t.index): t.name for t in tests})
    if settings.package_cache is None or settings.fetch_package is None:
        raise PackageError(row.package_sha256, "this worker cannot fetch packages")
    cache = Path(settings.package_cache)
    try:
        root = unpacked(cache, row.package_sha256, settings.fetch_package, extract_archive)
    except PackageFetchError as exc:  # gone from the store (or corrupt): judge nothing
        return _system_error(f"problem package: {exc}")
    try:
        return _judge_on(load_problem(root), row, reporter, settings,
                         settings.keep_hidden_output_kib)
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


# --- one judging for every submission -----------------------------------------------------

def _judge_on(problem: Problem, row: Submission, reporter: Reporter, settings: JudgeSettings,
              keep_hidden_kib: int, names: dict[str, str] | None = None) -> dict:
    """Judge ``row`` on ``problem`` (``worker.core.judging.judge``) under its stored limits
    and options, storing each test's result as it ends; the judgement's columns.
    ``keep_hidden_kib``: the output kept of a test that is not a sample; ``names``: how the
    submission calls the problem's tests, where it named them."""
    options = row.options or {}
    answers = row.language == ANSWERS
    language = None if answers else language_with_options(
        get_language(row.language), options.get("compiler_options"),
        options.get("command_line_arguments"))
    limits = RunLimits.from_json(row.limits or {})
    box = limits.sandbox(language) if language is not None else None
    # Judge0 shows a run's whole output (up to its output limit)
    keep = limits.output_kib if row.api == "judge0" else settings.keep_output_kib
    samples_only = bool(row.samples_only)
    count = len(problem.sample.cases if problem.sample is not None else ()) if samples_only \
        else len(problem.cases)
    validator = problem.validator.kind in ("kattis", "testlib")  # a program: it compiles, runs
    per_test_s = (box.wall_ms if box is not None else 1_000) / 1000 + \
        (_VALIDATION_S if validator else 0.0)
    reporter.compiling(count, settings.compile_limits.wall_time_ms / 1000 if validator else 0.0)
    done = 0

    def on_test(result: TestResult) -> None:
        nonlocal done
        done += 1
        reporter.result(_test_row(done, result, (names or {}).get(result.name, result.name)),
                        per_test_s)

    judgement = judge(problem, answer_files(row) if answers else program_of(row, language),
                      language, JudgeOptions(
                          time_limit=limits.cpu_ms / 1000, limits=box, runs=limits.runs,
                          stderr_to_stdout=bool(options.get("redirect_stderr_to_stdout")),
                          judge_all=bool(options.get("run_all")), samples_only=samples_only,
                          keep_output_kib=keep,
                          keep_hidden_output_kib=keep if row.api == "judge0" else keep_hidden_kib,
                          compile_limits=settings.compile_limits, seen=reporter.seen,
                          on_run=lambda number: reporter.running(number, count, per_test_s),
                          on_test=on_test))
    return _values(judgement, row.api)


def _test_row(index: int, result: TestResult, name: str) -> dict:
    return {"index": index, "name": name, "group": result.group, "verdict": result.verdict,
            "status": result.status, "time": round(result.time, 3),
            "wall_time": round(result.wall_time, 3), "memory": result.memory,
            "exit_code": result.exit_code, "signal": result.signal,
            "checker_message": result.checker_message[:4096], "stdout": result.stdout,
            "stderr": result.stderr}


def _values(judgement: Judgement, api: str) -> dict:
    """The submission's result columns. The deciding test is the first that failed, else the
    last: its way of ending is Judge0's ``exit_code``/``exit_signal`` and status; the
    ``message`` is judgebox's (a judge error, the package's note), else the deciding run's
    when it did not end well (isolate's words); Judge0's view shows the deciding run's output
    as the submission's."""
    tests = judgement.tests
    deciding = next((t for t in tests if t.verdict != "AC"), tests[-1] if tests else None)
    exit_code, exit_signal = judge0_exit(deciding.verdict, deciding.exit_code,
                                         deciding.signal) if deciding else (None, None)
    message = judgement.message or (deciding.checker_message if deciding is not None
                                    and deciding.status != "OK" else "")
    values = {"verdict": judgement.verdict,
              "judge0_status": judge0_status(judgement.verdict, exit_signal, exit_code),
              "score": judgement.score, "max_score": judgement.max_score,
              "time": round(judgement.time, 3),
              "wall_time": round(max((t.wall_time for t in tests), default=0.0), 3),
              "memory": judgement.memory, "compile_output": judgement.compile_output or None,
              "message": message or None, "exit_code": exit_code, "exit_signal": exit_signal,
              "details": {"groups": [g.to_json() for g in judgement.groups]}
              if judgement.groups else None}
    if judgement.verdict == "CE" and judgement.program is not None:
        values.update(_compile_error(judgement.program, api))
    if api == "judge0" and deciding is not None:
        values.update(stdout=deciding.stdout, stderr=deciding.stderr)
    return values


def _compile_error(program: Program, api: str) -> dict:
    """The columns of a compile error. The native API shows the compiler's messages and why
    the compile failed; Judge0 shows the compiler's messages alone, "Compilation time limit
    exceeded." for a timeout, and no ``message`` (as Judge0's worker stores them); a failure
    the compiler printed nothing about is said in words rather than shown as nothing."""
    if api != "judge0":
        return {"compile_output": program.report(), "message": program.error}
    timed_out = program.outcome is not None and program.outcome.status is Status.TLE
    output = "Compilation time limit exceeded." if timed_out else \
        program.output or f"judgebox: {program.error}\n"
    return {"compile_output": output, "message": None}


def judge_submission(store: Store, token: str, owner: str, settings: JudgeSettings) -> str:
    """Judge the submission ``token`` as ``owner`` and store the result.

    Returns ``"judged"``, or ``"done"`` when it was judged already (a re-delivered task),
    or ``"lost"`` when another worker took it over meanwhile. Raises :class:`NotClaimable`
    with reason ``busy`` while another worker's lease on it is live (the caller retries later).
    """
    started, claimed_at = time.monotonic(), utcnow()
    try:
        held = submissions.claim(store, token, owner, settings.compile_lease_s)
    except NotClaimable as exc:
        if exc.reason in ("done", "missing"):
            return exc.reason
        raise
    row = submissions.get(store, token, results=False)  # the claim deleted any
    seen = Observations()
    seen.phase("queue", (claimed_at - (row.enqueued_at or row.created_at)).total_seconds())
    seen.phase("claim", time.monotonic() - started)
    reporter = Reporter(store, held, settings, seen)
    try:
        if held.attempt > settings.max_attempts:
            values = _system_error(f"judging was interrupted {held.attempt - 1} times "
                                   "(its worker died, or lost the database for longer than "
                                   "it waits, each time): not tried again")
        else:
            values = _judge(row, reporter, settings)
        reporter.finish(values)
        seen.judgement(values["verdict"], row.language)
        log.info("submission %s: %s (%s, attempt %d; ms: %s)", token, values["verdict"],
                 row.language, held.attempt, seen.summary())
    except LeaseLost as exc:
        log.warning("%s", exc)
        return "lost"
    finally:
        if settings.metrics_url:
            record(settings.metrics_url, seen)
    return "judged"


def _judge(row: Submission, reporter: Reporter, settings: JudgeSettings) -> dict:
    """The judgement's values; judgebox's own failures become SE, never the program's fault.

    The store being unreachable is no judgement at all (the program was never judged, and SE
    would be final): it is raised, and the task tries again once the database is back.
    """
    try:
        return _judgement(row, reporter, settings)
    except LeaseLost:
        raise
    except Exception as exc:
        from worker.store import unavailable

        if unavailable(exc):
            raise
        if isinstance(exc, SQLAlchemyError):  # refused a value: trying again cannot mend it
            log.exception("submission %s: the store refused a result", row.token)
            return _system_error(f"the store refused a result: {_refusal(exc)}")
        if isinstance(exc, (CompileSystemError, SandboxError, LanguageError, OSError)):
            log.exception("submission %s: system error", row.token)
            where = "this worker's disk is full: " if getattr(exc, "errno", None) == 28 \
                else ""  # ENOSPC: its work dirs or package cache, not the box's own tmpfs
            return _system_error(f"{where}{exc.__class__.__name__}: {exc}")
        # a judge bug: SE with the reason, never a verdict against the program
        log.exception("submission %s: judge error", row.token)
        return _system_error(f"judge error: {exc.__class__.__name__}: {exc}")


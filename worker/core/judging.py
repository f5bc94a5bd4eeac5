"""Judging a submission on a problem: compile, run each test, check, decide. Plain functions.

``judge(problem, source, language, options) -> Judgement``; ``Judgement.to_json()`` is the
``judgebox judge --json`` object of DESIGN.md::

    {"verdict", "score", "max_score", "time", "memory", "compile_output",
     "tests": [{"name", "group", "verdict", "time", "wall_time", "memory", "exit_code",
                "signal", "checker_message"}]}

Rules (docs/problems.md has the whole story):

- pass-fail problems: tests in order (``sample``, then ``secret``); the first failing test
  decides and judging stops there, unless ``JudgeOptions.judge_all``. Score 1 for AC, else 0,
  out of 1.
- scoring problems: samples are judged but never scored; ``secret`` and its groups are scored
  by their aggregation (pass-fail groups stop at their first failure, ``sum`` groups judge every
  test); the verdict is the first failure's (AC when every judged test passed).
- a judge error anywhere (a validator that crashed, a sandbox failure) makes the judgement
  ``SE`` and stops judging.
- ``JudgeOptions.samples_only`` (a "run on samples"): every sample is judged, nothing else;
  no score.

Every submission is judged here: one on a problem of a package (``judgebox judge``, ``verify``,
``batch``, the service), and one whose tests came with it (``worker.core.problem.adhoc``: the
same judging on a package made of those tests). Each run is judged by the limit the program was
promised (a run over it is TLE, whatever extra time the box allowed: Judge0's
``cpu_extra_time``); Judge0's ``number_of_runs`` runs a test that often (``JudgeOptions.runs``).

What feedback needs is kept with each ``TestResult``: the program's stdout and stderr, cut to
``keep_output_kib`` on samples and ``keep_hidden_output_kib`` on the other tests (0 keeps
nothing, as ``judgebox judge`` does); and a scoring problem's groups, each with its verdict and
score, in ``Judgement.groups``.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sandbox import Box, Limits, Outcome, Status

from .checkers import CheckOptions, CheckResult, get_checker, kattis
from .compile import (CompileLimits, CompileSystemError, Program, compile_program, program_box,
                      run_program)
from .interactive import run_interactive
from .languages import Language, get_language
from .problem import (DEFAULT_OUTPUT_MB, PackageError, Problem, TestCase, TestGroup, kattis_code,
                      read_source, substitute_constants)
from .problem.sources import SOURCE_LANGUAGES
from .sources import ANSWERS, SourceFiles
from .verdicts import run_message, run_status

__all__ = ["JudgeOptions", "TestResult", "GroupResult", "Judgement", "PreparedChecker",
           "prepare_checker", "judge", "judge_answers", "match_answers", "answer_names",
           "submission_limits", "with_includes", "SAMPLE_ONLY_NOTE"]

SAMPLE_ONLY_NOTE = "the package has no secret test data: judged on its samples (as DOMjudge does)"
_WORST = ("SE", "RE", "MLE", "TLE", "OLE", "WA")  # legacy "worst_error" order


@dataclass(frozen=True)
class JudgeOptions:
    """How to judge. ``time_limit`` (seconds) overrides the package's; ``limits``, when given,
    are the runs' sandbox limits whole (a stored submission's: with Judge0's extra time, wall
    limit, stack and processes), and ``time_limit`` is then the limit a run is judged by.
    ``judge_all`` judges every test of a pass-fail problem instead of stopping at the first
    failure; ``runs`` runs each test that often (Judge0's ``number_of_runs``: the first run
    not accepted decides; time and memory are the mean of the runs made);
    ``stderr_to_stdout`` checks stdout and stderr together (Judge0's
    ``redirect_stderr_to_stdout``). ``on_run`` is called with the test's number (in judging
    order, from 1) before each run, ``on_test`` with each test's result as it arrives;
    ``seen`` (a ``worker.service.metrics.Observations``) is told how long the compile, each
    run and each check took. ``samples_only`` judges the samples alone (all of them);
    ``keep_output_kib`` and ``keep_hidden_output_kib``: how much of the program's stdout and
    stderr each sample and each other test keeps. ``only`` leaves out the tests whose name it
    refuses (they are not run, and not in the judgement: a partial judgement, for measuring
    the run times of some tests, as ``verify`` does for the time limit)."""

    time_limit: float | None = None
    memory_limit_mb: int | None = None
    output_limit_mb: int | None = None
    judge_all: bool = False
    samples_only: bool = False
    keep_output_kib: int = 0
    keep_hidden_output_kib: int = 0
    compile_limits: CompileLimits = CompileLimits()
    on_test: Callable[["TestResult"], None] | None = None
    seen: object | None = None
    only: Callable[[str], bool] | None = None  # judge only the tests it accepts (by name)
    limits: Limits | None = None
    runs: int = 1
    stderr_to_stdout: bool = False
    on_run: Callable[[int], None] | None = None


@dataclass(frozen=True)
class TestResult:
    """One test's result: the submission's run (times in seconds, memory in KiB; ``status``
    the run's, as judged: ``OK`` when it ended well, whatever the checker said) and what was
    said of it: the checker's message on a checked output, else the run's (isolate's words:
    ``Time limit exceeded``, ``Exited with error status 3``...). ``score`` is the test's score
    in scoring problems. ``stdout`` and ``stderr``: the program's, as much as ``JudgeOptions``
    keeps."""

    name: str
    group: str
    verdict: str
    time: float = 0.0
    wall_time: float = 0.0
    memory: int = 0
    exit_code: int | None = None
    signal: int | None = None
    checker_message: str = ""
    score: float | None = None
    stdout: bytes = field(default=b"", repr=False)
    stderr: bytes = field(default=b"", repr=False)
    status: str = "OK"

    def to_json(self) -> dict[str, object]:
        """One entry of ``tests`` in ``judgebox judge --json``."""
        return {"name": self.name, "group": self.group, "verdict": self.verdict,
                "time": round(self.time, 3), "wall_time": round(self.wall_time, 3),
                "memory": self.memory, "exit_code": self.exit_code, "signal": self.signal,
                "checker_message": self.checker_message}


@dataclass(frozen=True)
class GroupResult:
    """A scoring problem's test group after judging: its verdict (``None``: not judged, as
    when an earlier failure stopped its parent), its score and its maximum (``None``:
    unbounded)."""

    name: str
    verdict: str | None
    score: float
    max_score: float | None

    def to_json(self) -> dict[str, object]:
        """As stored with the submission (``details.groups``) and shown by the API."""
        return {"name": self.name, "verdict": self.verdict, "score": round(self.score, 6),
                "max_score": None if self.max_score is None else round(self.max_score, 6)}


@dataclass(frozen=True)
class Judgement:
    """The verdict on a submission. ``time`` is the slowest test's CPU time, ``memory`` the
    largest peak (KiB); ``max_score`` is ``None`` when unbounded. ``time_limit`` is the limit
    judged with; ``message`` says what failed for ``SE``. ``groups``: a scoring problem's
    groups in judging order, each after its subgroups' parent (empty for pass-fail);
    ``group_scores`` the aggregated score of each group judged (scoring problems: ``secret``,
    ``secret/group1``...). ``program``: what the compile step produced (its messages, why it
    failed), ``None`` when nothing compiled."""

    verdict: str
    score: float | None
    max_score: float | None
    time: float = 0.0
    memory: int = 0
    compile_output: str = ""
    tests: tuple[TestResult, ...] = ()
    time_limit: float | None = None
    language: str = ""
    message: str = ""
    groups: tuple[GroupResult, ...] = ()
    group_scores: dict[str, float] = field(default_factory=dict)  # scoring: each group's
    program: Program | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, object]:
        """The ``judgebox judge --json`` object, exactly as DESIGN.md specifies it."""
        def number(value: float | None) -> float | None:
            return None if value is None else round(value, 6)
        return {"verdict": self.verdict, "score": number(self.score),
                "max_score": number(self.max_score), "time": round(self.time, 3),
                "memory": self.memory, "compile_output": self.compile_output,
                "tests": [t.to_json() for t in self.tests]}


@dataclass(frozen=True)
class PreparedChecker:
    """A problem's checker, ready: its kind, and for programs the compiled program plus the
    other files it needs in its box (Python modules next to ``__main__.py``)."""

    kind: str
    program: Program | None = None
    files: tuple[tuple[str, Path], ...] = ()


def prepare_checker(problem: Problem, workdir: Path,
                    limits: CompileLimits = CompileLimits()) -> PreparedChecker:
    """Compile the problem's validator once (``PackageError`` when it does not compile)."""
    spec = problem.validator
    if spec.kind in ("default", "exact", "lines"):
        return PreparedChecker(spec.kind)
    assert spec.source is not None and spec.directory is not None
    language = get_language(SOURCE_LANGUAGES[spec.source.suffix.lower()])
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        source = substitute_constants(read_source(spec.source, language), problem.constants)
    except OSError as exc:
        raise PackageError(spec.source, f"cannot read the validator: {exc}") from exc
    program = compile_program(language, source, workdir, limits)
    if not program.ok:
        raise PackageError(spec.source, f"the output validator does not compile "
                           f"({program.error}):\n{program.output.strip()}")
    files: tuple[tuple[str, Path], ...] = ()
    if language.id == "python3":
        files = tuple((p.name, p) for p in sorted(spec.directory.glob("*.py"))
                      if p != spec.source and p.name != program.artifact_name)
        if problem.constants:  # the package's constants go into every file of the validator
            for name, path in files:
                (workdir / name).write_bytes(substitute_constants(path.read_bytes(),
                                                                  problem.constants))
            files = tuple((name, workdir / name) for name, _ in files)
    return PreparedChecker(spec.kind, program, files)


def with_includes(problem: Problem, language: Language, source: bytes | SourceFiles
                  ) -> bytes | SourceFiles:
    """``source`` with the package's included files for its language (2025-09
    ``include/<language>/`` or ``include/default/``; they win a name clash); unchanged when
    there are none. A single file keeps the name its language gives it."""
    found = problem.includes(kattis_code(language.id))
    if not found:
        return source
    extra = tuple((name, substitute_constants(path.read_bytes(), problem.constants))
                  for name, path in found)
    if isinstance(source, bytes):
        name = language.values(source)["source"]
        source = SourceFiles(((name, source),), entry=name)
    return source.with_files(extra)


def submission_limits(problem: Problem, language: Language, options: JudgeOptions) -> Limits:
    """The limits of each run of the submission: ``options.limits``, else from the package and
    the options (``ValueError`` without a time limit)."""
    if options.limits is not None:
        return options.limits
    time_limit = options.time_limit or problem.limits.time_limit
    if time_limit is None:
        raise ValueError(f"{problem.short_name}: the package gives no time limit: give one, "
                         f"or derive it with `judgebox verify`")
    memory = options.memory_limit_mb or problem.limits.memory_mb or language.memory_mb
    # A package that gives no output limit has the format's default (8 MiB), not the 64 MB
    # of judgebox's ad-hoc runs.
    output = options.output_limit_mb or problem.limits.output_mb or DEFAULT_OUTPUT_MB
    return Limits(cpu_time_ms=max(1, round(time_limit * 1000)), memory_kib=memory * 1024,
                  processes=language.processes, output_kib=output * 1024)


def judge(problem: Problem, source: bytes | SourceFiles, language: Language | None,
          options: JudgeOptions = JudgeOptions(),
          checker: PreparedChecker | None = None) -> Judgement:
    """Judge ``source`` (in ``language``; one file's bytes or ``SourceFiles``) on ``problem``.

    The package's included files join the source (``with_includes``). A package without
    secret data is judged on its samples, and the judgement's ``message`` says so. Without a
    ``language`` the files are the answers to a submit-answer problem (:func:`judge_answers`).

    ``checker`` is the problem's prepared checker (compiled here when not given). Raises
    ``PackageError`` for a broken package, ``ValueError`` without a time limit, and what the
    sandbox raises when it cannot work at all; everything the submission does is a verdict.
    """
    if language is None:
        return judge_answers(problem, source, options, checker)
    limits = submission_limits(problem, language, options)
    time_limit = options.time_limit or limits.cpu_time_ms / 1000
    source = with_includes(problem, language, source)
    with tempfile.TemporaryDirectory(prefix="judgebox-judge-") as tmp:
        workdir = Path(tmp)
        checker = checker or prepare_checker(problem, workdir / "checker",
                                             options.compile_limits)
        started = time.monotonic()
        try:
            program = compile_program(language, source, workdir, options.compile_limits)
            if options.seen is not None:
                options.seen.phase("compile", time.monotonic() - started)
        except CompileSystemError as exc:
            return Judgement("SE", 0.0, _max_score(problem, options), time_limit=time_limit,
                             language=language.id, message=str(exc))
        if not program.ok:
            return Judgement("CE", 0.0, _max_score(problem, options),
                             compile_output=program.report(),
                             time_limit=time_limit, language=language.id, program=program)
        with program_box(program) as box:  # one reusable box for the submission's runs
            run = _Judging(problem, program, checker, limits, options, workdir, box=box,
                           time_limit=time_limit)
            verdict, score = run.problem_verdict()
        tests = tuple(run.results[name] for name in run.order)
        note = SAMPLE_ONLY_NOTE if problem.sample_only and not options.samples_only else ""
        return Judgement(verdict, score, _max_score(problem, options),
                         max((t.time for t in tests), default=0.0),
                         max((t.memory for t in tests), default=0), program.report(), tests,
                         time_limit, language.id, run.error or note, run.group_results(),
                         dict(run.group_scores), program)


def answer_names(problem: Problem) -> dict[str, list[str]]:
    """Test name -> the file names its answer may have, first found wins: the test's full name
    with ``/`` as ``.`` (``secret.group1.03.ans``), or its base name (``03.ans``) when no other
    test has that base name; each with ``.ans``, ``.out``, ``.txt`` or no extension."""
    cases = problem.cases
    bases = [case.name.rsplit("/", 1)[-1] for case in cases]
    names = {}
    for case, base in zip(cases, bases):
        stems = [case.name.replace("/", ".")] + ([base] if bases.count(base) == 1 else [])
        names[case.name] = [stem + ext for stem in stems for ext in _ANSWER_EXTENSIONS]
    return names


_ANSWER_EXTENSIONS = (".ans", ".out", ".txt", "")


def match_answers(problem: Problem, files: SourceFiles) -> tuple[dict[str, bytes], str]:
    """The answer of each test among ``files`` (:func:`answer_names`; one file answers a
    problem of one test whatever its name), and a note naming the files no test took."""
    cases = problem.cases
    if len(files.files) == 1 and len(cases) == 1:
        return {cases[0].name: files.files[0][1]}, ""
    given = dict(files.files)
    found: dict[str, bytes] = {}
    taken: set[str] = set()
    for test, names in answer_names(problem).items():
        name = next((n for n in names if n in given), None)
        if name is not None:
            found[test] = given[name]
            taken.add(name)
    unused = [n for n in files.names if n not in taken]
    note = f"answer files: {len(found)} of {len(cases)} tests answered"
    if unused:
        note += f"; not the answer of any test (ignored): {', '.join(unused[:10])}"
        note += f" and {len(unused) - 10} more" if len(unused) > 10 else ""
    return found, note + "\n"


def judge_answers(problem: Problem, source: bytes | SourceFiles,
                  options: JudgeOptions = JudgeOptions(),
                  checker: PreparedChecker | None = None) -> Judgement:
    """Judge the answer files of a submit-answer problem: each test's answer (named as
    :func:`answer_names` says) is checked as a program's output would be; a test without
    one is WA. Nothing runs but the checker; ``compile_output`` says which files answered."""
    if not problem.submit_answer:
        raise ValueError(f"{problem.short_name} is not a submit-answer problem: a "
                         f"submission needs a language")
    files = source if isinstance(source, SourceFiles) else \
        SourceFiles((("answer", source),))
    answers, note = match_answers(problem, files)
    limits = Limits(cpu_time_ms=1000, wall_time_ms=1000)  # the checker's wall is its own
    with tempfile.TemporaryDirectory(prefix="judgebox-judge-") as tmp:
        workdir = Path(tmp)
        checker = checker or prepare_checker(problem, workdir / "checker",
                                             options.compile_limits)
        run = _Judging(problem, None, checker, limits, options, workdir, answers=answers)
        verdict, score = run.problem_verdict()
    tests = tuple(run.results[name] for name in run.order)
    return Judgement(verdict, score, _max_score(problem, options), 0.0, 0, note, tests, None,
                     ANSWERS, run.error or (SAMPLE_ONLY_NOTE if problem.sample_only else ""),
                     run.group_results(), dict(run.group_scores))


def _max_score(problem: Problem, options: JudgeOptions = JudgeOptions()) -> float | None:
    if options.samples_only:  # a run on the samples is never scored
        return None
    if not problem.scoring:
        return 1.0
    if problem.data_scoring is not None:
        return problem.data_scoring.max_score
    return problem.secret.scoring.max_score


@dataclass
class _Part:
    verdict: str
    score: float | None = None
    complete: bool = True


@dataclass
class _Judging:
    """One submission's judging: runs tests (each once), scores groups, decides."""

    problem: Problem
    program: Program | None  # None: answer files are judged (``answers``)
    checker: PreparedChecker
    limits: Limits
    options: JudgeOptions
    workdir: Path
    results: dict[str, TestResult] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    checks: dict[str, CheckResult] = field(default_factory=dict)
    passed: dict[str, bool] = field(default_factory=dict)
    error: str = ""
    box: Box | None = None  # the submission's reusable box (checkers run in boxes of their own)
    parts: dict[str, _Part] = field(default_factory=dict)  # each group judged, by name
    answers: dict[str, bytes] | None = None  # submit-answer: each test's answer file
    group_scores: dict[str, float] = field(default_factory=dict)
    time_limit: float | None = None  # what a run is judged by (else the limits' CPU time)

    # --- the problem ------------------------------------------------------------------

    def problem_verdict(self) -> tuple[str, float | None]:
        if self.options.samples_only:
            return self._samples_only()
        if not self.problem.scoring:
            for case in self.problem.cases:
                result = self.case(case)
                if result.verdict != "AC" and (not self.options.judge_all
                                               or result.verdict == "SE"):
                    break
            failed = [self.results[n].verdict for n in self.order
                      if self.results[n].verdict != "AC"]
            verdict = "SE" if "SE" in failed else (failed[0] if failed else "AC")
            return verdict, 1.0 if verdict == "AC" else 0.0
        if self.problem.data_scoring is not None:  # problemtools' grader, from data/ down
            root = TestGroup("data", self.problem.root / "data", tuple(self.problem.groups),
                             self.problem.data_scoring)
            part = self.group(root)
            return ("SE" if self.error else part.verdict), part.score
        sample = self._sample()
        secret = self.group(self.problem.secret) if not self.error else _Part("SE", 0.0)
        if self.error:
            return "SE", secret.score
        verdict = secret.verdict if secret.verdict != "AC" else sample
        return verdict, secret.score

    def _samples_only(self) -> tuple[str, None]:
        """Every sample, whatever fails (nothing else is judged, nothing is scored)."""
        cases = self.problem.sample.cases if self.problem.sample is not None else []
        if not cases:
            self.error = "the problem has no sample tests to run on"
        for case in cases:
            if self.case(case).verdict == "SE":
                break
        failed = [self.results[n].verdict for n in self.order
                  if self.results[n].verdict != "AC"]
        return ("SE" if self.error else failed[0] if failed else "AC"), None

    def group_results(self) -> tuple[GroupResult, ...]:
        """The groups of a scoring problem, judged or not, in judging order."""
        if not self.problem.scoring or self.options.samples_only:
            return ()
        if self.problem.data_scoring is not None:
            roots = [TestGroup("data", self.problem.root / "data", tuple(self.problem.groups),
                               self.problem.data_scoring)]
        else:
            roots = [self.problem.secret]
        found: list[GroupResult] = []

        def walk(group: TestGroup) -> None:
            part = self.parts.get(group.name)
            found.append(GroupResult(group.name, part.verdict if part else None,
                                     (part.score or 0.0) if part else 0.0,
                                     group.scoring.max_score))
            for sub in group.groups:
                walk(sub)
        for root in roots:
            walk(root)
        return tuple(found)

    def _sample(self) -> str:
        if self.problem.sample is None:
            self.passed["sample"] = True
            return "AC"
        verdicts = [self.case(case).verdict for case in self.problem.sample.cases
                    if not self.error]
        self.passed["sample"] = all(v == "AC" for v in verdicts)
        return next((v for v in verdicts if v != "AC"), "AC")

    # --- groups -----------------------------------------------------------------------

    def group(self, group: TestGroup) -> _Part:
        part = self._group(group)
        self.parts[group.name] = part
        return part

    def _group(self, group: TestGroup) -> _Part:
        scoring = group.scoring
        if not all(self.passed.get(name, False) for name in scoring.require_pass):
            self.passed[group.name] = False
            return _Part("WA", 0.0)
        stop_early = not self.options.judge_all and (scoring.on_reject == "break"
                                                    or scoring.aggregation == "min")
        parts: list[_Part] = []
        for item in group.items:
            if self.error:
                break
            if isinstance(item, TestGroup):
                part = self.group(item)
            else:
                part = self._scored(self.case(item), group)
            parts.append(part)
            if part.verdict != "AC" and stop_early:
                break
        complete = len(parts) == len(group.items) and all(p.complete for p in parts)
        if scoring.ignore_sample:  # problemtools' grader then grades the last part alone
            if len(parts) > 2:  # ... and fails (JE) on a group of more parts
                self.error = self.error or (f"{group.name}: grader_flags ignore_sample on a "
                                            f"group of {len(parts)} parts (problemtools' "
                                            f"grader takes one or two)")
                return _Part("SE", 0.0, complete)
            parts = parts[-1:]
        verdict = _group_verdict(parts, group)
        self.passed[group.name] = complete and all(p.verdict == "AC" for p in parts)
        score = self._aggregate(parts, group, complete)
        self.group_scores[group.name] = score
        return _Part(verdict, score, complete)

    def _aggregate(self, parts: list[_Part], group: TestGroup, complete: bool) -> float:
        scoring = group.scoring
        scores = [p.score or 0.0 for p in parts]
        if scoring.aggregation == "pass-fail":
            ok = complete and all(p.verdict == "AC" for p in parts)
            return (scoring.max_score or 0.0) if ok else 0.0
        if not scores:
            return 0.0
        if scoring.aggregation == "sum":
            return float(sum(scores))
        if scoring.aggregation == "min":
            return float(min(scores)) if complete or self.problem.legacy else 0.0
        if scoring.aggregation == "max":
            return float(max(scores))
        return float(sum(scores)) / len(scores)

    def _scored(self, result: TestResult, group: TestGroup) -> _Part:
        """The test as a part of its group, with its score (a bad score.txt is SE)."""
        if not self.problem.scoring or result.verdict == "SE":
            return _Part(result.verdict, None)
        try:
            score = self._case_score(result, group)
        except ValueError as exc:
            self._fail(result, f"{exc}")
            return _Part("SE", 0.0)
        if score is not None:
            self.results[result.name] = dataclasses.replace(result, score=score)
        return _Part(result.verdict, score)

    def _case_score(self, result: TestResult, group: TestGroup) -> float | None:
        scoring = group.scoring
        check = self.checks.get(result.name)
        own = check.score if check else None
        multiplier = check.score_multiplier if check else None
        if self.problem.legacy:
            if result.verdict != "AC":
                return scoring.reject_score
            if own is not None:
                return own
            if multiplier is not None:
                raise ValueError("score_multiplier.txt is not part of the legacy format")
            if self.problem.custom_score:
                raise ValueError("the validator gave no score.txt (validation: custom score)")
            return scoring.accept_score
        if scoring.aggregation == "pass-fail":
            if own is not None or multiplier is not None:
                raise ValueError("the validator gave a score in a pass-fail group")
            return None
        if result.verdict != "AC":
            return 0.0
        count = len(group.cases) if scoring.aggregation == "sum" else 1
        most = None if scoring.max_score is None else scoring.max_score / max(1, count)
        if own is not None:
            if most is not None and own > most + 1e-9:
                raise ValueError(f"score.txt {own:g} is above the test's maximum {most:g}")
            return own
        if multiplier is not None:
            if most is None:
                raise ValueError("score_multiplier.txt in a group with unbounded score")
            return multiplier * most
        if most is None:
            raise ValueError("no score.txt in a group with unbounded score")
        return most

    def _fail(self, result: TestResult, message: str) -> None:
        self.error = self.error or f"{result.name}: {message}"
        self.results[result.name] = dataclasses.replace(result, verdict="SE",
                                                        checker_message=message)

    # --- one test ---------------------------------------------------------------------

    def case(self, case: TestCase) -> TestResult:
        if case.name in self.results:
            return self.results[case.name]
        if self.options.only is not None and not self.options.only(case.name):
            return TestResult(case.name, case.group, "AC", checker_message="not judged")
        result = self._multi_pass(case) if self.problem.multi_pass else self._pass(case, 1)
        self.results[case.name] = result
        self.order.append(case.name)
        if result.verdict == "SE":
            self.error = self.error or f"{case.name}: {result.checker_message}"
        if self.options.on_test is not None:
            self.options.on_test(result)
        return result

    def _multi_pass(self, case: TestCase) -> TestResult:
        passes = self.problem.limits.validation_passes
        feedback = kattis.Feedback()  # kept across the passes
        time = wall = 0.0
        memory = 0
        stdin = case.input
        for number in range(1, passes + 1):
            result = self._pass(case, number, stdin, feedback)
            time, wall = max(time, result.time), max(wall, result.wall_time)
            memory = max(memory, result.memory)
            result = dataclasses.replace(result, time=time, wall_time=wall, memory=memory)
            check = self.checks.get(case.name)
            if result.verdict != "AC" or check is None or check.nextpass is None:
                return result
            if number == passes:
                return dataclasses.replace(result, verdict="SE", checker_message=(
                    f"the validator asked for pass {passes + 1}; "
                    f"limits.validation_passes is {passes}"))
            stdin = self.workdir / f"nextpass-{number}.in"
            stdin.write_bytes(check.nextpass)
        raise AssertionError("unreachable")

    def _pass(self, case: TestCase, number: int, stdin: Path | None = None,
              feedback: kattis.Feedback | None = None) -> TestResult:
        stdin = stdin or case.input
        if self.answers is not None:
            return self._answer(case)
        if self.problem.interactive:
            if self.options.on_run is not None:
                self.options.on_run(len(self.order) + 1)
            outcome, check, verdict = self._interactive(case, stdin, feedback)
            status = run_status(outcome, self._time_limit())
            if verdict == "AC" and status is Status.TLE:  # over its promised limit
                verdict = "TLE"
        else:
            outcome, status, check = self._runs(case, stdin, feedback)
            verdict = check.verdict if check is not None else status.value
        if check is not None:
            self.checks[case.name] = check
        message = check.message if check is not None else run_message(outcome, status)
        if number > 1 and message:
            message = f"[pass {number}] {message}"
        keep = 1024 * (self.options.keep_output_kib if _is_sample(case)
                       else self.options.keep_hidden_output_kib)
        return TestResult(case.name, case.group, verdict, outcome.time, outcome.wall_time,
                          outcome.memory_kib, outcome.exit_code, outcome.signal, message,
                          stdout=outcome.stdout[:keep], stderr=outcome.stderr[:keep],
                          status=status.value)

    def _runs(self, case: TestCase, stdin: Path, feedback: kattis.Feedback | None
              ) -> tuple[Outcome, Status, CheckResult | None]:
        """Run the program on the test and check its output, ``options.runs`` times as
        Judge0 does (``number_of_runs``: again and again, stopping at the first run not
        accepted). The status, output, exit and wall time are the last run's; time and memory
        the mean of the runs made (memory in whole KiB, as Judge0's integer column keeps
        it). A run that ended well is checked; one that did not has no check."""
        times, memories = [], []
        for _ in range(max(1, self.options.runs)):
            if self.options.on_run is not None:
                self.options.on_run(len(self.order) + 1)
            started = time.monotonic()
            outcome = run_program(self.program, self.limits, args=case.args, stdin=str(stdin),
                                  box=self.box)
            self._observe("run", started, outcome)
            if self.options.stderr_to_stdout:
                outcome = dataclasses.replace(outcome, stdout=outcome.stdout + outcome.stderr,
                                              stderr=b"")
            status, check = run_status(outcome, self._time_limit()), None
            if status is Status.OK:
                started = time.monotonic()
                check = self._check(case, stdin, outcome.stdout, feedback)
                self._observe("check", started)
            times.append(outcome.time)
            memories.append(outcome.memory_kib)
            if (check.verdict if check is not None else status.value) != "AC":
                break
        if len(times) > 1:
            outcome = dataclasses.replace(outcome, time=sum(times) / len(times),
                                          memory_kib=int(sum(memories) / len(memories)))
        return outcome, status, check

    def _time_limit(self) -> float:
        return self.time_limit or self.limits.cpu_time_ms / 1000

    def _answer(self, case: TestCase) -> TestResult:
        """A test of a submit-answer problem: its answer file, checked."""
        output = self.answers.get(case.name) if self.answers is not None else None
        if output is None:
            wanted = answer_names(self.problem)[case.name][::len(_ANSWER_EXTENSIONS)]
            return TestResult(case.name, case.group, "WA", checker_message=(
                f"no answer file for this test (name it {' or '.join(wanted)})"))
        check = self._check(case, case.input, output, None)
        self.checks[case.name] = check
        return TestResult(case.name, case.group, check.verdict, checker_message=check.message)

    def _observe(self, phase: str, started: float, outcome: Outcome | None = None) -> None:
        seen = self.options.seen
        if seen is not None:
            elapsed = time.monotonic() - started
            seen.phase(phase, elapsed)
            if outcome is not None:
                seen.box(elapsed, outcome.wall_time)

    def _check(self, case: TestCase, stdin: Path, output: bytes,
               feedback: kattis.Feedback | None) -> CheckResult:
        if case.answer is None:  # a submitted test without an expected output
            return CheckResult("AC")
        # The validator's input file is what the submission read: the pass's input.
        options = CheckOptions(flags=case.validator_args, input=stdin,
                               program=self.checker.program,
                               limits=self._validator_limits(case, len(output)),
                               workdir=self.workdir, files=self.checker.files,
                               feedback=feedback)
        return get_checker(self.checker.kind)(output, case.answer, options)

    def _validator_limits(self, case: TestCase, extra: int = 0) -> Limits | None:
        program = self.checker.program
        if program is None or program.artifact is None:
            return None
        lim = self.problem.limits
        cpu = max(1, round(lim.validation_time * 1000))
        files = sum(p.stat().st_size for p in (case.input, case.answer, program.artifact))
        box = (files + extra) // 1024 + 2 * lim.validation_output_mb * 1024 + 16 * 1024
        return Limits(cpu_time_ms=cpu,
                      wall_time_ms=max(2 * cpu + 1000, self.limits.wall_ms + 2000),
                      memory_kib=lim.validation_memory_mb * 1024,
                      processes=program.language.processes,
                      output_kib=lim.validation_output_mb * 1024,
                      box_kib=max(64 * 1024, box))

    def _interactive(self, case: TestCase, stdin: Path, feedback: kattis.Feedback | None
                     ) -> tuple[Outcome, CheckResult, str]:
        program = self.checker.program
        limits = self._validator_limits(case)
        assert program is not None and limits is not None
        if self.checker.kind == "testlib":
            args: tuple[str, ...] = ("/box/input", "/box/tout", "/box/answer")
            files: tuple = (("input", stdin), ("answer", case.answer), *self.checker.files)
            run = run_interactive(self.program, self.limits, program, limits, "testlib",
                                  args, files, case.args)
            return run.submission, run.check, run.verdict
        # The validator reads the pass's input (nextpass.in after the first pass).
        run = run_interactive(self.program, self.limits, program, limits, "kattis",
                              kattis.validator_args(case.validator_args),
                              kattis.box_files(stdin, case.answer,
                                               CheckOptions(files=self.checker.files)),
                              case.args, feedback if feedback is not None else
                              kattis.Feedback())
        return run.submission, run.check, run.verdict


def _is_sample(case: TestCase) -> bool:
    """Whether the test is a sample (public data: its output is kept at the larger cap)."""
    return case.group.split("/")[0] == "sample"


def _group_verdict(parts: list[_Part], group: TestGroup) -> str:
    verdicts = [p.verdict for p in parts]
    if "SE" in verdicts:
        return "SE"
    failed = [v for v in verdicts if v != "AC"]
    scoring = group.scoring
    if not failed or scoring.verdict_mode == "always_accept" or \
            (scoring.accept_if_any_accepted and "AC" in verdicts):
        return "AC"
    if scoring.verdict_mode == "worst_error":
        return next(v for v in _WORST if v in failed)
    return failed[0]

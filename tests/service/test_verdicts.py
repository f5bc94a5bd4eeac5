"""From a run's outcome to our verdict and Judge0's status id, as Judge0 decides it: the run
judged by the one judging function (``worker.core.judging``, the run canned), the submission's
columns as the worker stores them (``worker.service.pipeline``)."""

from __future__ import annotations

import contextlib

import pytest

from sandbox import Limits, Outcome, Status
from worker.core import judging
from worker.core.checkers import default
from worker.core.compile import Program
from worker.core.judging import JudgeOptions, judge
from worker.core.languages import get_language
from worker.core.problem import adhoc_problem
from worker.core.verdicts import judge0_status
from worker.service import pipeline
from worker.service.pipeline import language_with_options


def run_verdict(monkeypatch, tmp_path, outcome: Outcome, expected: bytes | None) -> dict:
    """The stored columns of a Judge0 submission whose one run ended as ``outcome``."""
    monkeypatch.setattr(judging, "compile_program", lambda language, source, workdir, limits:
                        Program(language, True, ""))
    monkeypatch.setattr(judging, "program_box", lambda program: contextlib.nullcontext())
    monkeypatch.setattr(judging, "run_program", lambda *args, **kwargs: outcome)
    problem = adhoc_problem(tmp_path / "tests", [(b"", expected)], "lines")
    judgement = judge(problem, b"", get_language("c"), JudgeOptions(
        time_limit=1.0, limits=Limits(cpu_time_ms=2000)))
    return pipeline._values(judgement, "judge0")


@pytest.mark.parametrize("outcome, expected, verdict, status, code, signal", [
    (Outcome(Status.OK, 0, stdout=b"3\n"), b"3", "AC", 3, 0, None),
    (Outcome(Status.OK, 0, stdout=b"4\n"), b"3", "WA", 4, 0, None),
    (Outcome(Status.OK, 0, stdout=b"x"), None, "AC", 3, 0, None),
    (Outcome(Status.TLE, None, 9, killed_by="cpu-time"), b"", "TLE", 5, 0, 9),
    (Outcome(Status.RE, None, 11), None, "RE", 7, 0, 11),
    (Outcome(Status.RE, None, 25), None, "RE", 8, 0, 25),
    (Outcome(Status.RE, None, 8), None, "RE", 9, 0, 8),
    (Outcome(Status.RE, None, 6), None, "RE", 10, 0, 6),
    (Outcome(Status.RE, None, 15), None, "RE", 12, 0, 15),
    (Outcome(Status.RE, 3), None, "RE", 11, 3, None),
    (Outcome(Status.MLE, None, 9, oom_killed=True), None, "MLE", 12, 0, 9),
    (Outcome(Status.MLE, 1), None, "MLE", 11, 1, None),   # a runtime's own MemoryError
    (Outcome(Status.OLE, None, 9, killed_by="output"), None, "OLE", 8, 0, 25),
    (Outcome(Status.SE, message="box failed"), None, "SE", 13, None, None),
])
def test_run_verdicts(monkeypatch, tmp_path, outcome, expected, verdict, status, code, signal):
    values = run_verdict(monkeypatch, tmp_path, outcome, expected)
    assert (values["verdict"], values["judge0_status"], values["exit_code"],
            values["exit_signal"]) == (verdict, status, code, signal)


def test_cpu_time_beyond_the_promised_limit_is_tle(monkeypatch, tmp_path):
    values = run_verdict(monkeypatch, tmp_path, Outcome(Status.OK, 0, time=1.2, stdout=b"1"),
                         b"1")
    assert (values["verdict"], values["judge0_status"], values["message"]) == \
        ("TLE", 5, "Time limit exceeded")


def test_judge0_comparison_trims_trailing_whitespace_only():
    assert default.same_lines(b"1 2  \n3\t\n\n\n", b"1 2\n3")
    assert not default.same_lines(b" 1", b"1")
    assert not default.same_lines(b"1\n\n2", b"1\n2")
    assert default.same_tokens(b"1   2\n3\n", b"1 2 3")
    assert not default.same_tokens(b"1 2", b"1 3")


def test_statuses_of_compile_and_system_errors():
    assert judge0_status("CE", None, None) == 6
    assert judge0_status("SE", None, None) == 13


def test_options_are_argument_lists_with_braces_kept():
    lang = get_language("c")
    changed = language_with_options(lang, "-DX='{source}' -O0", "a 'b c' {heap_mb}")
    assert changed.compile[changed.compile.index("{source}") - 2:][:2] == \
        ("-DX={{source}}", "-O0")
    assert changed.run[-3:] == ("a", "b c", "{{heap_mb}}")
    argv = changed.argv(changed.run, changed.values(b""), 64)
    assert argv[-3:] == ("a", "b c", "{heap_mb}")

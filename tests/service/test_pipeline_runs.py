"""Judge0's ``number_of_runs``, as Judge0's worker does it (app/jobs/isolate_job.rb): run the
program that many times on the same input, stop at the first run that is not accepted; time
and memory are the mean over the runs made, everything else is the last run's. The runs are
canned here, judged by the one judging function (``worker.core.judging.judge``) on the problem
an ad-hoc submission's tests make; tests/service/test_judging.py runs them for real."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from sandbox import Limits, Outcome, Status
from worker.core import judging
from worker.core.compile import Program
from worker.core.judging import JudgeOptions, judge
from worker.core.languages import get_language
from worker.core.problem import adhoc_problem
from worker.service.metrics import Observations
from worker.service.pipeline import RunLimits

C = get_language("c")


def _run(monkeypatch, tmp_path: Path, outcomes, runs, expected=b"42", checker="lines"):
    """Judge one test on canned runs; the judgement, the test numbers ``on_run`` was told,
    the metrics and how many runs were made."""
    given = list(outcomes)
    monkeypatch.setattr(judging, "compile_program", lambda language, source, workdir, limits:
                        Program(language, True, ""))
    monkeypatch.setattr(judging, "program_box", lambda program: contextlib.nullcontext())
    monkeypatch.setattr(judging, "run_program", lambda program, limits, args=(), stdin=None,
                        box=None: given.pop(0))
    problem = adhoc_problem(tmp_path / "tests", [(b"", expected)], checker)
    started, seen = [], Observations()
    judgement = judge(problem, b"int main;", C, JudgeOptions(
        time_limit=1.0, limits=Limits(cpu_time_ms=2000, wall_time_ms=5000), runs=runs,
        keep_output_kib=64, keep_hidden_output_kib=64, on_run=started.append, seen=seen))
    return judgement, started, seen, len(outcomes) - len(given)


def _ok(time, memory, out=b"42\n", wall=None):
    return Outcome(Status.OK, 0, time=time, wall_time=wall or time, memory_kib=memory,
                   stdout=out)


def test_runs_are_averaged(monkeypatch, tmp_path):
    judgement, started, _seen, made = _run(monkeypatch, tmp_path, [
        _ok(0.1, 1000, wall=0.11), _ok(0.2, 1001, wall=0.21), _ok(0.3, 1003, wall=0.31)], 3)
    test = judgement.tests[0]
    assert made == 3 and judgement.verdict == test.verdict == "AC"
    assert test.time == pytest.approx(0.2)
    assert test.memory == 1001  # 1001.33 truncated, as Judge0's integer column keeps it
    assert test.wall_time == 0.31   # the last run's, as Judge0 keeps it
    assert started == [1, 1, 1]  # told before each run (the worker's lease covers each)


def test_the_first_run_not_accepted_stops_and_decides(monkeypatch, tmp_path):
    judgement, _started, _seen, made = _run(monkeypatch, tmp_path, [
        _ok(0.1, 1000), _ok(0.3, 3000, out=b"41\n"), _ok(0.1, 1000)], 3)
    test = judgement.tests[0]
    assert made == 2 and judgement.verdict == test.verdict == "WA"
    assert test.stdout == b"41\n"
    assert test.time == pytest.approx(0.2) and test.memory == 2000


def test_one_run_is_the_run_itself(monkeypatch, tmp_path):
    judgement, _started, _seen, made = _run(monkeypatch, tmp_path, [_ok(0.123, 777)], 1)
    test = judgement.tests[0]
    assert made == 1 and (test.time, test.memory, test.verdict) == (0.123, 777, "AC")


def test_cpu_time_beyond_the_promised_limit_is_tle(monkeypatch, tmp_path):
    """The box allowed 2 s (Judge0's extra time); the program was promised 1 s."""
    judgement, _started, _seen, _made = _run(monkeypatch, tmp_path, [_ok(1.2, 1000)], 1)
    test = judgement.tests[0]
    assert (judgement.verdict, test.status, test.checker_message) == \
        ("TLE", "TLE", "Time limit exceeded")


def test_a_test_without_expected_output_accepts_what_a_good_run_printed(monkeypatch, tmp_path):
    judgement, _started, _seen, _made = _run(monkeypatch, tmp_path, [_ok(0.1, 1, out=b"x")],
                                             1, expected=None)
    assert judgement.verdict == "AC"
    judgement, _started, _seen, _made = _run(
        monkeypatch, tmp_path, [Outcome(Status.RE, 3, time=0.1)], 1, expected=None)
    assert (judgement.verdict, judgement.tests[0].checker_message) == \
        ("RE", "Exited with error status 3")


def test_the_native_check_is_the_default_validator_case_sensitive(monkeypatch, tmp_path):
    judgement, *_ = _run(monkeypatch, tmp_path, [_ok(0.1, 1, out=b"  42 \n\n")], 1,
                         checker="tokens")
    assert judgement.verdict == "AC"
    judgement, *_ = _run(monkeypatch, tmp_path, [_ok(0.1, 1, out=b"A\n")], 1, expected=b"a",
                         checker="tokens")
    assert judgement.verdict == "WA" and "String tokens mismatch" in \
        judgement.tests[0].checker_message
    judgement, *_ = _run(monkeypatch, tmp_path, [_ok(0.1, 1, out=b"4 2\n")], 1,
                         checker="lines")  # Judge0's: lines, not tokens
    assert judgement.verdict == "WA" and judgement.tests[0].checker_message == ""


def test_stored_limits_without_runs_run_once():
    assert RunLimits.from_json({"cpu_ms": 1000}).runs == 1  # submissions stored before
    assert RunLimits.from_json({"cpu_ms": 1000, "runs": 4}).runs == 4


def test_each_run_and_check_is_observed_for_the_metrics(monkeypatch, tmp_path):
    _judgement, _started, seen, made = _run(monkeypatch, tmp_path, [
        _ok(0.1, 1000, wall=0.1), _ok(0.1, 1000, wall=0.1)], 2)
    phases = [phase for phase, _ in seen.latency]
    assert made == 2 and phases == ["compile", "run", "check", "run", "check"]
    assert len(seen.box_setup) == 2 and all(s >= 0 for s in seen.box_setup)

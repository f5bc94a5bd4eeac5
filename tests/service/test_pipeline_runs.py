"""Judge0's ``number_of_runs``, as Judge0's worker does it (app/jobs/isolate_job.rb): run the
program that many times on the same input, stop at the first run that is not accepted; time
and memory are the mean over the runs made, everything else is the last run's. The runs are
canned here; tests/service/test_judging.py runs them for real."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from sandbox import Limits, Outcome, Status
from worker.service import pipeline
from worker.service.metrics import Observations
from worker.service.pipeline import RunLimits


class _Reporter:
    def __init__(self):
        self.running_calls = []
        self.seen = Observations()  # the judgement's metrics (worker.service.metrics)

    def running(self, index, count, wall_s):
        self.running_calls.append((index, count, wall_s))


def _run(monkeypatch, outcomes, runs, expected=b"42"):
    given = list(outcomes)
    monkeypatch.setattr(pipeline, "run_program",
                        lambda program, limits, stdin, box=None: given.pop(0))
    reporter = _Reporter()
    test = SimpleNamespace(index=1, expected=expected)
    outcome, rv = pipeline._run_test(
        object(), Limits(cpu_time_ms=2000, wall_time_ms=5000), "/dev/null", test, 1,
        RunLimits(cpu_ms=1000, runs=runs), "lines", False, reporter)
    return outcome, rv, reporter, len(outcomes) - len(given)


def _ok(time, memory, out=b"42\n", wall=None):
    return Outcome(Status.OK, 0, time=time, wall_time=wall or time, memory_kib=memory,
                   stdout=out)


def test_runs_are_averaged(monkeypatch):
    outcome, rv, reporter, made = _run(monkeypatch, [
        _ok(0.1, 1000, wall=0.11), _ok(0.2, 1001, wall=0.21), _ok(0.3, 1003, wall=0.31)], 3)
    assert made == 3 and rv.verdict == "AC"
    assert outcome.time == pytest.approx(0.2)
    assert outcome.memory_kib == 1001  # 1001.33 truncated, as Judge0's integer column keeps it
    assert outcome.wall_time == 0.31   # the last run's, as Judge0 keeps it
    assert reporter.running_calls == [(1, 1, 5.0)] * 3  # the lease is renewed before each run


def test_the_first_run_not_accepted_stops_and_decides(monkeypatch):
    outcome, rv, _reporter, made = _run(monkeypatch, [
        _ok(0.1, 1000), _ok(0.3, 3000, out=b"41\n"), _ok(0.1, 1000)], 3)
    assert made == 2 and rv.verdict == "WA" and rv.judge0_status == 4
    assert outcome.stdout == b"41\n"
    assert outcome.time == pytest.approx(0.2) and outcome.memory_kib == 2000


def test_one_run_is_the_run_itself(monkeypatch):
    single = _ok(0.123, 777)
    outcome, rv, _reporter, made = _run(monkeypatch, [single], 1)
    assert made == 1 and outcome is single and rv.verdict == "AC"


def test_stored_limits_without_runs_run_once():
    assert RunLimits.from_json({"cpu_ms": 1000}).runs == 1  # submissions stored before
    assert RunLimits.from_json({"cpu_ms": 1000, "runs": 4}).runs == 4


def test_each_run_and_check_is_observed_for_the_metrics(monkeypatch):
    _outcome, _rv, reporter, made = _run(monkeypatch, [
        _ok(0.1, 1000, wall=0.1), _ok(0.1, 1000, wall=0.1)], 2)
    phases = [phase for phase, _ in reporter.seen.latency]
    assert made == 2 and phases == ["run", "check", "run", "check"]
    assert len(reporter.seen.box_setup) == 2 and all(s >= 0 for s in reporter.seen.box_setup)

"""The judging worker's batched writes (``worker.service.pipeline.Reporter``) on a real SQLite
store: few writes, every result stored once, the lease always covering the next step, and a worker
whose lease ran out stopped at its next report."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from worker.service import pipeline
from worker.service.pipeline import JudgeSettings, Reporter
from worker.store import Store, submissions
from worker.store.db import COMPILING, DONE, RUNNING, Submission, utcnow
from worker.store.submissions import LeaseLost, NewSubmission, NewTest

MARGIN = 4.0


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path}/judgebox.sqlite3")
    s.migrate()
    yield s
    s.engine.dispose()


@pytest.fixture
def writes(monkeypatch):
    """Every write the reporter makes, as (progress, result indexes)."""
    made = []
    real = submissions.report

    def report(store, held, lease_s, progress, results=()):
        results = list(results)
        made.append((progress, [r["index"] for r in results]))
        real(store, held, lease_s, progress, results)

    monkeypatch.setattr(submissions, "report", report)
    return made


def _claimed(store, tests=10):
    new = NewSubmission(language="c", source=b"int main(){}",
                        tests=tuple(NewTest(b"1\n", b"1") for _ in range(tests)))
    row = submissions.create(store, new)
    held = submissions.claim(store, row.token, "w:1", JudgeSettings(
        lease_margin_s=MARGIN).compile_lease_s)
    return row, held


def _result(index):
    return {"index": index, "name": str(index), "group": "", "verdict": "AC", "status": "OK",
            "time": 0.0, "wall_time": 0.0, "memory": 1, "exit_code": 0, "signal": None,
            "checker_message": "", "stdout": b"", "stderr": b""}


def _row(store, token):
    return submissions.get(store, token)


def _judge_fast(reporter, count=10, wall_s=5.0):
    reporter.compiling(count)
    for i in range(1, count + 1):
        reporter.running(i, count, wall_s)
        reporter.result(_result(i), wall_s)


def test_fast_tests_take_one_write_and_the_results_come_with_the_verdict(store, writes):
    row, held = _claimed(store)
    reporter = Reporter(store, held, JudgeSettings(lease_margin_s=MARGIN))
    _judge_fast(reporter)
    # compiling is what the claim stored already; running test 1 is shown at once
    assert writes == [((RUNNING, 1, 10), [])]
    assert _row(store, row.token).results == []
    reporter.finish({"verdict": "AC", "judge0_status": 3})
    done = _row(store, row.token)
    assert done.state == DONE and [r.index for r in done.results] == list(range(1, 11))
    assert [p for p, _ in reporter.seen.latency].count("store") == 2  # one report, the finish


def test_slow_tests_are_stored_test_by_test(store, writes, monkeypatch):
    row, held = _claimed(store, tests=3)
    clock = [1000.0]
    monkeypatch.setattr(pipeline.time, "monotonic", lambda: clock[0])
    reporter = Reporter(store, held, JudgeSettings(lease_margin_s=MARGIN))
    reporter._lease_end = clock[0] + JudgeSettings(lease_margin_s=MARGIN).compile_lease_s
    reporter.compiling(3)
    for i in (1, 2, 3):
        reporter.running(i, 3, 2.0)
        clock[0] += Reporter.FLUSH_S  # each test takes as long as the flush interval
        reporter.result(_result(i), 2.0)
    # each test is shown running as it starts, with the results before it
    assert writes == [((RUNNING, 1, 3), []), ((RUNNING, 2, 3), [1]), ((RUNNING, 3, 3), [2])]
    stored = _row(store, row.token)
    assert stored.state == RUNNING and [r.index for r in stored.results] == [1, 2]
    reporter.finish({"verdict": "AC", "judge0_status": 3})
    assert [r.index for r in _row(store, row.token).results] == [1, 2, 3]


def test_the_lease_always_covers_the_next_step_and_half_the_margin(store, monkeypatch):
    row, held = _claimed(store)
    clock = [held.lease_end - JudgeSettings(lease_margin_s=MARGIN).compile_lease_s]
    monkeypatch.setattr(pipeline.time, "monotonic", lambda: clock[0])
    reporter = Reporter(store, held, JudgeSettings(lease_margin_s=MARGIN))
    reporter.compiling(10)
    clock[0] += 1.0
    for i in range(1, 11):
        reporter.running(i, 10, 5.0)
        # whatever was written or not, the lease runs past this test's bound + margin / 2
        assert reporter._lease_end >= clock[0] + 5.0 + MARGIN / 2
        stored = _row(store, row.token).lease_until
        assert stored >= utcnow() + dt.timedelta(seconds=5.0 + MARGIN / 2 - 0.5)
        clock[0] += 0.9  # slower than the flush interval, faster than the lease
        reporter.result(_result(i), 5.0)


def test_a_lost_lease_stops_the_loser_at_its_next_report(store):
    row, held = _claimed(store)
    reporter = Reporter(store, held, JudgeSettings(lease_margin_s=MARGIN))
    reporter.compiling(10)
    reporter.running(1, 10, 5.0)
    reporter.result(_result(1), 5.0)
    # the worker stalls past its lease; another claims the submission and judges it
    with store.write() as session:
        session.execute(update(Submission).where(Submission.token == row.token)
                        .values(lease_until=utcnow() - dt.timedelta(seconds=1)))
    other = submissions.claim(store, row.token, "w:2", 30)
    reporter._lease_end = 0.0  # what the stalled worker's clock says now: the lease is over
    with pytest.raises(LeaseLost):
        reporter.running(2, 10, 5.0)
    with pytest.raises(LeaseLost):
        reporter.finish({"verdict": "AC", "judge0_status": 3})
    stored = _row(store, row.token)
    assert stored.attempt == other.attempt == 2 and stored.results == []
    assert stored.state == COMPILING and stored.lease_owner == "w:2"

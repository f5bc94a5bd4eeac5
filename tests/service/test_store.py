"""The store and the lease that makes judging safe to repeat: claim, renew, lose, finish once;
the reconciler's choice of stuck submissions; migrations. Each runs on SQLite and on
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time

import pytest
from sqlalchemy import inspect, update

from worker.store import Store, packages, submissions
from worker.store.db import DONE, QUEUED, RUNNING, Submission, utcnow
from worker.store.submissions import LeaseLost, NewSubmission, NewTest, NotClaimable


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """The store, migrated, on SQLite and on PostgreSQL (a fresh database of the session's
    throwaway cluster)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/judgebox.sqlite3"
    else:
        url = request.getfixturevalue("fresh_postgres_url")
    s = Store(url)
    s.migrate()
    yield s
    s.engine.dispose()


def _new(store, **kw):
    new = NewSubmission(language="c", source=b"int main(){}",
                        tests=(NewTest(b"1\n", b"1\n"), NewTest(b"2\n")), **kw)
    return submissions.create(store, new)


def _result(index):
    return {"index": index, "name": str(index), "group": "", "verdict": "AC", "status": "OK",
            "time": 0.0, "wall_time": 0.0, "memory": 1, "exit_code": 0, "signal": None,
            "checker_message": "", "stdout": b"", "stderr": b""}


def test_migrations_are_idempotent_and_create_every_table(store):
    store.migrate()
    tables = set(inspect(store.engine).get_table_names())
    assert tables >= {"packages", "problems", "submissions", "submission_tests",
                      "test_results", "api_tokens", "workers", "alembic_version"}


def test_the_migrations_build_exactly_the_models(store):
    """Every column, index and foreign key of ``worker.store.db`` comes from a migration (a model
    changed without one would differ here)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from worker.store.db import Base

    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_claim_once_then_busy(store):
    row = _new(store)
    held = submissions.claim(store, row.token, "a:1", lease_s=30)
    assert held.attempt == 1
    with pytest.raises(NotClaimable) as busy:
        submissions.claim(store, row.token, "b:2", lease_s=30)
    assert busy.value.reason == "busy" and 25 < busy.value.retry_in <= 30
    with pytest.raises(NotClaimable) as missing:
        submissions.claim(store, "nope", "b:2", lease_s=30)
    assert missing.value.reason == "missing"


def test_its_own_earlier_attempt_is_claimed_at_once(store):
    """A task retried in the process that held the lease (its attempt ended without
    finishing: the database went away) takes it again without waiting the lease out; the
    earlier attempt's writes are then refused."""
    row = _new(store)
    first = submissions.claim(store, row.token, "w@h:7", lease_s=60)
    submissions.add_result(store, first, _result(1), lease_s=60)
    again = submissions.claim(store, row.token, "w@h:7", lease_s=60)
    assert again.attempt == 2 and submissions.get(store, row.token).results == []
    with pytest.raises(LeaseLost):
        submissions.add_result(store, first, _result(2), lease_s=60)
    with pytest.raises(NotClaimable):  # anyone else still waits for the lease
        submissions.claim(store, row.token, "w@h:8", lease_s=60)


def _expire(store, token):
    """As if the lease had been taken 10 s after the submission was queued, and had run out."""
    now = utcnow()
    with store.write() as session:
        session.execute(update(Submission).where(Submission.token == token)
                        .values(lease_until=now - dt.timedelta(seconds=1),
                                enqueued_at=now - dt.timedelta(seconds=11)))


def test_an_expired_lease_passes_to_the_next_worker_and_the_first_stops(store):
    row = _new(store)
    first = submissions.claim(store, row.token, "a:1", lease_s=30)
    submissions.progress(store, first, RUNNING, 1, 2, lease_s=30)
    submissions.add_result(store, first, _result(1), lease_s=30)
    _expire(store, row.token)  # the first worker died (or stalled past its lease)
    second = submissions.claim(store, row.token, "b:2", lease_s=30)
    assert second.attempt == 2
    assert submissions.get(store, row.token).results == []  # the dead attempt's are gone
    with pytest.raises(LeaseLost):
        submissions.add_result(store, first, _result(2), lease_s=30)
    with pytest.raises(LeaseLost):
        submissions.finish(store, first, {"verdict": "AC", "judge0_status": 3})
    submissions.add_result(store, second, _result(1), lease_s=30)
    submissions.finish(store, second, {"verdict": "AC", "judge0_status": 3})
    done = submissions.get(store, row.token)
    assert done.state == DONE and done.attempt == 2 and len(done.results) == 1
    assert done.lease_until is None
    with pytest.raises(NotClaimable) as again:
        submissions.claim(store, row.token, "c:3", lease_s=30)
    assert again.value.reason == "done"
    with pytest.raises(LeaseLost):  # finishing twice stores nothing twice
        submissions.finish(store, second, {"verdict": "WA"})
    assert submissions.get(store, row.token).verdict == "AC"


def _claim_in_child(url, token, queue):
    store = Store(url)
    try:
        queue.put(submissions.claim(store, token, f"p:{multiprocessing.current_process().pid}",
                                    30).attempt)
    except NotClaimable as exc:
        queue.put(exc.reason)


def test_concurrent_claims_from_processes_one_wins(store):
    row = _new(store)
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_claim_in_child, args=(store.url, row.token, queue))
             for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    results = sorted(str(queue.get(timeout=5)) for _ in procs)
    assert results == ["1", "busy", "busy", "busy"]


def test_stuck_finds_dead_leases_and_lost_messages(store):
    dead = _new(store)
    held = submissions.claim(store, dead.token, "a:1", lease_s=30)
    submissions.progress(store, held, RUNNING, 1, 2, lease_s=30)
    _expire(store, dead.token)
    lost = _new(store)
    waiting = _new(store, queue="batch")
    fresh = _new(store)
    old = utcnow() - dt.timedelta(seconds=60)
    with store.write() as session:
        session.execute(update(Submission).where(Submission.token.in_(
            [lost.token, waiting.token])).values(enqueued_at=old))
    found = submissions.stuck(store, queued_timeout_s=30, idle_queues=["interactive"])
    assert sorted(found) == sorted([(dead.token, "interactive"), (lost.token, "interactive")])
    # re-sent now: not again until the timeout passes or a new lease expires
    assert submissions.stuck(store, 30, ["interactive", "batch"]) == [(waiting.token, "batch")]
    assert fresh.state == QUEUED


def test_callbacks_a_dead_worker_never_queued_are_found(store):
    row = _new(store, callback_url="http://example.com/hook")
    held = submissions.claim(store, row.token, "a:1", lease_s=30)
    submissions.finish(store, held, {"verdict": "AC", "judge0_status": 3})
    assert submissions.unsent_callbacks(store, older_than_s=60) == []  # too recent to tell
    with store.write() as session:
        session.execute(update(Submission).where(Submission.token == row.token)
                        .values(finished_at=utcnow() - dt.timedelta(seconds=120)))
    assert submissions.unsent_callbacks(store, older_than_s=60) == [(row.token, "interactive")]


def test_packages_by_content_hash_and_cache(store, tmp_path):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("p/problem.yaml", "name: P\n")
    data = buffer.getvalue()
    digest = packages.put(store, data)
    assert packages.put(store, data) == digest == packages.sha256_of(data)
    fetched = []

    def fetch(d):
        fetched.append(d)
        return packages.get_bytes(store, d)

    def extract(archive, dest):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(dest)
        return dest / "p"

    root = packages.unpacked(tmp_path / "cache", digest, fetch, extract)
    assert (root / "problem.yaml").read_text() == "name: P\n"
    assert packages.unpacked(tmp_path / "cache", digest, fetch, extract) == root
    assert fetched == [digest]  # fetched once, then cached
    with pytest.raises(packages.PackageFetchError):
        packages.unpacked(tmp_path / "cache", "0" * 64, lambda d: b"other", extract)
    assert packages.delete_unused(store) == 1


def test_a_worker_started_again_under_its_name_is_a_new_start(store):
    """A killed worker's record stays live (languages and all) until it goes stale: its
    restart under the same name must show as a start of its own (tests wait for it)."""
    from worker.store import registry

    registry.report(store, "w@host", concurrency=1, languages=[{"id": "c"}], started=True)
    first = next(w for w in registry.live_workers(store, 60) if w.name == "w@host").started_at
    time.sleep(0.01)
    registry.report(store, "w@host")  # a heartbeat: the same start
    again = next(w for w in registry.live_workers(store, 60) if w.name == "w@host").started_at
    assert again == first
    registry.report(store, "w@host", concurrency=1, languages=[{"id": "c"}], started=True)
    restarted = next(w for w in registry.live_workers(store, 60) if w.name == "w@host")
    assert restarted.started_at > first and restarted.languages == [{"id": "c"}]

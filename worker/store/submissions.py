"""Submissions in the store: create, read, list; and the judging side's claim, progress, finish.

Who judges a submission is decided by a lease on its row, so that nothing is lost and nothing
is stored twice, whatever the broker does:

- ``claim()`` takes a submission that is queued, or whose lease has expired (its worker died)
  or is held by the claiming process itself (an attempt of its own that ended without
  finishing, e.g. a task retried after a database outage), in one conditional UPDATE: it bumps ``attempt``, names the owner, sets ``lease_until`` and
  deletes the results of earlier attempts. A submission that is done, or held by a live lease,
  cannot be claimed (:class:`NotClaimable` says which, and when the lease ends).
- every later write (``progress()``, ``add_result()``, ``finish()``) is conditional on the
  claimed ``attempt``: when another worker has claimed the submission since, the write changes
  nothing and :class:`LeaseLost` is raised; the loser stops. So a re-delivered task judges
  again only when the first judgement died, and one judgement's results are stored, once.
- a lease lasts as long as the step being run (a compile, one test) plus a margin, and is
  renewed as steps go by: a worker killed with ``kill -9`` stops renewing, its lease expires,
  and ``stuck()`` (the reconciler) hands the submission to the queue again.
- a judging worker batches its writes (``report()``: progress, the lease and any number of
  test results in one transaction; ``finish()`` takes the last results with the judgement);
  ``worker.service.pipeline.Reporter`` decides when to write. ``Claim.lease_end`` says, on this
  process's monotonic clock, until when the lease surely holds.

Errors: :class:`NotClaimable`, :class:`LeaseLost`.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass, field
from typing import Iterable

from sqlalchemy import and_, delete, false, func, insert, or_, select, update
from sqlalchemy.orm import lazyload

from .database import Store
from .db import (COMPILING, DONE, QUEUED, RUNNING, Submission, SubmissionFile, SubmissionTest,
                 TestResult, utcnow)

__all__ = ["NewTest", "NewSubmission", "Visibility", "count_visible", "Claim", "NotClaimable", "LeaseLost", "create",
           "get", "get_many", "list_submissions", "mark_enqueued", "claim", "progress",
           "add_result", "report", "finish", "stuck", "counts", "count", "unsent_callbacks"]


@dataclass(frozen=True)
class NewTest:
    """An ad-hoc test: what goes to stdin, and the expected output (``None``: not checked)."""

    stdin: bytes = b""
    expected: bytes | None = None
    name: str = ""


@dataclass(frozen=True)
class NewSubmission:
    """What a client sent, validated. ``limits`` are the run limits (see ``pipeline.Limits``),
    ``options`` Judge0's other request fields (echoed back by the Judge0 API; a program of
    several files keeps its named entry point there as ``entry``). ``files`` are the files of
    a program of several files (then ``source`` is empty), or, with a ``source``, the files
    that go with it (Judge0's ``additional_files``): ``worker.core.sources.stored_program``."""

    language: str
    source: bytes
    api: str = "native"
    queue: str = "interactive"
    judge0_language_id: int | None = None
    tests: tuple[NewTest, ...] = ()
    problem_id: int | None = None
    problem_name: str | None = None
    package_sha256: str | None = None
    checker: str = "tokens"
    limits: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    callback_url: str | None = None
    token_id: int | None = None
    rejudge_of: int | None = None  # a re-judge's copy of this submission (its row id)
    client: str | None = None      # whom it counts against (web.quota)
    user_id: int | None = None     # the account that made it (then it is private)
    assignment_id: int | None = None
    late: bool = False             # made in the assignment's late window
    samples_only: bool = False     # a run on the samples: judged on them only, never scored
    files: tuple[tuple[str, bytes], ...] = ()

    @property
    def stored_bytes(self) -> int:
        """What storing it takes: the source, its files (names and contents) and the tests'
        input and expected output."""
        return len(self.source) + sum(len(name.encode()) + len(data)
                                      for name, data in self.files) + \
            sum(len(t.stdin) + len(t.expected or b"") for t in self.tests)


@dataclass(frozen=True)
class Visibility:
    """The submissions a token or account may list: its own (by token or by account), those
    on the problems it manages, and those in the assignments of the courses it teaches."""

    token_id: int | None
    problem_ids: tuple[int, ...] = ()
    user_id: int | None = None
    assignment_ids: tuple[int, ...] = ()

    def condition(self):
        """The SQL condition selecting them."""
        parts = []
        if self.token_id is not None:
            parts.append(Submission.token_id == self.token_id)
        if self.user_id is not None:
            parts.append(Submission.user_id == self.user_id)
        if self.problem_ids:
            parts.append(Submission.problem_id.in_(self.problem_ids))
        if self.assignment_ids:
            parts.append(Submission.assignment_id.in_(self.assignment_ids))
        return or_(*parts) if parts else false()


def count_visible(store: Store, visible_to: Visibility | None, api: str | None = None) -> int:
    """How many submissions ``list_submissions`` could list with these filters."""
    query = select(func.count()).select_from(Submission).where(
        Submission.rejudge_of.is_(None))
    if visible_to is not None:
        query = query.where(visible_to.condition())
    if api is not None:
        query = query.where(Submission.api == api)
    with store.read() as session:
        return session.scalar(query) or 0


class NotClaimable(Exception):
    """The submission cannot be judged now: ``reason`` is ``missing``, ``done`` or ``busy``
    (another worker's lease runs for ``retry_in`` more seconds)."""

    def __init__(self, token: str, reason: str, retry_in: float = 0.0) -> None:
        self.token, self.reason, self.retry_in = token, reason, retry_in
        super().__init__(f"submission {token}: {reason}")


class LeaseLost(Exception):
    """Another worker claimed the submission meanwhile: stop judging it, store nothing."""


@dataclass(frozen=True)
class Claim:
    """A held claim on one submission: its row id and the attempt number it was claimed as.
    ``lease_end``: ``time.monotonic()`` before which the lease the claim took surely holds (it
    was taken from a clock read before the claim's write)."""

    token: str
    id: int
    attempt: int
    owner: str
    lease_end: float = 0.0


def create(store: Store, new: NewSubmission) -> Submission:
    """Store a new submission (state queued); returns it with its token."""
    now = utcnow()
    row = Submission(
        token=str(uuid.uuid4()), api=new.api, queue=new.queue, language=new.language,
        judge0_language_id=new.judge0_language_id, source=new.source,
        problem_id=new.problem_id, problem_name=new.problem_name,
        package_sha256=new.package_sha256, checker=new.checker, limits=dict(new.limits),
        options=dict(new.options), callback_url=new.callback_url,
        callback_state="pending" if new.callback_url else None, token_id=new.token_id,
        rejudge_of=new.rejudge_of, state=QUEUED, judge0_status=1, test_count=len(new.tests),
        attempt=0, client=new.client, stored_bytes=new.stored_bytes, user_id=new.user_id,
        assignment_id=new.assignment_id, late=new.late, samples_only=new.samples_only,
        created_at=now, enqueued_at=now)
    row.tests = [SubmissionTest(index=i, name=t.name or str(i), stdin=t.stdin,
                                expected=t.expected)
                 for i, t in enumerate(new.tests, 1)]
    row.files = [SubmissionFile(index=i, name=name, content=data)
                 for i, (name, data) in enumerate(new.files, 1)]
    row.results = []
    with store.write() as session:
        session.add(row)
    return row


def get(store: Store, token: str, results: bool = True, tests: bool = True
        ) -> Submission | None:
    """The submission with this token (its tests unless ``tests`` is false, and its results
    unless ``results`` is false), or ``None``. A view that shows neither skips loading them
    (a submission's tests may weigh megabytes)."""
    query = select(Submission).where(Submission.token == token)
    if not results:
        query = query.options(lazyload(Submission.results))
    if not tests:
        query = query.options(lazyload(Submission.tests))
    with store.read() as session:
        return session.scalars(query).first()


def get_many(store: Store, tokens: list[str]) -> dict[str, Submission]:
    """Submissions by token (the ones that exist), without their per-test results."""
    with store.read() as session:
        rows = session.scalars(select(Submission).where(Submission.token.in_(tokens))
                               .options(lazyload(Submission.results))).all()
        return {row.token: row for row in rows}


def list_submissions(store: Store, *, state: str | None = None, verdict: str | None = None,
                     language: str | None = None, problem: str | None = None,
                     api: str | None = None, before_id: int | None = None,
                     limit: int = 50, visible_to: Visibility | None = None,
                     offset: int = 0) -> list[Submission]:
    """Newest first, filtered, without per-test results; ``before_id`` (or ``offset``)
    pages on; ``visible_to`` restricts to what a token may list (``None``: everything). A
    re-judge's copies are not listed (their re-judge's diff names them)."""
    query = (select(Submission).order_by(Submission.id.desc()).limit(limit).offset(offset)
             .where(Submission.rejudge_of.is_(None))
             .options(lazyload(Submission.results)))
    if visible_to is not None:
        query = query.where(visible_to.condition())
    for column, value in ((Submission.state, state), (Submission.verdict, verdict),
                          (Submission.language, language), (Submission.problem_name, problem),
                          (Submission.api, api)):
        if value is not None:
            query = query.where(column == value)
    if before_id is not None:
        query = query.where(Submission.id < before_id)
    with store.read() as session:
        return list(session.scalars(query).all())


def counts(store: Store) -> dict[str, int]:
    """How many submissions are in each state."""
    with store.read() as session:
        rows = session.execute(select(Submission.state, func.count())
                               .group_by(Submission.state)).all()
    return {state: n for state, n in rows}


def count(store: Store, state: str) -> int:
    """How many submissions are in ``state``: one range of the state index, cheap at any size
    of the table (:func:`counts` reads every row: use it for reports, not per request)."""
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(Submission)
                              .where(Submission.state == state)) or 0


def mark_enqueued(store: Store, tokens: Iterable[str]) -> None:
    """Record that these submissions were (re)sent to the queue now."""
    tokens = list(tokens)
    if not tokens:
        return
    with store.write() as session:
        session.execute(update(Submission).where(Submission.token.in_(tokens))
                        .values(enqueued_at=utcnow()))


def _until(lease_s: float) -> dt.datetime:
    return utcnow() + dt.timedelta(seconds=lease_s)


def claim(store: Store, token: str, owner: str, lease_s: float) -> Claim:
    """Take the submission for judging (see the module docstring); ``NotClaimable`` if not."""
    started = time.monotonic()
    now = utcnow()
    with store.write() as session:
        result = session.execute(
            update(Submission)
            .where(Submission.token == token)
            .where(or_(Submission.state == QUEUED,
                       and_(Submission.state.in_((COMPILING, RUNNING)),
                            or_(Submission.lease_until < now,
                                # its own earlier attempt (a task retried after a database
                                # outage): a process judges one submission at a time, so
                                # that attempt has ended; and a reused pid's holder is dead
                                Submission.lease_owner == owner))))
            .values(state=COMPILING, attempt=Submission.attempt + 1, lease_owner=owner,
                    lease_until=_until(lease_s), worker=owner, test_index=0,
                    started_at=func.coalesce(Submission.started_at, now)))
        row = session.execute(select(Submission.id, Submission.attempt, Submission.state,
                                     Submission.lease_until)
                              .where(Submission.token == token)).first()
        if row is None:
            raise NotClaimable(token, "missing")
        if result.rowcount == 1:
            session.execute(delete(TestResult).where(TestResult.submission_id == row.id))
            return Claim(token, row.id, row.attempt, owner, started + lease_s)
    if row.state == DONE:
        raise NotClaimable(token, "done")
    retry_in = (row.lease_until - now).total_seconds() if row.lease_until else 1.0
    raise NotClaimable(token, "busy", max(0.5, retry_in))


def _renew(session, held: Claim, lease_s: float, **values) -> None:
    result = session.execute(
        update(Submission)
        .where(Submission.id == held.id, Submission.attempt == held.attempt,
               Submission.state != DONE)
        .values(lease_until=_until(lease_s), **values))
    if result.rowcount != 1:
        raise LeaseLost(f"submission {held.token}: claimed again since attempt {held.attempt}")


def progress(store: Store, held: Claim, state: str, test_index: int, test_count: int,
             lease_s: float) -> None:
    """Store where judging is (compiling; running test k of n) and renew the lease."""
    with store.write() as session:
        _renew(session, held, lease_s, state=state, test_index=test_index,
               test_count=test_count)


def add_result(store: Store, held: Claim, result: dict, lease_s: float) -> None:
    """Store one test's result (a ``TestResult``'s columns) and renew the lease."""
    with store.write() as session:
        _renew(session, held, lease_s)
        session.add(TestResult(submission_id=held.id, **result))


def report(store: Store, held: Claim, lease_s: float, progress: tuple[str, int, int] | None,
           results: Iterable[dict] = ()) -> None:
    """One write of a judging worker: renew the lease for ``lease_s``, store where judging is
    (``progress``: state, test k, of n; ``None`` leaves it) and any test results not stored
    yet (``TestResult`` columns), all in one transaction; :class:`LeaseLost` (and nothing
    stored) when another worker claimed the submission since."""
    state = {} if progress is None else dict(zip(("state", "test_index", "test_count"),
                                                 progress))
    with store.write() as session:
        _renew(session, held, lease_s, **state)
        _insert_results(session, held, results)


def finish(store: Store, held: Claim, values: dict, results: Iterable[dict] = ()) -> None:
    """Store the judgement (the submission's result columns) and mark it done, once; with
    ``results``, the test results not stored yet, in the same transaction. The one durable
    write of a judgement: a verdict once stored survives a power cut."""
    with store.write(durable=True) as session:
        result = session.execute(
            update(Submission)
            .where(Submission.id == held.id, Submission.attempt == held.attempt,
                   Submission.state != DONE)
            .values(state=DONE, lease_owner=None, lease_until=None, finished_at=utcnow(),
                    **values))
        if result.rowcount != 1:
            raise LeaseLost(f"submission {held.token}: claimed again since attempt "
                            f"{held.attempt}")
        _insert_results(session, held, results)


def _insert_results(session, held: Claim, results: Iterable[dict]) -> None:
    rows = [dict(r, submission_id=held.id) for r in results]
    if rows:  # one executemany, without the ORM's unit of work
        session.execute(insert(TestResult), rows)


def stuck(store: Store, queued_timeout_s: float, idle_queues: Iterable[str]
          ) -> list[tuple[str, str]]:
    """Submissions to hand to the queue again, as (token, queue), and marks them re-enqueued.

    - compiling or running with an expired lease (their worker died), unless already
      re-enqueued since the lease expired (then only after ``queued_timeout_s``);
    - queued for more than ``queued_timeout_s`` while their queue is empty (the broker lost
      the message, or the database was written but the message never sent).
    """
    now = utcnow()
    old = now - dt.timedelta(seconds=queued_timeout_s)
    idle = list(idle_queues)
    expired = and_(Submission.state.in_((COMPILING, RUNNING)), Submission.lease_until < now,
                   or_(Submission.enqueued_at.is_(None),
                       Submission.enqueued_at < Submission.lease_until,
                       Submission.enqueued_at < old))
    lost = and_(Submission.state == QUEUED, Submission.enqueued_at < old,
                Submission.queue.in_(idle))
    with store.write() as session:
        rows = session.execute(select(Submission.token, Submission.queue)
                               .where(or_(expired, lost)).limit(1000)).all()
        if rows:
            session.execute(update(Submission)
                            .where(Submission.token.in_([r.token for r in rows]))
                            .values(enqueued_at=now))
    return [(r.token, r.queue) for r in rows]


def unsent_callbacks(store: Store, older_than_s: float) -> list[tuple[str, str]]:
    """Finished submissions whose callback was never queued (their worker died between
    storing the judgement and queueing the callback), as (token, queue)."""
    before = utcnow() - dt.timedelta(seconds=older_than_s)
    with store.read() as session:
        rows = session.execute(select(Submission.token, Submission.queue).where(
            Submission.state == DONE, Submission.callback_state == "pending",
            Submission.finished_at < before).limit(1000)).all()
    return [(r.token, r.queue) for r in rows]

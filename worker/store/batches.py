"""Batch jobs in the store (``batches``, ``batch_items``): create, read with their
submissions, cancel. The web API (``/api/v1/batches``) calls these; the submissions themselves
are ordinary submissions on the ``batch`` queue, judged by the ordinary pipeline.

Cancelling marks the batch and ends every submission of it still ``queued`` (one conditional
UPDATE: ``done`` without a verdict, message ``cancelled``): a worker that later receives one
finds it done and skips it, and the reconciler never re-sends a done submission. Submissions
already being judged finish.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import lazyload

from .database import Store
from .db import DONE, QUEUED, Batch, BatchEntry, Submission, utcnow

__all__ = ["NewEntry", "create_batch", "get_batch", "list_batches", "batch_submissions",
           "cancel_batch",
           "CANCELLED"]

CANCELLED = "cancelled"  # the message of a submission dropped by a cancel


@dataclass(frozen=True)
class NewEntry:
    """One item of a new batch and the token of its (already stored) submission."""

    submitter: str
    file: str
    language: str
    submission_token: str


def create_batch(store: Store, problem_name: str, entries: list[NewEntry],
                 options: dict | None = None, token_id: int | None = None) -> Batch:
    """Store a batch over submissions already stored; returns it with its token."""
    tokens = [e.submission_token for e in entries]
    with store.write() as session:
        ids = dict(session.execute(select(Submission.token, Submission.id)
                                   .where(Submission.token.in_(tokens))).all())
        batch = Batch(token=str(uuid.uuid4()), problem_name=problem_name,
                      item_count=len(entries), options=dict(options or {}), token_id=token_id,
                      created_at=utcnow())
        batch.items = [BatchEntry(index=i, submitter=e.submitter, file=e.file,
                                  language=e.language, submission_id=ids.get(e.submission_token))
                       for i, e in enumerate(entries, 1)]
        session.add(batch)
    return batch


def get_batch(store: Store, token: str, kind: str = "batch") -> Batch | None:
    """The batch of this ``kind`` (``batch`` or ``rejudge``) with this token (with its
    items), or ``None``."""
    with store.read() as session:
        return session.scalars(select(Batch).where(Batch.token == token,
                                                   Batch.kind == kind)).first()


def list_batches(store: Store, kind: str = "batch", problem: str | None = None,
                 limit: int = 20) -> list[Batch]:
    """The newest batches of this ``kind`` (of ``problem`` when given), with their items."""
    query = select(Batch).where(Batch.kind == kind).order_by(Batch.id.desc()).limit(limit)
    if problem is not None:
        query = query.where(Batch.problem_name == problem)
    with store.read() as session:
        return list(session.scalars(query).all())


def batch_submissions(store: Store, batch: Batch, results: bool = False
                      ) -> dict[int, Submission]:
    """The batch's submissions by id (with their per-test results when ``results``)."""
    ids = [item.submission_id for item in batch.items if item.submission_id is not None]
    query = select(Submission).where(Submission.id.in_(ids))
    if not results:
        query = query.options(lazyload(Submission.results))
    with store.read() as session:
        return {row.id: row for row in session.scalars(query).all()}


def cancel_batch(store: Store, batch: Batch) -> int:
    """Cancel the batch: its queued submissions end unjudged. Returns how many did."""
    ids = [item.submission_id for item in batch.items if item.submission_id is not None]
    now = utcnow()
    with store.write() as session:
        session.execute(update(Batch).where(Batch.id == batch.id, Batch.cancelled_at.is_(None))
                        .values(cancelled_at=now))
        result = session.execute(
            update(Submission).where(Submission.id.in_(ids), Submission.state == QUEUED)
            .values(state=DONE, message=CANCELLED, finished_at=now, judge0_status=13))
        return result.rowcount

"""Workers report themselves in the store: name, concurrency, queues, and their languages.

The web app lists the languages that live workers have enabled (their self-tests ran on the
worker hosts, where the toolchains are), and shows the workers in ``GET /workers``. A worker
is live while it reported itself within ``stale_s`` seconds (workers report at every
reconciler round, ``RECONCILE_INTERVAL``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from .database import Store
from .db import WorkerRecord, utcnow

__all__ = ["report", "stopped", "live_workers", "languages_offered"]


def report(store: Store, name: str, *, hostname: str = "", concurrency: int | None = None,
           queues: list[str] | None = None, languages: list[dict] | None = None,
           started: bool = False) -> None:
    """Create or refresh a worker's record (fields left ``None`` keep their value);
    ``started``: the worker has just started (a restart under the same name is a new start)."""
    now = utcnow()
    with store.write() as session:
        row = session.get(WorkerRecord, name)
        if row is None:
            row = WorkerRecord(name=name, hostname=hostname, concurrency=concurrency or 1,
                               queues=queues or [], languages=languages or [],
                               started_at=now, last_seen=now, stopped=False)
            session.add(row)
            return
        row.last_seen, row.stopped = now, False
        if started:
            row.started_at = now
        if hostname:
            row.hostname = hostname
        if concurrency is not None:
            row.concurrency = concurrency
        if queues is not None:
            row.queues = queues
        if languages is not None:
            row.languages = languages


def stopped(store: Store, name: str) -> None:
    """Mark a worker as stopped (a clean shutdown)."""
    with store.write() as session:
        row = session.get(WorkerRecord, name)
        if row is not None:
            row.stopped = True


def live_workers(store: Store, stale_s: float) -> list[WorkerRecord]:
    """Workers seen within ``stale_s`` seconds and not stopped."""
    since = utcnow() - dt.timedelta(seconds=stale_s)
    with store.read() as session:
        return list(session.scalars(select(WorkerRecord).where(
            WorkerRecord.last_seen >= since, WorkerRecord.stopped.is_(False))).all())


def languages_offered(store: Store, stale_s: float) -> dict[str, dict]:
    """Language id -> its status, as the live workers report them (enabled on any one wins).

    With no live worker, the last report of any worker stands (so a restart does not empty
    the list); with none ever, the result is empty.
    """
    workers = live_workers(store, stale_s)
    if not workers:
        with store.read() as session:
            latest = session.scalars(select(WorkerRecord)
                                     .order_by(WorkerRecord.last_seen.desc())).first()
        workers = [latest] if latest else []
    offered: dict[str, dict] = {}
    for worker in workers:
        for lang in worker.languages or []:
            known = offered.get(lang["id"])
            if known is None or (lang.get("enabled") and not known.get("enabled")):
                offered[lang["id"]] = lang
    return offered

"""What ``/api/v1/batches`` calls: create a batch from a zip of submissions, its progress, its
report, cancel. Each item becomes an ordinary problem submission on the ``batch`` queue, so
workers take interactive work first (docs/batch.md)."""

from __future__ import annotations

import collections
import re
import tempfile
from pathlib import Path

from flask import current_app
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from worker.core.batch import (BatchError, BatchItem, BatchResult, CollectOptions,
                               collect_submissions, open_submissions, render_report,
                               result_from_api)
from worker.core.languages import LanguageError
from worker.core.sources import SourceError, SourceFiles
from worker.service.celery_app import enqueue, task_time_limit
from worker.store import batches, submissions
from worker.store.db import DONE, Batch, Submission
from worker.store.submissions import NewSubmission

from . import access, services
from .errors import ApiError
from .schemas import RunLimitsIn

__all__ = ["create_batch", "get_batch", "batch_json", "batch_report", "cancel_batch"]


def _items(data: bytes, options: CollectOptions, filename: str | None
           ) -> list[tuple[BatchItem, bytes | SourceFiles]]:
    """The zip's items with their bytes; 422 naming what is wrong. The upload's file name
    matters: ``class.zip`` holding only ``class/`` is that folder (worker.core.batch)."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "-", Path(filename or "submissions").stem)[:100]
    with tempfile.TemporaryDirectory(prefix="judgebox-batch-upload-") as tmp:
        archive = Path(tmp) / f"{stem.lstrip('.') or 'submissions'}.zip"
        archive.write_bytes(data)
        try:
            with open_submissions(archive) as root:
                items = collect_submissions(root, options)
                return [(item, item.source()) for item in items]
        except (BatchError, LanguageError, SourceError) as exc:
            raise ApiError(422, "unusable submissions", {"submissions": [
                str(exc).replace(tmp + "/", "")]}) from exc


def _check_items(items: list[tuple[BatchItem, bytes | SourceFiles]]) -> None:
    config = current_app.config
    cap = int(config["MAX_SOURCE_KB"]) * 1024
    fields = {f"submissions.{item.file}": [f"larger than {config['MAX_SOURCE_KB']} KB"]
              for item, source in items if isinstance(source, bytes) and len(source) > cap}
    if fields:
        raise ApiError(413, "a submission is too large", fields)
    for item, source in items:  # a folder as one program: its files, as one submission's
        if isinstance(source, SourceFiles):
            services.checked_files(list(source.files), f"submissions.{item.file}")
    most = int(config.get("MAX_BATCH_ITEMS", 5000))
    if len(items) > most:
        raise ApiError(413, f"more than {most} submissions in one batch")
    if config["MAINTENANCE_MODE"]:
        raise ApiError(503, "maintenance mode: no new submissions for now")
    queued = submissions.count(services.store(), "queued")
    if queued + len(items) > int(config["MAX_QUEUE_SIZE"]):
        raise ApiError(503, f"queue is full ({queued} submissions waiting, "
                            f"{len(items)} more would pass {config['MAX_QUEUE_SIZE']})")


def _program(source: bytes | SourceFiles) -> dict:
    """A submission's ``source`` and ``files`` fields for an item's program."""
    if isinstance(source, SourceFiles):
        return {"source": b"", "files": source.files}
    return {"source": source}


def create_batch(data: bytes, problem_name: str, options: CollectOptions,
                 limits: RunLimitsIn, run_all: bool, token_id: int | None,
                 filename: str | None = None) -> Batch:
    """Store and queue every submission of the zip ``data`` on the problem, as a batch."""
    cap = int(current_app.config["MAX_PACKAGE_MB"]) * 1024 * 1024
    if len(data) > cap:
        raise ApiError(413, f"the zip is larger than {cap // (1024 * 1024)} MB")
    problem = access.require_problem(services.get_problem(problem_name))
    services.check_unpacked_size(data, services.unpacked_cap(), "submissions")
    items = _items(data, options, filename)
    languages = {lang: services.resolve_language(lang, field="submissions")
                 for lang in sorted({item.language for item, _ in items})}
    _check_items(items)
    store = services.store()
    rows: list[Submission] = []
    celery = current_app.extensions["celery"]
    news = services.admit([NewSubmission(
        problem_id=problem.id, problem_name=problem.name,
        package_sha256=problem.package_sha256, checker="package",
        limits=services.native_limits(limits, languages[item.language], problem),
        language=item.language, queue="batch", token_id=token_id,
        options={"run_all": run_all}, **_program(source)) for item, source in items])
    try:
        for new in news:
            row = submissions.create(store, new)
            rows.append(row)
            enqueue(celery, row.token, "batch",
                    task_time_limit(new.limits, problem.test_count, current_app.config,
                                    per_test_extra_s=10.0, compiles=2))
    except (OperationalError, RedisError, OSError) as exc:
        for row in rows:
            services._forget(row)  # noqa: SLF001 (the same rule as one submission's)
        raise ApiError(503, f"the queue is unavailable: {exc}") from exc
    entries = [batches.NewEntry(item.submitter, item.file, item.language, row.token)
               for (item, _), row in zip(items, rows)]
    return batches.create_batch(store, problem.name, entries,
                                    {"run_all": run_all, "all_files": options.all_files,
                                     "multi_file": options.multi_file},
                                    token_id)


def get_batch(token: str) -> Batch:
    """The batch, which this request's token must be allowed to see (the token that made
    it, an admin, or a manager of its problem); 404 when there is none, 401/403 when not
    allowed."""
    principal = access.require("submit")
    batch = batches.get_batch(services.store(), token)
    if batch is None:
        raise ApiError(404, f"no batch {token}")
    if batch.token_id != principal.token_id and \
            not principal.manages(services.find_problem(batch.problem_name)):
        raise ApiError(403, f"batch {token} belongs to another token")
    return batch


def batch_json(batch: Batch) -> dict:
    """A batch's progress: counts by state and by verdict, and its state."""
    rows = batches.batch_submissions(services.store(), batch)
    states: collections.Counter = collections.Counter()
    verdicts: collections.Counter = collections.Counter()
    finished = []
    for item in batch.items:
        row = rows.get(item.submission_id)
        if row is None:
            states[DONE] += 1
            continue
        states[row.state] += 1
        if row.state == DONE:
            finished.append(row.finished_at)
            verdicts[_verdict(row)] += 1
    done = states[DONE] == batch.item_count
    state = "cancelled" if batch.cancelled_at else "done" if done else \
        "queued" if states["queued"] == batch.item_count else "running"
    return {"id": batch.token, "problem": batch.problem_name, "state": state,
            "total": batch.item_count, "done": states[DONE],
            "states": {s: states[s] for s in ("queued", "compiling", "running", "done")},
            "verdicts": dict(sorted(verdicts.items())),
            "created_at": services.iso(batch.created_at),
            "cancelled_at": services.iso(batch.cancelled_at),
            "finished_at": services.iso(max(finished)) if done and finished else None}


def _verdict(row: Submission) -> str:
    if row.verdict is None and row.message == batches.CANCELLED:
        return "cancelled"
    return row.verdict or "SE"


def batch_report(batch: Batch, fmt: str) -> str:
    """The report (``worker.core.batch`` format): a line per item, ``csv`` or ``json``."""
    rows = batches.batch_submissions(services.store(), batch, results=True)
    results = []
    for item in batch.items:
        row = rows.get(item.submission_id)
        entry = BatchItem(item.submitter, item.file, Path(item.file), item.language)
        if row is None:
            results.append(BatchResult(item.submitter, item.file, item.language, "SE",
                                       message="its submission was deleted"))
            continue
        result = result_from_api(entry, services.submission_json(row))
        if row.state != DONE:
            result = BatchResult(item.submitter, item.file, item.language, row.state)
        elif _verdict(row) == "cancelled":
            result = BatchResult(item.submitter, item.file, item.language, "cancelled")
        results.append(result)
    return render_report(results, fmt)


def cancel_batch(batch: Batch) -> int:
    """Cancel the batch (its queued submissions end unjudged); how many were dropped."""
    return batches.cancel_batch(services.store(), batch)

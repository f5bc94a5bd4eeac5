"""What ``/api/v1/rejudges`` calls: re-judge a problem's submissions on its current package,
follow it, diff before and after, apply, cancel (``worker.store.rejudge``, docs/batch.md).

Each submission re-judged is copied (source, language, options; the problem's current package
and limits) onto the ``batch`` queue, so interactive users keep their latency; the originals
keep their judgement until the re-judge is applied.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from worker.core.sources import ANSWERS
from worker.service.celery_app import enqueue, task_time_limit
from worker.store import batches, rejudge, submissions
from worker.store.db import Batch, Submission
from worker.store.submissions import NewSubmission

from . import access, batch_services, services
from .errors import ApiError
from .schemas import RejudgeCreate, RunLimitsIn

__all__ = ["create_rejudge", "get_rejudge", "rejudge_json", "diff", "apply", "cancel"]


def _naive_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _filter(body: RejudgeCreate) -> rejudge.RejudgeFilter:
    return rejudge.RejudgeFilter(tuple(body.verdicts), tuple(body.languages),
                                 tuple(body.submissions), _naive_utc(body.since),
                                 _naive_utc(body.until), body.stale)


def _check_room(count: int) -> None:
    config = current_app.config
    most = int(config.get("MAX_BATCH_ITEMS", 5000))
    if count > most:
        raise ApiError(413, f"more than {most} submissions match: narrow the filter "
                            f"(verdicts, languages, since/until, submissions)")
    if config["MAINTENANCE_MODE"]:
        raise ApiError(503, "maintenance mode: no new submissions for now")
    queued = submissions.count(services.store(), "queued")
    if queued + count > int(config["MAX_QUEUE_SIZE"]):
        raise ApiError(503, f"queue is full ({queued} submissions waiting, {count} more "
                            f"would pass {config['MAX_QUEUE_SIZE']})")


def create_rejudge(body: RejudgeCreate, token_id: int | None) -> Batch | dict:
    """Copy and queue every matching submission and store the re-judge; with ``dry_run``,
    only say how many match (``{"matched": n, ...}``). 422 when nothing matches. The
    request's token must manage the problem (admin, or its owner)."""
    problem = services.get_problem(body.problem)
    access.require_manage(problem)
    wanted = _filter(body)
    most = int(current_app.config.get("MAX_BATCH_ITEMS", 5000))
    store = services.store()
    originals = rejudge.select_originals(store, problem.name, problem.package_sha256, wanted,
                                         most)
    if body.dry_run:
        return {"problem": problem.name, "matched": len(originals),
                "more": len(originals) > most, "filter": wanted.to_json()}
    if not originals:
        raise ApiError(422, f"no finished submission of {problem.name} matches the filter",
                       {"filter": ["nothing to re-judge"]})
    _check_room(len(originals))
    requested = RunLimitsIn(time_limit=body.time_limit)
    celery = current_app.extensions["celery"]
    languages = {lang: None if lang == ANSWERS else  # answer files: no program, no language
                 services.resolve_language(lang, field="languages")  # 422 first
                 for lang in sorted({original.language for original in originals})}
    pairs: list[tuple[Submission, str]] = []
    try:
        for original in originals:
            language = languages[original.language]
            new = NewSubmission(
                language=original.language, source=original.source, queue="batch",
                files=tuple((f.name, f.content) for f in original.files or []),
                judge0_language_id=original.judge0_language_id, problem_id=problem.id,
                problem_name=problem.name, package_sha256=problem.package_sha256,
                checker="package", limits=services.native_limits(requested, language, problem),
                options=dict(original.options or {}), token_id=token_id,
                rejudge_of=original.id)
            row = submissions.create(store, new)
            pairs.append((original, row.token))
            enqueue(celery, row.token, "batch",
                    task_time_limit(new.limits, problem.test_count, current_app.config,
                                    per_test_extra_s=10.0, compiles=2))
    except (OperationalError, RedisError, OSError) as exc:
        _forget([token for _, token in pairs])
        raise ApiError(503, f"the queue is unavailable: {exc}") from exc
    options = {"filter": wanted.to_json(), "package_sha256": problem.package_sha256,
               "time_limit": body.time_limit}
    return rejudge.create_rejudge(store, problem.name, pairs, options, token_id)


def _forget(tokens: list[str]) -> None:
    for row in submissions.get_many(services.store(), tokens).values():
        services._forget(row)  # noqa: SLF001 (the same rule as one submission's)


def get_rejudge(token: str) -> Batch:
    """The re-judge, whose problem this request's token must manage; 404 when there is
    none."""
    access.require("problems")
    batch = batches.get_batch(services.store(), token, kind="rejudge")
    if batch is None:
        raise ApiError(404, f"no re-judge {token}")
    access.require_manage(services.find_problem(batch.problem_name), batch.problem_name)
    return batch


def rejudge_json(batch: Batch, rows: list[dict] | None = None) -> dict:
    """A re-judge's progress (as a batch's), its filter, whether it was applied, and the
    diff's summary."""
    body = batch_services.batch_json(batch)
    rows = rows if rows is not None else rejudge.diff_rows(services.store(), batch)
    options = batch.options or {}
    body.update(kind="rejudge", filter=options.get("filter"),
                package_sha256=options.get("package_sha256"),
                applied_at=services.iso(batch.applied_at), summary=rejudge.summary(rows))
    return body


def diff(batch: Batch, fmt: str) -> str:
    """Before and after, per submission: ``csv`` or ``json`` (with the summary)."""
    return rejudge.render_diff(rejudge.diff_rows(services.store(), batch), fmt)


def apply(batch: Batch) -> rejudge.Applied:
    """Give the originals their new judgements; 409 while judging, or when applied."""
    try:
        return rejudge.apply_rejudge(services.store(), batch)
    except (rejudge.NotFinished, rejudge.AlreadyApplied) as exc:
        raise ApiError(409, str(exc)) from exc


def cancel(batch: Batch) -> int:
    """Cancel: copies not started are dropped (they are never applied)."""
    return batches.cancel_batch(services.store(), batch)

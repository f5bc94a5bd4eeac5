"""Celery tasks: thin wrappers over plain functions, run inside the Flask app context.

- ``judgebox.judge(token)``: :func:`worker.service.pipeline.judge_submission`. Idempotent: a
  re-delivered task finds the submission done (nothing to do) or held by a live lease (it
  retries after the lease ends, and judges again only if that worker died).
  The database being unreachable is waited out (``DATABASE_WAIT``, 30 s: the worker's store
  holds each step), then the task is tried again later (``self.retry``): an outage drops no
  work and is never stored as a verdict.
- ``judgebox.callback(token, try)``: one PUT of a Judge0 callback; retried with a delay.

The worker's life (its start, its pool processes, its end) is ``worker.service.lifecycle``.
"""

from __future__ import annotations

import logging
import os
import socket

from celery import shared_task
from flask import current_app

from worker.store import Store, submissions, unavailable
from worker.store.submissions import NotClaimable

from . import callbacks, judge0, logs
from .celery_app import CALLBACK_TASK, JUDGE_TASK, judge_settings
from .pipeline import judge_submission

__all__ = ["judge", "callback", "send_callback"]

log = logging.getLogger(__name__)


def _store() -> Store:
    return current_app.extensions["judgebox_store"]


@shared_task(name=JUDGE_TASK, bind=True, acks_late=True, reject_on_worker_lost=True,
             max_retries=None, ignore_result=True)
def judge(self, token: str) -> str:
    """Judge one submission by token (see the module docstring)."""
    with logs.submission(token):
        return _judge(self, token)


def _judge(self, token: str) -> str:
    owner = f"{self.request.hostname or socket.gethostname()}:{os.getpid()}"
    store = _store()
    try:
        what = judge_submission(store, token, owner, judge_settings(current_app.config, store))
    except NotClaimable as exc:  # another worker's lease is live: look again when it ends
        raise self.retry(countdown=min(exc.retry_in + 0.5, 60.0))
    except Exception as exc:
        if not unavailable(exc):
            raise
        # the database stayed away longer than the store waits: try again later (the lease
        # this try may hold runs out, then the retry claims the submission again)
        countdown = min(60.0, 2.0 * 2 ** min(self.request.retries, 5))
        log.warning("submission %s: the database is unavailable, trying again in %.0f s: %s",
                    token, countdown, str(exc).splitlines()[0][:200])
        raise self.retry(countdown=countdown) from exc
    if what == "judged":
        row = submissions.get(store, token, results=False)
        if row is not None and row.callback_url:
            send_callback(self.app, store, token, row.queue)
    log.info("submission %s: %s", token, what)
    return what


@shared_task(name=CALLBACK_TASK, bind=True, acks_late=True, ignore_result=True,
             max_retries=None)
def callback(self, token: str, attempt: int) -> str:
    """PUT a finished Judge0 submission to its callback URL; try again later if that failed."""
    with logs.submission(token):
        return _callback(self, token, attempt)


def _callback(self, token: str, attempt: int) -> str:
    config = current_app.config
    store = _store()
    row = submissions.get(store, token)
    if row is None or not row.callback_url or row.callback_state == "sent":
        return "nothing to do"
    payload = judge0.render(row, judge0.DEFAULT_FIELDS, b64=True)
    try:
        callbacks.send(row.callback_url, payload, float(config["CALLBACKS_TIMEOUT"]),
                       bool(config["CALLBACKS_ALLOW_PRIVATE"]))
    except (callbacks.CallbackFailed, callbacks.CallbackRefused) as exc:
        log.warning("callback of %s, try %d: %s", token, attempt, exc)
        if attempt < int(config["CALLBACKS_MAX_TRIES"]) and \
                not isinstance(exc, callbacks.CallbackRefused):
            self.app.send_task(CALLBACK_TASK, args=[token, attempt + 1], queue=row.queue,
                               routing_key=row.queue, countdown=2 ** attempt)
            return "retry"
        _callback_state(store, token, "failed")
        return "failed"
    _callback_state(store, token, "sent")
    return "sent"


def send_callback(celery_app, store: Store, token: str, queue: str) -> None:
    """Queue the first try of a submission's callback (a worker that dies before this leaves
    the callback ``pending``: the reconciler sends it)."""
    celery_app.send_task(CALLBACK_TASK, args=[token, 1], queue=queue, routing_key=queue)
    _callback_state(store, token, "queued")


def _callback_state(store: Store, token: str, state: str) -> None:
    from sqlalchemy import update

    from worker.store.db import Submission

    with store.write() as session:
        session.execute(update(Submission).where(Submission.token == token)
                        .values(callback_state=state))

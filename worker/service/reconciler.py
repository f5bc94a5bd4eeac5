"""The reconciler: hands stuck submissions to the queue again; and the worker's reports.

Every ``RECONCILE_INTERVAL`` seconds each worker reports itself (``worker.store.registry``), and
one worker of the cluster (whichever takes a short Redis lock first) looks for submissions whose
judging worker died (an expired lease) or whose queue message was lost (queued for longer than
``QUEUED_TIMEOUT`` while their queue is empty), and sends their task again. Sending one twice
is harmless: the task is idempotent (``worker.store.submissions``). It also queues the Judge0
callbacks of submissions whose worker died between storing the judgement and queueing them.

It runs in a thread of the worker's main process (started when the worker is ready), so a
deployment needs no Celery beat; :func:`reconcile` is a plain function tests call directly.
"""

from __future__ import annotations

import logging
import socket
import threading

from worker.store import Store, registry, submissions

from .celery_app import enqueue, queue_lengths, task_time_limit
from .tasks import send_callback

__all__ = ["reconcile", "report_worker", "start_reconciler", "stop_reconciler",
           "worker_languages"]

log = logging.getLogger(__name__)
_LOCK_KEY = "judgebox:reconciler"
_threads: dict[str, tuple[threading.Thread, threading.Event]] = {}


def reconcile(store: Store, celery_app, config: dict) -> list[str]:
    """Send the task of every stuck submission again (and queue callbacks a dead worker never
    queued); returns the tokens of the submissions sent again."""
    queues = list(config["QUEUES"])
    lengths = queue_lengths(celery_app, queues)
    idle = [q for q, n in lengths.items() if n == 0]
    again = submissions.stuck(store, float(config["QUEUED_TIMEOUT"]), idle)
    for token, queue in again:
        row = submissions.get(store, token)
        tests = len(row.tests) if row and row.tests else 1
        limit = task_time_limit(row.limits if row else {}, tests, config)
        enqueue(celery_app, token, queue, limit)
        log.warning("reconciler: submission %s sent to %s again", token, queue)
    for token, queue in submissions.unsent_callbacks(store, 2 * float(
            config["RECONCILE_INTERVAL"]) + 10):
        send_callback(celery_app, store, token, queue)
        log.warning("reconciler: callback of %s queued", token)
    return [token for token, _ in again]


def worker_languages(config: dict, self_test: bool) -> list[dict] | None:
    """This worker's languages as reported (``WORKER_LANGUAGES`` limits them), self-tested."""
    if not self_test:
        return None
    from worker.core.selftest import language_statuses

    wanted = [i.strip() for i in str(config.get("WORKER_LANGUAGES") or "").split(",")
              if i.strip()]
    statuses = language_statuses(ids=wanted or None)
    return [s.to_json() | {"reason": s.reason} for s in statuses]


def report_worker(app, name: str, concurrency: int | None, self_test: bool = False) -> None:
    """Report this worker (and, when ``self_test``, its start and its languages) in the
    store."""
    with app.app_context():
        store: Store = app.extensions["judgebox_store"]
        registry.report(store, name, hostname=socket.gethostname(), concurrency=concurrency,
                        queues=list(app.config["QUEUES"]),
                        languages=worker_languages(app.config, self_test),
                        started=self_test)


def _loop(app, name: str, stop: threading.Event) -> None:
    interval = float(app.config["RECONCILE_INTERVAL"])
    celery_app = app.extensions["celery"]
    store: Store = app.extensions["judgebox_store"]
    while not stop.wait(interval):
        try:
            registry.report(store, name)
            with celery_app.connection_for_write() as conn:
                client = conn.default_channel.client
                if not client.set(_LOCK_KEY, name, nx=True, px=int(interval * 900)):
                    continue
            reconcile(store, celery_app, app.config)
        except Exception:  # keep reconciling: the next round may well succeed
            log.exception("reconciler round failed")


def start_reconciler(app, name: str, concurrency: int | None) -> None:
    """Start this worker's reconciler thread (once)."""
    if name in _threads:
        return
    stop = threading.Event()
    thread = threading.Thread(target=_loop, args=(app, name, stop), daemon=True,
                              name="judgebox-reconciler")
    _threads[name] = (thread, stop)
    thread.start()


def stop_reconciler(app, name: str | None) -> None:
    """Stop the reconciler thread and mark the worker stopped."""
    if name in _threads:
        thread, stop = _threads.pop(name)
        stop.set()
        thread.join(timeout=5)
    if name:
        try:
            registry.stopped(app.extensions["judgebox_store"], name)
        except Exception:  # shutting down: the record goes stale on its own
            log.exception("could not mark worker %s stopped", name)


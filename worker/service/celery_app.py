"""The Celery app, Flask's documented way: ``celery_init_app(app)`` builds it from the Flask
app's config, and tasks run inside the app context (``worker.service.tasks``).

Choices for long, CPU-bound judging (docs/service.md says why):

- Redis is the broker; results are kept in the SQL store, not in a Celery result backend;
- late acknowledgement (a task is acked when its judgement is stored), prefetch 1, and a task
  whose worker process died is rejected back to the queue (``task_reject_on_worker_lost``);
- two queues, consumed in priority order: ``interactive`` (web form, API) before ``batch``;
- the broker's visibility timeout is sized to the longest judgement (``MAX_JUDGEMENT``) plus
  a margin, so that a slow judgement is never handed to a second worker by the broker; a dead
  worker's submission is found sooner by its expired lease (``worker.store.submissions``);
- each task's time limits are computed from the submission's own limits, above the sandbox's;
- a worker that loses Redis (restarted, say) keeps judging what it runs (its result goes to
  the SQL store; the reconciler re-sends what the broker lost) and reconnects for as long as
  it takes, never giving up and exiting.
"""

from __future__ import annotations

import math
from pathlib import Path

from celery import Celery, Task
from kombu import Queue

from worker.core.compile import CompileLimits

from .pipeline import JudgeSettings, RunLimits

__all__ = ["celery_init_app", "celery_config", "judge_settings", "enqueue", "task_time_limit",
           "queue_lengths", "JUDGE_TASK", "CALLBACK_TASK"]

JUDGE_TASK = "judgebox.judge"
CALLBACK_TASK = "judgebox.callback"
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")  # kombu's priority lists


def celery_config(config: dict) -> dict:
    """Celery settings from the Flask app's config."""
    queues = list(config["QUEUES"])
    return {
        "broker_url": config["REDIS_URL"],
        "broker_transport_options": {
            "visibility_timeout": int(config["MAX_JUDGEMENT"]) + 600,
            "queue_order_strategy": "priority",
        },
        "broker_connection_retry_on_startup": True,
        # Redis gone for a while: the consumer reconnects forever (the default gives up after
        # 100 tries, about 45 minutes, and the worker exits) ...
        "broker_connection_max_retries": None,
        # ... and the judgements running meanwhile go on: their acks are lost with the
        # connection, but their results are stored, once, by lease; a redelivered message
        # finds its submission done. (Celery 6 would cancel them by default: wasted work.)
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_queues": [Queue(name, routing_key=name) for name in queues],
        "task_default_queue": queues[0],
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_time_limit": int(config["MAX_JUDGEMENT"]) + 60,
        "task_soft_time_limit": int(config["MAX_JUDGEMENT"]),
        "worker_hijack_root_logger": False,
        "include": ["worker.service.tasks"],
    }


def celery_init_app(app) -> Celery:
    """Create the Celery app for a Flask app (Flask's documented pattern)."""

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def judge_settings(config: dict, store) -> JudgeSettings:
    """How this worker judges, from the app's config; packages come from ``store``."""
    from worker.store import packages

    return JudgeSettings(lease_margin_s=float(config["LEASE_MARGIN"]),
                         max_attempts=int(config["MAX_ATTEMPTS"]),
                         compile_limits=CompileLimits(),
                         keep_output_kib=int(config["KEEP_OUTPUT_KB"]),
                         keep_hidden_output_kib=int(config["KEEP_OUTPUT_HIDDEN_KB"]),
                         package_cache=Path(config["CACHE_DIR"]),
                         fetch_package=lambda digest: packages.get_bytes(store, digest),
                         metrics_url=config["REDIS_URL"])


def task_time_limit(limits: dict, tests: int, config: dict, per_test_extra_s: float = 0.0,
                    compiles: int = 1) -> int:
    """Seconds a judgement may take: its compiles, then every test at its wall limit (plus
    ``per_test_extra_s``, a validator's time), plus margins; above the sandbox's own limits,
    at most ``MAX_JUDGEMENT``."""
    run = RunLimits.from_json(limits)
    wall_s = (run.wall_ms or 2 * (run.cpu_ms + run.extra_ms) + 1_000) / 1000
    compile_s = compiles * CompileLimits().wall_time_ms / 1000
    runs = max(1, int(run.runs))  # Judge0's number_of_runs: each test runs that often
    bound = compile_s + max(1, tests) * (runs * (wall_s + 2) + per_test_extra_s) + 60
    return int(min(math.ceil(bound), int(config["MAX_JUDGEMENT"])))


def enqueue(celery_app: Celery, token: str, queue: str, time_limit_s: int) -> None:
    """Send the judge task of one submission to its queue."""
    celery_app.send_task(JUDGE_TASK, args=[token], queue=queue, routing_key=queue,
                         soft_time_limit=time_limit_s, time_limit=time_limit_s + 30)


def queue_lengths(celery_app: Celery, queues: list[str]) -> dict[str, int]:
    """Messages waiting in each queue (Redis lists, priority lists included)."""
    with celery_app.connection_for_write() as conn:
        client = conn.default_channel.client
        return {q: sum(int(client.llen(q + suffix)) for suffix in _PRIORITY_SUFFIXES)
                for q in queues}

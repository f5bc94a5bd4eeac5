"""The judging service: Celery workers that judge stored submissions, and what they share with
the web app.

It may import ``worker.core``, ``worker.store`` and itself; never the command line or ``web``
(it runs inside the web app's context, which the command that starts it hands it).

- ``celery_app`` (the Celery app, Flask's way; queues, time limits), ``tasks`` (thin tasks),
  ``lifecycle`` (a worker's start and end: ready the sandbox and caches, self-test, report,
  reconcile), ``reconciler`` (stuck submissions sent again);
- ``pipeline``: the judging of one stored submission (claim, judge, store progress and result);
- ``callbacks`` (Judge0's), ``judge0`` (Judge0's view of a submission), ``metrics`` and
  ``notify`` (Redis), ``logs``.
"""

__all__ = ["celery_app", "tasks", "lifecycle", "reconciler", "pipeline", "callbacks", "judge0",
           "metrics", "notify", "logs"]

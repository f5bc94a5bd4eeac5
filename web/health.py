"""``/healthz`` (the web process answers) and ``/readyz`` (the database and the broker answer,
and a worker is live): for load balancers and ``judgebox serve``."""

from __future__ import annotations

import redis
from flask import Blueprint, current_app, jsonify

from worker.store import registry

from ._store import store

__all__ = ["bp"]

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Liveness: the web app answers."""
    return jsonify({"status": "ok", "checks": {}})


@bp.get("/readyz")
def readyz():
    """Readiness: 200 when the database, the broker and at least one worker are there."""
    checks: dict[str, str] = {}
    try:
        store().ping()
        checks["database"] = "ok"
    except Exception as exc:  # report, whatever failed
        checks["database"] = f"error: {exc}"
    try:  # the broker is Redis: one quick PING, no retries
        url = current_app.extensions["celery"].conf.broker_url
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
        checks["broker"] = "ok"
    except Exception as exc:  # report, whatever failed
        checks["broker"] = f"error: {exc.__class__.__name__}: {exc}"
    if checks["database"] == "ok":
        live = registry.live_workers(store(), float(current_app.config["WORKER_STALE"]))
        checks["workers"] = f"{len(live)} live" if live else "error: no live worker"
    ok = all(not value.startswith("error") for value in checks.values())
    return jsonify({"status": "ok" if ok else "unavailable", "checks": checks}), \
        200 if ok else 503

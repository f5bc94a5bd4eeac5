"""judgebox's Flask front end: the native JSON API (``/api/v1``), the Judge0-compatible API
(at the root), health checks, and the pages (``web.pages``: Jinja templates in
``web/templates``, ``web/static``).

``create_app(test_config=None)`` follows the Flask tutorial: defaults (``web.config``), then
``<DATA_DIR>/config.py`` or the test config, then the environment (``JUDGEBOX_*``, and
``DATABASE_URL`` / ``REDIS_URL``), then the store (migrated), the blueprints, then Celery.
"""

from __future__ import annotations

import json
import os

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from worker.service.celery_app import celery_config, celery_init_app
from worker.store import Store

from . import api, health, judge0, metrics
from .auth import init_auth
from .config import Defaults, derived
from .errors import register_error_handler
from .headers import init_headers
from .logs import init_logs
from .pages import init_pages

__all__ = ["create_app"]


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


class _StrictJSONProvider(DefaultJSONProvider):
    """Request bodies are strict JSON: ``NaN`` and ``Infinity`` are refused, and a body nested
    too deep for the parser is invalid JSON (400), not a RecursionError (500)."""

    sort_keys = False  # keys in the order the API documents them

    def loads(self, s: str | bytes, **kwargs):
        kwargs.setdefault("parse_constant", _refuse_constant)
        try:
            return json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def _configure(app: Flask, test_config: dict | None) -> None:
    app.config.from_object(Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    app.config.from_prefixed_env("JUDGEBOX")
    for name in ("DATABASE_URL", "REDIS_URL"):
        if os.environ.get(name) and not os.environ.get(f"JUDGEBOX_{name}"):
            app.config[name] = os.environ[name]
    derived(app.config)
    app.config["CELERY"] = celery_config(app.config)


def create_app(test_config: dict | None = None) -> Flask:
    """The judgebox web app (also the config and context of its Celery workers)."""
    data_dir = (test_config or {}).get("DATA_DIR") or os.environ.get(
        "JUDGEBOX_DATA_DIR") or Defaults.DATA_DIR
    app = Flask(__name__, instance_path=os.path.abspath(data_dir),
                instance_relative_config=True)
    app.json = _StrictJSONProvider(app)
    _configure(app, test_config)
    init_logs(app)

    store = Store(app.config["DATABASE_URL"])
    if app.config["AUTO_MIGRATE"]:
        store.migrate()
    app.extensions["judgebox_store"] = store

    register_error_handler(app)
    init_headers(app)
    init_auth(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)
    app.register_blueprint(api.make_blueprint())
    app.register_blueprint(judge0.make_blueprint())
    init_pages(app)

    celery_init_app(app)
    return app

"""The web app's side of the logs (``worker.service.logs``): JSON lines when ``LOG_FORMAT=json``,
and each request about one submission (``/<token>`` routes) carries its id in its records."""

from __future__ import annotations

from flask import Flask, request

from worker.service import logs

__all__ = ["init_logs"]


def _request_submission() -> None:
    # every request starts afresh: a pooled thread (gunicorn's gthread) keeps its context
    logs.set_submission((request.view_args or {}).get("token"))


def init_logs(app: Flask) -> None:
    """Set up logging from the app's config and tag requests with their submission."""
    logs.configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    app.before_request(_request_submission)

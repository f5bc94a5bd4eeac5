"""One error type for the API, and one handler that turns errors into JSON.

Native API (and everything else): ``{"error": "...", "fields": {"field": ["message"]}}``.
Judge0 API, as Judge0 answers: validation errors are 422 with ``{"field": ["message"]}``
alone; other errors ``{"error": "..."}``.

A database or broker that cannot be reached is 503 with ``Retry-After`` (the client may try
again; nothing was stored half-way), never a 500 with a traceback.

A URL that matches no route, asked for by a browser (it prefers ``text/html``) outside the
APIs' paths, is answered with the pages' HTML error page instead (the pages' own blueprints
answer their errors as pages themselves, ``web.pages._common``).
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from kombu.exceptions import OperationalError as BrokerError
from pydantic import ValidationError
from redis.exceptions import RedisError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from worker.store import StoreError, unavailable

__all__ = ["ApiError", "register_error_handler", "fields_of"]

log = logging.getLogger(__name__)
_RETRY_AFTER = {"Retry-After": "5"}


class ApiError(Exception):
    """An error answered to the client: HTTP status, message, per-field messages."""

    def __init__(self, status: int, error: str, fields: dict[str, list[str]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.fields = fields or {}
        self.headers = headers or {}


def fields_of(exc: ValidationError) -> dict[str, list[str]]:
    """Pydantic's errors as ``{"field.path": ["message", ...]}``."""
    fields: dict[str, list[str]] = {}
    for err in exc.errors(include_url=False):
        where = ".".join(str(part) for part in err["loc"]) or "body"
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
        fields.setdefault(where, []).append(message)
    return fields


# the paths the Judge0-compatible API owns (DESIGN.md): a request there that matched no route
# (404, 405) is answered the Judge0 way too
_JUDGE0_ROOTS = ("submissions", "languages", "statuses", "about", "version", "config_info",
                 "system_info", "workers", "judge0")


# the paths of the JSON APIs and of the probes, besides the Judge0 roots: always JSON
_API_ROOTS = ("api", "healthz", "readyz", "metrics")


def _page_request() -> bool:
    """A browser's request for a URL no route serves, outside the APIs' paths."""
    if request.blueprint is not None:
        return False
    root = request.path.strip("/").split("/", 1)[0]
    if root in _JUDGE0_ROOTS or root in _API_ROOTS:
        return False
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == \
        "text/html"


def _judge0_request() -> bool:
    if request.blueprint is not None:
        return request.blueprint.startswith("judge0")
    return request.path.strip("/").split("/", 1)[0] in _JUDGE0_ROOTS


def _respond(status: int, error: str, fields: dict, headers: dict):
    if _judge0_request():
        body = fields if status == 422 and fields else {"error": error}
    else:
        body = {"error": error, "fields": fields}
    response = jsonify(body)
    response.status_code = status
    for name, value in headers.items():
        response.headers[name] = value
    return response


def register_error_handler(app: Flask) -> None:
    """Answer every error of the app as JSON."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return _respond(exc.status, exc.error, exc.fields, exc.headers)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(StoreError)
    def _database_error(exc: Exception):
        if not unavailable(exc):  # a bad query (SQLite says OperationalError): a bug, 500
            raise exc
        log.warning("database unavailable: %s", str(exc).splitlines()[0][:300])
        return _respond(503, "the database is unavailable: try again shortly", {},
                        _RETRY_AFTER)

    @app.errorhandler(RedisError)
    @app.errorhandler(BrokerError)
    def _broker_error(exc: Exception):
        log.warning("queue unavailable: %s", str(exc).splitlines()[0][:300] if str(exc) else
                    exc.__class__.__name__)
        return _respond(503, "the queue is unavailable: try again shortly", {}, _RETRY_AFTER)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        description = exc.description or exc.name
        if exc.code == 429:
            description = f"rate limit exceeded ({exc.description})"
        if _page_request():
            message = "There is no page at this address." if exc.code == 404 else description
            return render_template("error.html", status=exc.code or 500, message=message,
                                   fields={}), exc.code or 500, headers
        return _respond(exc.code or 500, description, {}, headers)

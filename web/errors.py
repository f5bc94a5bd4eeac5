"""One error type for the API, and one handler that turns errors into JSON.

Native API (and everything else): ``{"error": "...", "fields": {"field": ["message"]}}``.
Judge0 API, as Judge0 answers: validation errors are 422 with ``{"field": ["message"]}``
alone; other errors ``{"error": "..."}``.
"""

from __future__ import annotations

from flask import Flask, jsonify, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

__all__ = ["ApiError", "register_error_handler", "fields_of"]


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


def _judge0_request() -> bool:
    return (request.blueprint or "").startswith("judge0")


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

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        description = exc.description or exc.name
        if exc.code == 429:
            description = f"rate limit exceeded ({exc.description})"
        return _respond(exc.code or 500, description, {}, headers)

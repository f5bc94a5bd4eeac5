"""The Judge0 CE 1.13.1-compatible API at the root (``/submissions``, ``/languages``, ...):
existing Judge0 clients, the official SDK included, work unchanged; its OpenAPI document is at
``/judge0/openapi.json`` (``openapi.py``). See docs/api.md."""

from __future__ import annotations

from flask import Blueprint

from . import info, openapi, submissions

__all__ = ["make_blueprint"]


def make_blueprint() -> Blueprint:
    """The root blueprint of the Judge0-compatible API."""
    judge0 = Blueprint("judge0", __name__)
    judge0.register_blueprint(submissions.bp)
    judge0.register_blueprint(info.bp)
    judge0.register_blueprint(openapi.bp)
    return judge0

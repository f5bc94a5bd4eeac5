"""The native JSON API under ``/api/v1``: one blueprint per resource, nested in ``api``."""

from __future__ import annotations

from flask import Blueprint

from . import batches, languages, openapi, packages, problems, rejudges, submissions

__all__ = ["make_blueprint"]


def make_blueprint() -> Blueprint:
    """The ``/api/v1`` blueprint with its resources."""
    api = Blueprint("api", __name__, url_prefix="/api/v1")
    for module in (languages, problems, submissions, batches, rejudges, packages, openapi):
        api.register_blueprint(module.bp)
    return api

"""``/api/v1/problems``: list, get, upload a package (zip), replace, change settings, delete.

Reading is open; uploading needs the ``problems`` scope, and the uploading token owns the
problem; replacing, changing and deleting need an admin token or the owner
(``web.access``)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for

from .. import access, services
from ..errors import ApiError
from ..schemas import ProblemChange
from ._validate import json_body, parse

__all__ = ["bp"]

bp = Blueprint("problems", __name__, url_prefix="/problems")


@bp.get("")
def list_problems():
    """Every problem this client may see, by name."""
    return jsonify({"problems": [services.problem_json(p)
                                 for p in services.list_problems(visible=True)]})


@bp.get("/<name>")
def get_problem(name: str):
    """One problem (404 for a private one this client may not see)."""
    return jsonify(services.problem_json(access.require_problem(services.get_problem(name))))


def _package() -> tuple[bytes, str | None]:
    upload = request.files.get("package")
    if upload is not None:
        return upload.read(), upload.filename
    if request.mimetype in ("application/zip", "application/octet-stream"):
        return request.get_data(), None
    raise ApiError(422, "no package", {"package": [
        "send the zip as multipart field 'package' or as an application/zip body"]})


def _settings() -> dict:
    return {key: request.values.get(key) or None for key in ("feedback", "visibility")}


@bp.post("")
def upload_problem():
    """Upload a package: multipart field ``package`` (and optional ``name``, ``feedback``),
    or the zip as the body (``Content-Type: application/zip``, those in the query)."""
    principal = access.require("problems")
    data, filename = _package()
    row = services.upload_problem(data, request.values.get("name"), filename,
                                  owner_token_id=principal.token_id,
                                  owner_user_id=principal.user_id, **_settings())
    return jsonify(services.problem_json(row)), 201, {
        "Location": url_for(".get_problem", name=row.name)}


@bp.put("/<name>")
def replace_problem(name: str):
    """Give the problem ``name`` a new package (the same body as an upload); created when
    there is none. Its submissions keep the judgement they had on the old package: re-judge
    them with ``POST /api/v1/rejudges``."""
    existing = services.find_problem(name)
    principal = access.require_manage(existing, name) if existing is not None else \
        access.require("problems")
    data, filename = _package()
    row = services.upload_problem(data, name, filename, replace=True,
                                  owner_token_id=principal.token_id,
                                  owner_user_id=principal.user_id, **_settings())
    return jsonify(services.problem_json(row)), 200


@bp.patch("/<name>")
def change_problem(name: str):
    """Change a problem's settings: JSON ``{"feedback": "samples" | "all", "visibility":
    "public" | "private"}`` (what contestants see of its tests; who sees it)."""
    problem = services.get_problem(name)
    access.require_manage(problem)
    change = parse(ProblemChange, json_body())
    services.change_problem(problem, feedback=change.feedback, visibility=change.visibility)
    return jsonify(services.problem_json(services.get_problem(name)))


@bp.delete("/<name>")
def delete_problem(name: str):
    """Delete a problem (its submissions stay)."""
    access.require_manage(services.get_problem(name))
    services.delete_problem(name)
    return "", 204

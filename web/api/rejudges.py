"""``/api/v1/rejudges``: judge a problem's submissions again on its current package (after the
package changed), follow it, diff before and after, apply, cancel (docs/batch.md)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, url_for

from .. import access, rejudge_services
from ..errors import ApiError
from ..schemas import RejudgeCreate
from ._validate import json_body, parse

__all__ = ["bp"]

bp = Blueprint("rejudges", __name__, url_prefix="/rejudges")


@bp.post("")
def create_rejudge():
    """JSON: ``problem`` and optional filters (``verdicts``, ``languages``,
    ``submissions``, ``since``, ``until``, ``stale``), ``time_limit``, ``dry_run``. 202 with
    the re-judge's progress (200 with the count for a dry run). Needs a token that manages
    the problem (admin, or its owner)."""
    principal = access.require("problems")
    body = parse(RejudgeCreate, json_body())
    created = rejudge_services.create_rejudge(body, principal.token_id)
    if isinstance(created, dict):
        return jsonify(created)
    batch = rejudge_services.get_rejudge(created.token)
    return jsonify(rejudge_services.rejudge_json(batch)), 202, {
        "Location": url_for(".get_rejudge", token=batch.token)}


@bp.get("/<token>")
def get_rejudge(token: str):
    """Progress, filter, whether it was applied, and the diff's summary (transitions)."""
    return jsonify(rejudge_services.rejudge_json(rejudge_services.get_rejudge(token)))


@bp.get("/<token>/diff")
def get_diff(token: str):
    """Before and after per submission: JSON (default, with the summary) or ``?format=csv``."""
    fmt = request.args.get("format", "json")
    if fmt not in ("csv", "json"):
        raise ApiError(422, "invalid format", {"format": ["csv or json"]})
    text = rejudge_services.diff(rejudge_services.get_rejudge(token), fmt)
    if fmt == "json":
        return Response(text, mimetype="application/json")
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=rejudge-{token}.csv"})


@bp.post("/<token>/apply")
def apply(token: str):
    """Copy the new judgements onto the original submissions (all finished; once)."""
    done = rejudge_services.apply(rejudge_services.get_rejudge(token))
    body = rejudge_services.rejudge_json(rejudge_services.get_rejudge(token))
    body.update(applied=done.applied, skipped=done.skipped)
    return jsonify(body)


@bp.post("/<token>/cancel")
def cancel(token: str):
    """Cancel: copies not started yet are dropped; the originals are untouched."""
    dropped = rejudge_services.cancel(rejudge_services.get_rejudge(token))
    body = rejudge_services.rejudge_json(rejudge_services.get_rejudge(token))
    body["dropped"] = dropped
    return jsonify(body)

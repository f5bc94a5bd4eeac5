"""``/api/v1/batches``: grade a zip of submissions on a problem (create, progress, report,
cancel). The items are judged on the batch queue (docs/batch.md)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, url_for

from worker.core.batch import CollectOptions

from .. import access, batch_services
from ..errors import ApiError
from ..schemas import RunLimitsIn
from ._validate import parse

__all__ = ["bp"]

bp = Blueprint("batches", __name__, url_prefix="/batches")

_TRUE = ("1", "true", "yes", "on")


def _flag(name: str) -> bool:
    return request.values.get(name, "").lower() in _TRUE


def _languages(value: str) -> dict[str, str]:
    """``--lang`` of the command line: ``ID`` (every file) or ``EXT=ID``, comma-separated."""
    languages = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        ext, sep, lang = part.partition("=")
        languages[ext.lstrip(".").lower() if sep else "*"] = lang if sep else part
    return languages


@bp.post("")
def create_batch():
    """Multipart: ``submissions`` (a zip: a file per submission or a folder per submitter),
    ``problem`` (a problem's name); optional ``lang``, ``all_files``, ``multi_file`` (each
    submitter's folder is one program of several files), ``skip_unknown``, ``run_all``,
    ``time_limit``. 202 with the batch's progress. Needs a token with the
    submit scope; every submission counts against its limits (``web.quota``)."""
    principal = access.require("submit")
    upload = request.files.get("submissions")
    problem = request.values.get("problem")
    fields = {}
    if upload is None:
        fields["submissions"] = ["send the zip as multipart field 'submissions'"]
    if not problem:
        fields["problem"] = ["the name of an uploaded problem"]
    if fields:
        raise ApiError(422, "invalid request", fields)
    limits = parse(RunLimitsIn, {"time_limit": request.values.get("time_limit") or None})
    if _flag("all_files") and _flag("multi_file"):
        raise ApiError(422, "invalid request", {"multi_file": [
            "all_files or multi_file: a folder is one program, or each file is one"]})
    options = CollectOptions(_languages(request.values.get("lang", "")), _flag("all_files"),
                             _flag("skip_unknown"), _flag("multi_file"))
    batch = batch_services.create_batch(upload.read(), problem, options, limits,
                                        _flag("run_all"),
                                        principal.token_id, upload.filename)
    batch = batch_services.get_batch(batch.token)
    return jsonify(batch_services.batch_json(batch)), 202, {
        "Location": url_for(".get_batch", token=batch.token)}


@bp.get("/<token>")
def get_batch(token: str):
    """A batch's progress: how many are done, counts by verdict, its state."""
    return jsonify(batch_services.batch_json(batch_services.get_batch(token)))


@bp.get("/<token>/report")
def get_report(token: str):
    """The report, CSV (default, or ``?format=csv``) or JSON (``?format=json``)."""
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "json"):
        raise ApiError(422, "invalid format", {"format": ["csv or json"]})
    text = batch_services.batch_report(batch_services.get_batch(token), fmt)
    mimetype = "application/json" if fmt == "json" else "text/csv"
    return Response(text, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=batch-{token}.{fmt}"})


@bp.post("/<token>/cancel")
def cancel(token: str):
    """Cancel: submissions not started yet are dropped, running ones finish."""
    batch = batch_services.get_batch(token)
    dropped = batch_services.cancel_batch(batch)
    body = batch_services.batch_json(batch_services.get_batch(token))
    body["dropped"] = dropped
    return jsonify(body)

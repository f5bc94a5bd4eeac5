"""``/api/v1/openapi.json``: the OpenAPI 3.1 document, generated from the pydantic models that
validate the requests (``web.schemas``) and describe the answers."""

from __future__ import annotations

import functools

from flask import Blueprint, jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from worker.store.db import STATES

from .. import schemas as s

__all__ = ["bp", "document"]

bp = Blueprint("openapi", __name__)

_REF = "#/components/schemas/{model}"
_ERRORS = {"400": "not JSON", "401": "bad or missing token",
           "403": "the token lacks the scope, or does not manage the problem",
           "404": "not found", "413": "too large, or over the client's storage quota",
           "422": "invalid request", "429": "rate limit (see Retry-After)",
           "503": "queue full or unavailable"}

# (method, path, summary, request model or media type, response model, list?, status)
_ROUTES: list[tuple] = [
    ("get", "/api/v1/languages", "List the languages", None, s.LanguageOut, True, "200"),
    ("get", "/api/v1/problems", "List the problems", None, s.ProblemList, False, "200"),
    ("post", "/api/v1/problems", "Upload a problem package (zip; a token with the problems "
     "scope, which then owns it)", "multipart/form-data", s.ProblemOut, False, "201"),
    ("get", "/api/v1/problems/{name}", "Get a problem", None, s.ProblemOut, False, "200"),
    ("put", "/api/v1/problems/{name}", "Give a problem a new package (zip; its owner or an "
     "admin)", "multipart/form-data", s.ProblemOut, False, "200"),
    ("patch", "/api/v1/problems/{name}", "Change a problem's settings (its owner or an "
     "admin)", s.ProblemChange, s.ProblemOut, False, "200"),
    ("delete", "/api/v1/problems/{name}", "Delete a problem (its owner or an admin)", None,
     None, False, "204"),
    ("post", "/api/v1/submissions", "Create a submission", s.SubmissionCreate,
     s.SubmissionOut, False, "202"),
    ("get", "/api/v1/submissions", "List the submissions this token may see (newest first; "
     "needs a token)", None, s.SubmissionList, False, "200"),
    ("get", "/api/v1/submissions/{id}", "Get a submission", None, s.SubmissionOut, False,
     "200"),
    ("post", "/api/v1/batches", "Grade a zip of submissions on a problem (a submit token)",
     "multipart/form-data", None, False, "202"),
    ("get", "/api/v1/batches/{id}", "A batch's progress", None, None, False, "200"),
    ("get", "/api/v1/batches/{id}/report", "A batch's report (CSV, or ?format=json)", None,
     None, False, "200"),
    ("post", "/api/v1/batches/{id}/cancel", "Cancel a batch (its token, the problem's owner "
     "or an admin)", None, None, False, "200"),
    ("post", "/api/v1/rejudges", "Re-judge a problem's submissions on its current package "
     "(its owner or an admin)", s.RejudgeCreate, None, False, "202"),
    ("get", "/api/v1/rejudges/{id}", "A re-judge's progress and summary", None, None, False,
     "200"),
    ("get", "/api/v1/rejudges/{id}/diff", "Before and after per submission (JSON, or "
     "?format=csv)", None, None, False, "200"),
    ("post", "/api/v1/rejudges/{id}/apply", "Give the originals their new judgements (the "
     "problem's owner or an admin)", None, None, False, "200"),
    ("post", "/api/v1/rejudges/{id}/cancel", "Cancel a re-judge (the problem's owner or an "
     "admin)", None, None, False, "200"),
    ("get", "/healthz", "Liveness", None, s.Health, False, "200"),
    ("get", "/readyz", "Readiness (database, broker, a live worker)", None, s.Health, False,
     "200"),
]
_QUERY = {
    "/api/v1/submissions": ["state", "verdict", "language", "problem", "api", "limit",
                            "before"],
    "/api/v1/batches/{id}/report": ["format"],
    "/api/v1/rejudges/{id}/diff": ["format"],
}

_QUERY_SCHEMAS = {"limit": {"type": "integer"}, "before": {"type": "integer"},
                  "state": {"type": "string", "enum": list(STATES)},
                  "api": {"type": "string", "enum": ["native", "judge0"]},
                  "format": {"type": "string", "enum": ["csv", "json"]}}

_BATCH_FIELDS = {"submissions": {"type": "string", "format": "binary"},
                 "problem": {"type": "string"}, "lang": {"type": "string"},
                 "all_files": {"type": "boolean"}, "multi_file": {"type": "boolean"},
                 "skip_unknown": {"type": "boolean"},
                 "run_all": {"type": "boolean"}, "time_limit": {"type": "number"}}


def _ref(model: type[BaseModel]) -> dict:
    return {"$ref": _REF.format(model=model.__name__)}


def _operation(method, path, summary, request, response, many, status) -> dict:
    op: dict = {"summary": summary, "responses": {}}
    params = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
              for p in ("name", "id") if "{" + p + "}" in path]
    if method == "get":
        params += [{"name": q, "in": "query", "required": False,
                    "schema": _QUERY_SCHEMAS.get(q, {"type": "string"})}
                   for q in _QUERY.get(path, [])]
    if params:
        op["parameters"] = params
    if isinstance(request, type):
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": _ref(request)}}}
    elif request:
        fields = _BATCH_FIELDS if path == "/api/v1/batches" else \
            {"package": {"type": "string", "format": "binary"}, "name": {"type": "string"},
             "feedback": {"type": "string", "enum": ["samples", "all"]},
             "visibility": {"type": "string", "enum": ["public", "private"]}}
        op["requestBody"] = {"required": True, "content": {request: {"schema": {
            "type": "object", "properties": fields}}}}
    ok: dict = {"description": "OK"}
    if response is not None:
        schema = {"type": "array", "items": _ref(response)} if many else _ref(response)
        ok["content"] = {"application/json": {"schema": schema}}
    op["responses"][status] = ok
    if path.endswith("/apply"):
        op["responses"]["409"] = {"description": "still judging, or applied already",
                                  "content": {"application/json": {"schema": _ref(s.Error)}}}
    for code, text in _ERRORS.items():
        if method == "get" and code in ("413", "422") and path != "/api/v1/submissions":
            continue
        op["responses"][code] = {"description": text, "content": {
            "application/json": {"schema": _ref(s.Error)}}}
    return op


@functools.lru_cache(maxsize=1)
def document() -> dict:
    """The OpenAPI document."""
    models = [s.SubmissionCreate, s.RunLimitsIn, s.AdhocTest, s.RejudgeCreate, s.ProblemChange]
    outputs = [s.SubmissionOut, s.SubmissionList, s.TestResultOut, s.GroupOut, s.ProblemOut,
               s.ProblemList, s.LanguageOut, s.Error, s.Health]
    _, defs = models_json_schema([(m, "validation") for m in models]
                                 + [(m, "serialization") for m in outputs], ref_template=_REF)
    paths: dict = {}
    for route in _ROUTES:
        paths.setdefault(route[1], {})[route[0]] = _operation(*route)
    return {
        "openapi": "3.1.0",
        "info": {"title": "judgebox", "version": "1",
                 "description": "judgebox's native API. The Judge0 CE 1.13.1-compatible API "
                                "is at the root (see docs/api.md)."},
        "components": {"schemas": defs.get("$defs", {}), "securitySchemes": {
            "token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}}},
        "security": [{}, {"token": []}],
        "paths": paths,
    }


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI document of this API."""
    return jsonify(document())

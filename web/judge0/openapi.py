"""``/judge0/openapi.json``: an OpenAPI 3.1 document of the Judge0 CE 1.13.1-compatible API,
as this server implements it (paths, query parameters, request fields with the maxima in
force, every answer's shape). Judge0 publishes no such document; this one is written by hand
next to the views it describes (``submissions.py``, ``info.py``, ``_validate.py``) and is what
``tests/web/test_fuzz_judge0.py`` fuzzes against.

Answers are described as strictly as clients rely on them: a submission has Judge0's keys
and nothing else (``additionalProperties: false``); times are decimal strings; timestamps
``2024-12-09T17:22:55.662Z``. Errors are ``{"error": "..."}``, except validation errors:
``422 {"field": ["message", ...]}``.
"""

from __future__ import annotations

import copy
import functools

from flask import Blueprint, jsonify

from worker.core.languages import all_languages
from worker.service import judge0

from ._validate import judge0_limits

__all__ = ["bp", "document"]

bp = Blueprint("openapi", __name__)

_NULL_STR = {"type": ["string", "null"]}
_NULL_INT = {"type": ["integer", "null"]}
_NULL_BOOL = {"type": ["boolean", "null"]}
_DECIMAL = {"type": ["string", "null"], "pattern": r"^-?\d+(\.\d+)?$",
            "description": "a decimal as a string, e.g. \"0.152\""}
_STAMP = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"

_FLAG = {"type": "string", "enum": ["true", "false"]}
_QUERY = {
    "base64_encoded": ("text fields are base64 in the request and the answer", _FLAG),
    "wait": ("answer once the submission is judged (at most WAIT_TIMEOUT)", _FLAG),
    "fields": ("comma-separated keys of the answer, or *; unknown keys are 400",
               {"type": "string"}),
    "page": ("page number, from 1", {"type": "integer"}),
    "per_page": ("submissions per page (at most 100)", {"type": "integer"}),
    "tokens": ("comma-separated tokens", {"type": "string"}),
}


def _number(minimum: float, maximum: float, what: str, integer: bool = False) -> dict:
    kind = "integer" if integer else "number"
    return {"type": [kind, "null"], "minimum": minimum, "maximum": maximum,
            "description": f"{what}; numbers may also be sent as strings"}


def _submission_in(limits: dict) -> dict:
    ids = sorted({i for lang in all_languages() for i in lang.judge0})
    text = {"type": ["string", "null"],
            "description": "UTF-8, or base64 with base64_encoded=true"}
    return {
        "type": "object",
        "description": "Judge0's submission fields; unknown keys are ignored. Values above "
                       "their maximum are refused (422), as Judge0 does.",
        "required": ["language_id"],
        "properties": {
            "source_code": {"type": ["string", "null"],
                            "description": "UTF-8, or base64 with base64_encoded=true; "
                                           "required, but must be blank for a Multi-file "
                                           "program (89)"},
            "language_id": {"type": "integer", "enum": ids,
                            "description": "a Judge0 language id (GET /languages lists "
                                           "those live workers run)"},
            "compiler_options": {"type": ["string", "null"], "maxLength": 512},
            "command_line_arguments": {"type": ["string", "null"], "maxLength": 512},
            "stdin": text,
            "expected_output": text,
            "cpu_time_limit": _number(0, limits["max_cpu_time_limit"], "seconds"),
            "cpu_extra_time": _number(0, limits["max_cpu_extra_time"], "seconds"),
            "wall_time_limit": _number(0, limits["max_wall_time_limit"], "seconds"),
            "memory_limit": _number(2048, limits["max_memory_limit"], "KB"),
            "stack_limit": _number(0, limits["max_stack_limit"], "KB", True),
            "max_processes_and_or_threads": _number(
                1, limits["max_max_processes_and_or_threads"], "count", True),
            "enable_per_process_and_thread_time_limit": {
                "type": ["boolean", "null"], "enum": [False, None],
                "description": "true is refused (limits apply to the whole box)"},
            "enable_per_process_and_thread_memory_limit": {
                "type": ["boolean", "null"], "enum": [False, None],
                "description": "true is refused (limits apply to the whole box)"},
            "max_file_size": _number(0, limits["max_max_file_size"], "KB", True),
            "redirect_stderr_to_stdout": _NULL_BOOL,
            "enable_network": {"type": ["boolean", "null"], "enum": [False, None],
                               "description": "true is refused"},
            "number_of_runs": _number(1, limits["max_number_of_runs"], "count", True),
            "additional_files": {
                "type": ["string", "null"], "contentEncoding": "base64",
                "description": "base64 of a .zip (whatever base64_encoded says) of files side "
                               "by side, at most max_extract_size KB unpacked: there with the "
                               "source; a Multi-file program's (89) files, with its run "
                               "script (and compile)"},
            "callback_url": {"type": ["string", "null"], "format": "uri",
                             "description": "http(s) to a public address; PUT when done"},
        },
    }


def _submission_out() -> dict:
    types = {name: _NULL_STR for name in judge0.TEXT_FIELDS + ("additional_files",)}
    types.update({
        "language_id": _NULL_INT, "compiler_options": _NULL_STR,
        "command_line_arguments": _NULL_STR,
        "cpu_time_limit": _DECIMAL, "cpu_extra_time": _DECIMAL, "wall_time_limit": _DECIMAL,
        "memory_limit": _NULL_INT, "stack_limit": _NULL_INT,
        "max_processes_and_or_threads": _NULL_INT, "max_file_size": _NULL_INT,
        "number_of_runs": _NULL_INT,
        "enable_per_process_and_thread_time_limit": _NULL_BOOL,
        "enable_per_process_and_thread_memory_limit": _NULL_BOOL,
        "redirect_stderr_to_stdout": _NULL_BOOL, "enable_network": _NULL_BOOL,
        "callback_url": _NULL_STR, "message": _NULL_STR, "exit_code": _NULL_INT,
        "exit_signal": _NULL_INT,
        "status": {"$ref": "#/components/schemas/Status"},
        "status_id": {"type": "integer", "minimum": 1, "maximum": 14},
        "created_at": {"type": "string", "pattern": _STAMP},
        "finished_at": {"type": ["string", "null"], "pattern": _STAMP},
        "token": {"type": "string"}, "time": _DECIMAL, "wall_time": _DECIMAL,
        "memory": _NULL_INT,
        "language": {"type": "object", "required": ["id", "name"],
                     "properties": {"id": _NULL_INT, "name": {"type": "string"}},
                     "additionalProperties": False},
    })
    assert set(types) == set(judge0.ALL_FIELDS)
    return {"type": "object", "description": "the keys asked for with `fields` (default: "
            + ", ".join(judge0.DEFAULT_FIELDS) + "); Judge0's keys only",
            "properties": {name: types[name] for name in judge0.ALL_FIELDS},
            "additionalProperties": False}


def _schemas(limits: dict) -> dict:
    language = {"type": "object", "required": ["id", "name"],
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
    return {
        "SubmissionIn": _submission_in(limits),
        "Submission": _submission_out(),
        "Token": {"type": "object", "required": ["token"],
                  "properties": {"token": {"type": "string"}}, "additionalProperties": False},
        "TokenNotUtf8": {"type": "object", "required": ["token", "error"],
                         "description": "wait=true, judged, but its output is not UTF-8: "
                                        "fetch it with base64_encoded=true",
                         "properties": {"token": {"type": "string"},
                                        "error": {"type": "string"}},
                         "additionalProperties": False},
        "Status": {"type": "object", "required": ["id", "description"],
                   "properties": {"id": {"type": "integer", "minimum": 1, "maximum": 14},
                                  "description": {"type": "string"}},
                   "additionalProperties": False},
        "Error": {"type": "object", "required": ["error"],
                  "properties": {"error": {"type": "string"}}},
        "FieldErrors": {"type": "object", "description": "{field: [message, ...]}",
                        "minProperties": 1,
                        "additionalProperties": {"type": "array",
                                                 "items": {"type": "string"}}},
        "Language": language,
        "LanguageArchived": {**language, "required": ["id", "name", "is_archived"],
                             "properties": {**language["properties"],
                                            "is_archived": {"type": "boolean"}}},
        "LanguageDetail": {"type": "object", "required": ["id", "name", "source_file",
                                                          "compile_cmd", "run_cmd"],
                           "properties": {"id": {"type": "integer"},
                                          "name": {"type": "string"},
                                          "is_archived": {"type": "boolean"},
                                          "source_file": {"type": "string"},
                                          "compile_cmd": _NULL_STR,
                                          "run_cmd": {"type": "string"}}},
    }


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {"400": "bad request (not JSON, bad query, invalid fields, not UTF-8 without base64)",
           "401": "bad or missing token",
           "403": "the token may not do this (another token's submission)",
           "404": "not found",
           "413": "over the client's storage quota, or more submissions than its rate limit "
                  "allows in a minute",
           "429": "rate limit (see Retry-After)",
           "503": "queue full, maintenance, or the database or queue unavailable (see "
                  "Retry-After)"}


def _operation(summary: str, ok: tuple[str, dict], query: tuple[str, ...] = (),
               body: dict | None = None, errors: tuple[str, ...] = ("400",),
               path_param: tuple[str, dict] | None = None) -> dict:
    op: dict = {"summary": summary, "responses": {ok[0]: ok[1]}}
    params = [{"name": q, "in": "query", "required": q == "tokens",
               "description": _QUERY[q][0], "schema": _QUERY[q][1]} for q in query]
    if path_param:
        params.insert(0, {"name": path_param[0], "in": "path", "required": True,
                          "schema": path_param[1]})
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = body
    for code in ("401", "429", *errors, "503"):
        op["responses"][code] = _json(_ref("FieldErrors"), "invalid submission") \
            if code == "422" else _json(_ref("Error"), _ERRORS[code])
    return op


def _with(op: dict, code: str, response: dict) -> dict:
    op["responses"][code] = response
    return op


def _paths() -> dict:
    one = ("200", _json(_ref("Submission")))
    token = ("token", {"type": "string"})
    submission_body = {"required": True, "content": {
        "application/json": {"schema": _ref("SubmissionIn")},
        "application/x-www-form-urlencoded": {"schema": _ref("SubmissionIn")}}}
    batch_body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["submissions"],
        "properties": {"submissions": {"type": "array", "minItems": 1, "items": _ref(
            "SubmissionIn")}}}}}}
    created = {"anyOf": [_ref("Token"), _ref("Submission"), _ref("TokenNotUtf8")]}
    listing = {"type": "object", "required": ["submissions", "meta"], "properties": {
        "submissions": {"type": "array", "items": _ref("Submission")},
        "meta": {"type": "object", "properties": {
            "current_page": {"type": "integer"}, "next_page": _NULL_INT,
            "prev_page": _NULL_INT, "total_pages": {"type": "integer"},
            "total_count": {"type": "integer"}}}}}
    batch_out = {"type": "array", "items": {"anyOf": [_ref("Token"), _ref("FieldErrors")]}}
    batch_get = {"type": "object", "required": ["submissions"], "properties": {
        "submissions": {"type": "array", "items": {"anyOf": [_ref("Submission"),
                                                             {"type": "null"}]}}}}
    obj = {"type": "object"}
    return {
        "/submissions": {
            "post": _operation("Create a submission", (
                "201", _json(created, "{token}, or with wait=true the judged submission")),
                ("base64_encoded", "wait", "fields"), submission_body,
                ("400", "413", "422")),
            "get": _operation("List the submissions the token may see (newest first)",
                              ("200", _json(listing)),
                              ("base64_encoded", "fields", "page", "per_page")),
        },
        "/submissions/batch": {
            "post": _with(_operation("Create up to max_submission_batch_size submissions", (
                "201", _json(batch_out, "a token or the item's errors, in order")),
                ("base64_encoded",), batch_body, ("400", "413")),
                "422", _json(batch_out, "no item is valid: each item's errors, in order")),
            "get": _operation("Get submissions by token, in the order asked", (
                "200", _json(batch_get, "null for an unknown token")),
                ("tokens", "base64_encoded", "fields")),
        },
        "/submissions/{token}": {
            "get": _operation("Get a submission", one, ("base64_encoded", "fields"),
                              errors=("400", "404"), path_param=token),
            "delete": _operation("Delete a judged submission (ENABLE_SUBMISSION_DELETE; the "
                                 "token that made it, or an admin's)", one,
                                 ("base64_encoded", "fields"),
                                 errors=("400", "403", "404"), path_param=token),
        },
        "/languages": {"get": _operation("Languages live workers run", (
            "200", _json({"type": "array", "items": _ref("Language")})), errors=())},
        "/languages/all": {"get": _operation("Every language id, archived or not", (
            "200", _json({"type": "array", "items": _ref("LanguageArchived")})), errors=())},
        "/languages/{language_id}": {"get": _operation(
            "One language", ("200", _json(_ref("LanguageDetail"))), errors=("404",),
            path_param=("language_id", {"type": "integer", "minimum": 0}))},
        "/statuses": {"get": _operation("Status ids", (
            "200", _json({"type": "array", "items": _ref("Status")})), errors=())},
        "/about": {"get": _operation("Version (1.13.1) and maintainer", ("200", _json({
            "type": "object", "required": ["version"],
            "properties": {"version": {"type": "string"}}})), errors=())},
        "/version": {"get": _operation("The version, plain text", ("200", {
            "description": "OK", "content": {"text/plain": {"schema": {"type": "string"}}}}),
            errors=())},
        "/config_info": {"get": _operation("Defaults, maxima and switches", ("200", _json({
            "type": "object", "required": sorted(_CONFIG_KEYS),
            "properties": {"allowed_languages_for_compile_options": {
                "type": "array", "items": {"type": "string"}}}})), errors=())},
        "/system_info": {"get": _operation("The web host's CPU and memory", (
            "200", _json({"type": "object", "additionalProperties": {"type": "string"}})),
            errors=())},
        "/workers": {"get": _operation("Each queue: its size and the workers serving it", (
            "200", _json({"type": "array", "items": {
                "type": "object", "required": ["queue", "size", "available", "idle",
                                               "working", "paused", "failed"],
                "properties": {"queue": {"type": "string"}, "size": _NULL_INT,
                               "available": {"type": "integer"},
                               "idle": {"type": "integer"}, "working": {"type": "integer"},
                               "paused": {"type": "integer"},
                               "failed": {"type": "integer"}}}})), errors=())},
        "/judge0/openapi.json": {"get": _operation("This document", ("200", _json(obj)),
                                                   errors=())},
    }


_CONFIG_KEYS = (
    "allow_enable_network", "allow_enable_per_process_and_thread_memory_limit",
    "allow_enable_per_process_and_thread_time_limit", "allowed_languages_for_compile_options",
    "callbacks_max_tries", "callbacks_timeout", "cpu_extra_time", "cpu_time_limit",
    "enable_additional_files", "enable_batched_submissions", "enable_callbacks",
    "enable_command_line_arguments", "enable_compiler_options", "enable_network",
    "enable_per_process_and_thread_memory_limit", "enable_per_process_and_thread_time_limit",
    "enable_submission_delete", "enable_wait_result", "maintenance_mode",
    "max_cpu_extra_time", "max_cpu_time_limit", "max_extract_size", "max_file_size",
    "max_max_file_size", "max_max_processes_and_or_threads", "max_memory_limit",
    "max_number_of_runs", "max_processes_and_or_threads", "max_queue_size",
    "max_stack_limit", "max_submission_batch_size", "max_wall_time_limit", "memory_limit",
    "number_of_runs", "redirect_stderr_to_stdout", "stack_limit",
    "submission_cache_duration", "use_docs_as_homepage", "wall_time_limit")


@functools.lru_cache(maxsize=8)
def _document(limits: tuple) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "judgebox: Judge0 CE 1.13.1-compatible API", "version": "1.13.1",
                 "description": "The Judge0-compatible API at the server's root, as judgebox "
                                "implements it (docs/api.md). The native API is described "
                                "at /api/v1/openapi.json."},
        "components": {"schemas": _schemas(dict(limits)), "securitySchemes": {
            "token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}}},
        "security": [{}, {"token": []}],
        "paths": _paths(),
    }


def document() -> dict:
    """The document, with the Judge0 maxima in force (``JUDGE0_LIMITS``) in the request
    schema; needs an app context."""
    return copy.deepcopy(_document(tuple(sorted(judge0_limits().items()))))


@bp.get("/judge0/openapi.json")
def openapi_json():
    """The OpenAPI document of the Judge0-compatible API."""
    return jsonify(document())

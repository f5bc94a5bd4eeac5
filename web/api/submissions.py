"""``/api/v1/submissions``: create (against a problem, or with ad-hoc tests), get, list."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for

from worker.core.languages import Language
from worker.core.sources import ANSWERS
from worker.store import submissions
from worker.store.db import STATES
from worker.store.submissions import NewSubmission, NewTest

from .. import access, services
from ..errors import ApiError
from ..schemas import SubmissionCreate
from ._validate import json_body, parse

__all__ = ["bp"]

bp = Blueprint("submissions", __name__, url_prefix="/submissions")


def _check_sizes(body: SubmissionCreate) -> None:
    config = current_app.config
    fields: dict[str, list[str]] = {}
    if body.source is not None and \
            len(body.source.encode("utf-8", "surrogatepass")) > int(config["MAX_SOURCE_KB"]) * 1024:
        fields["source"] = [f"larger than {config['MAX_SOURCE_KB']} KB"]
    tests = body.tests or []
    if len(tests) > int(config["MAX_TESTS"]):
        fields["tests"] = [f"more than {config['MAX_TESTS']} tests"]
    one, total = int(config["MAX_STDIN_KB"]) * 1024, 0
    for i, test in enumerate(tests):
        for name in ("stdin", "expected"):
            size = len((getattr(test, name) or "").encode())
            total += size
            if size > one:
                fields[f"tests.{i}.{name}"] = [f"larger than {config['MAX_STDIN_KB']} KB"]
    if total > int(config["MAX_TESTS_TOTAL_KB"]) * 1024:
        fields.setdefault("tests", []).append(
            f"all tests together are larger than {config['MAX_TESTS_TOTAL_KB']} KB")
    if fields:
        raise ApiError(413, "the request is too large", fields)


def _submitter() -> access.Principal:
    """Who submits: anyone (unless ``AUTH_REQUIRED``), but a token needs the submit scope."""
    principal = access.current()
    return access.require("submit") if principal.token is not None else principal


def _files(body: SubmissionCreate) -> tuple[tuple[str, bytes], ...]:
    """The request's files as bytes (422 for content that is not valid base64 or UTF-8)."""
    files, fields = [], {}
    for index, item in enumerate(body.files or []):
        if item.encoding == "base64":
            try:
                data = services.decode_b64(item.content, f"files.{index}.content") or b""
            except ApiError:
                fields[f"files.{index}.content"] = ["is not valid base64"]
                continue
        else:
            try:
                data = item.content.encode()
            except UnicodeEncodeError:  # a lone surrogate, sent as a JSON \udXXX escape
                fields[f"files.{index}.content"] = ["is not valid UTF-8 (send it as base64)"]
                continue
        files.append((item.name, data))
    if fields:
        raise ApiError(422, "invalid files", fields)
    return services.checked_files(files)


def _source(body: SubmissionCreate) -> bytes:
    try:
        return (body.source or "").encode()
    except UnicodeEncodeError:
        raise ApiError(422, "invalid request", {"source": [
            "is not valid UTF-8 (send the file in files, as base64)"]}) from None


def _language(body: SubmissionCreate, problem) -> Language | None:
    """The submission's language; ``None`` for the answer files of a submit-answer problem
    (``language`` left out)."""
    if body.language is None:
        if problem is not None and "submit-answer" in (problem.info or {}).get("type", ""):
            return None
        raise ApiError(422, "invalid request", {"language": [
            "required (only the answer files of a submit-answer problem go without)"]})
    return services.resolve_language(body.language)


@bp.post("")
def create_submission():
    """Queue a submission; 202 with its state (poll ``Location`` for the verdict)."""
    principal = _submitter()
    body = parse(SubmissionCreate, json_body())
    if (body.source is None) == (body.files is None):
        raise ApiError(422, "invalid request", {"source": ["give either source or files"]})
    if body.entry is not None and body.files is None:
        raise ApiError(422, "invalid request", {"entry": ["goes with files"]})
    problem = access.require_problem(services.get_problem(body.problem)) \
        if body.problem is not None else None
    language = _language(body, problem)
    _check_sizes(body)
    files = _files(body)
    options = {"run_all": body.run_all} | ({"entry": body.entry} if body.entry else {})
    common = dict(language=language.id if language else ANSWERS, source=_source(body),
                  files=files, queue=body.queue, token_id=principal.token_id,
                  user_id=principal.user_id, options=options)
    if problem is not None:
        if body.samples_only:
            services.require_samples(problem)
        if body.assignment is not None:
            common.update(services.in_assignment(principal, body.assignment, problem,
                                                 body.user, body.late))
        new = NewSubmission(problem_id=problem.id, problem_name=problem.name,
                            package_sha256=problem.package_sha256, checker="package",
                            limits=services.native_limits(body.limits, language, problem),
                            samples_only=body.samples_only, **common)
        row = services.submit(new, problem)
    else:
        if language is None:
            raise ApiError(422, "invalid request", {"language": ["required"]})
        tests = tuple(NewTest(stdin=t.stdin.encode(),
                              expected=None if t.expected is None else t.expected.encode(),
                              name=t.name or "") for t in body.tests or [])
        new = NewSubmission(tests=tests, checker="tokens",
                            limits=services.native_limits(body.limits, language), **common)
        row = services.submit(new)
    return jsonify(services.submission_json(row)), 202, {
        "Location": url_for(".get_submission", token=row.token)}


@bp.get("/<token>")
def get_submission(token: str):
    """A submission, with each test's result so far (a problem's hidden tests only as
    ``web.access`` allows). Anyone with its id may read it."""
    row = submissions.get(services.store(), token, tests=False)
    if row is None or not access.may_read(access.current(), row):
        raise ApiError(404, f"no submission {token}")
    return jsonify(services.submission_json(row))


_MAX_ID = 2**63 - 1


@bp.get("")
def list_submissions():
    """Newest first, those the token may see (its own, those on the problems it manages,
    all for admin). Filters: ``state``, ``verdict``, ``language``, ``problem``, ``api``;
    ``limit`` (at most 100) and ``before`` (the ``next`` of the previous page)."""
    principal = access.require("submit")
    args = request.args
    fields: dict[str, list[str]] = {}
    state = args.get("state")
    if state is not None and state not in STATES:
        fields["state"] = [f"one of {', '.join(STATES)}"]
    try:
        limit = min(100, max(1, int(args.get("limit", 50))))
        before = int(args["before"]) if "before" in args else None
        if before is not None:  # ids are 64-bit: a larger one must not overflow the database
            before = max(0, min(before, _MAX_ID))
    except ValueError:
        fields["limit"] = ["limit and before are integers"]
    if fields:
        raise ApiError(422, "invalid filter", fields)
    rows = submissions.list_submissions(
        services.store(), state=state, verdict=args.get("verdict"),
        language=args.get("language"), problem=args.get("problem"), api=args.get("api"),
        before_id=before, limit=limit, visible_to=access.visibility(principal))
    return jsonify({"submissions": [services.submission_json(r, False, principal)
                                    for r in rows],
                    "next": rows[-1].id if len(rows) == limit else None})

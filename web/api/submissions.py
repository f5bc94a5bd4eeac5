"""``/api/v1/submissions``: create (against a problem, or with ad-hoc tests), get, list."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for

from worker import submissions
from worker.db import STATES
from worker.submissions import NewSubmission, NewTest

from .. import access, services
from ..errors import ApiError
from ..schemas import SubmissionCreate
from ._validate import json_body, parse

__all__ = ["bp"]

bp = Blueprint("submissions", __name__, url_prefix="/submissions")


def _check_sizes(body: SubmissionCreate) -> None:
    config = current_app.config
    fields: dict[str, list[str]] = {}
    if len(body.source.encode()) > int(config["MAX_SOURCE_KB"]) * 1024:
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


@bp.post("")
def create_submission():
    """Queue a submission; 202 with its state (poll ``Location`` for the verdict)."""
    principal = _submitter()
    body = parse(SubmissionCreate, json_body())
    language = services.resolve_language(body.language)
    _check_sizes(body)
    common = dict(language=language.id, source=body.source.encode(), queue=body.queue,
                  token_id=principal.token_id, user_id=principal.user_id,
                  options={"run_all": body.run_all})
    if body.problem is not None:
        problem = access.require_problem(services.get_problem(body.problem))
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

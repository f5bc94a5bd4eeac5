"""Judge0's ``/submissions``: create (``base64_encoded``, ``wait``), get (``fields``), batch,
list, delete."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify, request

from worker.service import judge0
from worker.store import submissions
from worker.store.db import DONE, Submission

from .. import access, services
from ..errors import ApiError
from ._validate import judge0_limits, parse_bool, to_new_submission

__all__ = ["bp"]

bp = Blueprint("submissions", __name__, url_prefix="/submissions")

_NOT_UTF8 = ("some attributes for this submission cannot be converted to UTF-8, use "
             "base64_encoded=true query parameter")


def _fields(default: tuple[str, ...]) -> tuple[str, ...]:
    raw = request.args.get("fields")
    if raw is None or not raw.strip():
        return default
    if raw.strip() in ("*", "all"):
        return judge0.ALL_FIELDS
    wanted = tuple(f.strip() for f in raw.split(",") if f.strip())
    unknown = [f for f in wanted if f not in judge0.ALL_FIELDS]
    if unknown:
        raise ApiError(400, f"invalid fields: [{', '.join(unknown)}]")
    return wanted


def _language_names() -> dict[int, str]:
    return {lang.id: lang.name for lang in judge0.judge0_languages(services.offered_languages())}


def _render(row: Submission, fields: tuple[str, ...], b64: bool,
            names: dict[int, str] | None = None) -> dict:
    name = ""
    if "language" in fields:
        name = (names if names is not None else _language_names()).get(
            row.judge0_language_id, row.language)
    try:
        return judge0.render(row, fields, b64, name)
    except judge0.NotUtf8:
        raise ApiError(400, _NOT_UTF8) from None


def _body() -> object:
    data = request.get_json(silent=True)
    if data is None:
        data = request.form.to_dict() if request.form else None
    if data is None:
        raise ApiError(400, "the body must be JSON")
    return data


def _wait(token: str) -> Submission:
    """The submission once done (or as it is after ``WAIT_TIMEOUT``): woken by the worker's
    announcement (``worker.service.notify``), looking at the store at least every second."""
    import redis

    from worker.service.notify import CHANNEL

    deadline = time.monotonic() + float(current_app.config["WAIT_TIMEOUT"])
    pubsub = None
    try:
        pubsub = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=5,
                                      socket_connect_timeout=2).pubsub(
                                          ignore_subscribe_messages=True)
        pubsub.subscribe(CHANNEL + token)  # before the first look: no announcement is missed
    except (redis.RedisError, OSError):
        pubsub = None
    try:
        while True:
            row = submissions.get(services.store(), token, results=False)
            left = deadline - time.monotonic()
            if row.state == DONE or left <= 0:
                return row
            if pubsub is None:
                time.sleep(min(0.1, left))
                continue
            try:
                pubsub.get_message(timeout=min(1.0, left))
            except (redis.RedisError, OSError):
                pubsub = None
    finally:
        if pubsub is not None:
            pubsub.close()


def _submitter() -> access.Principal:
    """Anyone may submit (unless ``AUTH_REQUIRED``); a token needs the submit scope."""
    principal = access.current()
    return access.require("submit") if principal.token is not None else principal


@bp.post("")
def create_submission():
    """``POST /submissions?base64_encoded=&wait=&fields=``: 201 ``{"token"}`` (or, with
    ``wait=true``, the finished submission)."""
    _submitter()
    b64 = parse_bool(request.args.get("base64_encoded"))
    wait = parse_bool(request.args.get("wait"))
    fields = _fields(judge0.DEFAULT_FIELDS)
    new = to_new_submission(_body(), b64)
    if isinstance(new, dict):
        raise ApiError(422, "invalid submission", new)
    row = services.submit(new)
    if not wait:
        return jsonify({"token": row.token}), 201
    try:
        return jsonify(judge0.render(_wait(row.token), fields, b64, _language_names().get(
            row.judge0_language_id, row.language))), 201
    except judge0.NotUtf8:  # judged all the same: the client gets its token, as from Judge0
        return jsonify({"error": _NOT_UTF8, "token": row.token}), 201


@bp.get("/<token>")
def get_submission(token: str):
    """``GET /submissions/{token}?base64_encoded=&fields=``."""
    b64 = parse_bool(request.args.get("base64_encoded"))
    fields = _fields(judge0.DEFAULT_FIELDS)
    row = submissions.get(services.store(), token, results=False)
    if row is None or row.api != "judge0" or not access.may_read(access.current(), row):
        raise ApiError(404, "submission not found")
    return jsonify(_render(row, fields, b64))


@bp.delete("/<token>")
def delete_submission(token: str):
    """``DELETE /submissions/{token}``: only when ``ENABLE_SUBMISSION_DELETE``, and, as Judge0
    asks for authorization there, only with an API token: an admin's, or the one that made
    the submission."""
    if not current_app.config["ENABLE_SUBMISSION_DELETE"]:
        raise ApiError(400, "delete not allowed")
    principal = access.require("submit")
    fields = _fields(judge0.DEFAULT_FIELDS)
    b64 = parse_bool(request.args.get("base64_encoded"))
    row = submissions.get(services.store(), token)
    if row is None or row.api != "judge0":
        raise ApiError(404, "submission not found")
    if not principal.admin and not principal.owns(row):
        raise ApiError(403, "only an admin token or the token that made a submission may "
                            "delete it")
    if row.state != DONE:
        raise ApiError(400, "submission cannot be deleted because its status is "
                            f"{judge0.JUDGE0_STATUSES[judge0.status_of(row)]}")
    shown = _render(row, fields, b64)
    with services.store().write() as session:
        found = session.get(Submission, row.id)
        if found is not None:
            session.delete(found)
    return jsonify(shown)


@bp.get("")
def list_submissions():
    """``GET /submissions?page=&per_page=`` (newest first): as Judge0, only with a token;
    it lists what the token may see (its own submissions; every one for admin)."""
    principal = access.require("submit")
    b64 = parse_bool(request.args.get("base64_encoded"))
    fields = _fields(judge0.DEFAULT_FIELDS)
    try:
        # bounded, so that the offset fits the database's 64-bit integers
        page = min(10**9, max(1, int(request.args.get("page", 1))))
        per_page = min(100, max(1, int(request.args.get("per_page", 20))))
    except ValueError:
        raise ApiError(400, "page and per_page must be integers") from None
    store = services.store()
    visible = access.visibility(principal)
    total = submissions.count_visible(store, visible, api="judge0")
    rows = submissions.list_submissions(store, api="judge0", visible_to=visible,
                                        limit=per_page, offset=(page - 1) * per_page)
    pages = max(1, -(-total // per_page))
    names = _language_names()
    return jsonify({"submissions": [_render(r, fields, b64, names) for r in rows],
                    "meta": {"current_page": page,
                             "next_page": page + 1 if page < pages else None,
                             "prev_page": page - 1 if page > 1 else None,
                             "total_pages": pages, "total_count": total}})


@bp.post("/batch")
def create_batch():
    """``POST /submissions/batch``: 201 with ``{"token"}`` or the errors of each, in order.
    Every valid item counts against the client's limits (``web.quota``)."""
    _submitter()
    b64 = parse_bool(request.args.get("base64_encoded"))
    data = _body()
    items = data.get("submissions") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ApiError(400, "submissions must be an array")
    maximum = int(judge0_limits()["max_submission_batch_size"])
    if not items:
        raise ApiError(400, "there should be at least one submission in a batch")
    if len(items) > maximum:
        raise ApiError(400, f"number of submissions in a batch should be less than or equal "
                            f"to {maximum}")
    checked = [to_new_submission(item, b64) for item in items]
    _check_room(sum(1 for new in checked if not isinstance(new, dict)))
    admitted = iter(services.admit([new for new in checked if not isinstance(new, dict)]))
    checked = [new if isinstance(new, dict) else next(admitted) for new in checked]
    stored: list[Submission] = []
    try:
        for new in checked:
            if not isinstance(new, dict):
                stored.append(services.submit(new, admitted=True))
    except ApiError:
        # the broker went away part-way (503): the whole batch is refused, so a client that
        # sends it again is not judged twice; what was queued finds its submission gone
        for row in stored:
            services._forget(row)  # noqa: SLF001 (the same rule as one submission's)
        raise
    tokens = iter(row.token for row in stored)
    return jsonify([new if isinstance(new, dict) else {"token": next(tokens)}
                    for new in checked]), 201 if stored else 422  # as Judge0: none valid


def _check_room(count: int) -> None:
    """503 before any of a batch is stored when the whole batch does not fit in the queue
    (as Judge0 checks the queue's size against the batch): a client told 503 retries the
    batch, and items stored before the refusal would then be judged twice."""
    config = current_app.config
    if count == 0 or config["MAINTENANCE_MODE"]:
        return  # nothing to store; maintenance: services.submit refuses the first item
    queued = submissions.count(services.store(), "queued")
    if queued + count > int(config["MAX_QUEUE_SIZE"]):
        raise ApiError(503, f"queue is full ({queued} submissions waiting, a batch of "
                            f"{count} does not fit)")


@bp.get("/batch")
def get_batch():
    """``GET /submissions/batch?tokens=a,b&base64_encoded=&fields=``: in the order asked."""
    b64 = parse_bool(request.args.get("base64_encoded"))
    fields = _fields(judge0.DEFAULT_FIELDS)
    tokens = [t.strip() for t in request.args.get("tokens", "").split(",") if t.strip()]
    if not tokens:
        raise ApiError(400, "tokens must be given")
    maximum = int(judge0_limits()["max_submission_batch_size"])
    if len(tokens) > maximum:
        raise ApiError(400, f"number of submissions in a batch should be less than or equal "
                            f"to {maximum}")
    found = submissions.get_many(services.store(), tokens)
    names = _language_names()
    principal = access.current()
    return jsonify({"submissions": [
        _render(found[t], fields, b64, names) if t in found and found[t].api == "judge0"
        and access.may_read(principal, found[t]) else None for t in tokens]})

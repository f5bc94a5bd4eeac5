"""What the views call: submit, look up, list; languages; problems. Views validate input and
render; these functions talk to the store and the queue, and raise :class:`ApiError`."""

from __future__ import annotations

import base64
import dataclasses
import io
import logging
import re
import tempfile
import zipfile
from pathlib import Path

from flask import current_app
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError
from sqlalchemy import select

from worker.core.languages import Language, LanguageError, all_languages, get_language
from worker.core.sources import MAX_FILES, SourceError, check_name
from worker.service.celery_app import enqueue, task_time_limit
from worker.service.logs import set_submission
from worker.store import packages, registry, submissions
from worker.store.db import Problem, Submission
from worker.store.submissions import NewSubmission

from . import access, feedback, quota
from ._store import store
from .errors import ApiError
from .schemas import RunLimitsIn

__all__ = ["store", "offered_languages", "resolve_language", "native_limits", "admit",
           "require_samples", "submit", "in_assignment", "submission_json", "visible_results",
           "visible_message", "problem_json", "upload_problem", "NameTaken", "change_problem",
           "delete_problem", "get_problem", "find_problem", "list_problems", "iso",
           "all_language_rows", "decode_b64", "checked_files", "files_cap"]

log = logging.getLogger(__name__)


def iso(value) -> str | None:
    """A stored (naive UTC) time as ISO 8601 with ``Z``."""
    return None if value is None else value.isoformat(timespec="milliseconds") + "Z"


def offered_languages() -> dict[str, dict]:
    """Language id -> status, as the live workers report them."""
    return registry.languages_offered(store(), float(current_app.config["WORKER_STALE"]))


def resolve_language(lang_id: str, field: str = "language") -> Language:
    """The enabled language ``lang_id``; 422 listing the enabled ones when it is not."""
    offered = offered_languages()
    enabled = sorted(i for i, s in offered.items() if s.get("enabled"))
    try:
        language = get_language(lang_id)
    except LanguageError:
        raise ApiError(422, f"unknown language {lang_id!r}",
                       {field: [f"unknown language {lang_id!r}; languages: "
                                f"{', '.join(enabled) or 'none (no worker is running)'}"]}
                       ) from None
    if lang_id not in enabled:
        reason = offered.get(lang_id, {}).get("reason") or "no live worker offers it"
        raise ApiError(422, f"language {lang_id!r} is disabled",
                       {field: [f"language {lang_id!r} is disabled ({reason}); languages: "
                                f"{', '.join(enabled) or 'none'}"]})
    return language


def native_limits(requested: RunLimitsIn, language: Language | None,
                  problem: Problem | None = None) -> dict:
    """Run limits of a native submission: the request's, else the problem's or the defaults,
    lowered to the configured maxima (``language`` ``None``: answer files, no program)."""
    config = current_app.config
    info = (problem.info or {}) if problem is not None else {}
    problem_time = problem.time_limit_ms / 1000 if problem and problem.time_limit_ms else None
    time_limit = requested.time_limit or problem_time or float(config["TIME_LIMIT"])
    time_limit = min(time_limit, float(config["MAX_TIME_LIMIT"]))
    memory = requested.memory_limit or info.get("memory_mb") or \
        max(int(config["MEMORY_LIMIT"]), language.memory_mb if language else 0)
    memory = min(memory, int(config["MAX_MEMORY_LIMIT"]))
    output = requested.output_limit or (info["output_mb"] * 1024 if info.get("output_mb")
                                        else int(config["OUTPUT_LIMIT"]))
    output = min(output, int(config["MAX_OUTPUT_LIMIT"]))
    return {"cpu_ms": max(1, round(time_limit * 1000)), "memory_kib": memory * 1024,
            "output_kib": output}


def require_samples(problem: Problem) -> None:
    """422 when the problem has no sample tests to run on (``samples_only``)."""
    if feedback.sample_count(problem.package_sha256) == 0:
        raise ApiError(422, "this problem has no sample tests to run on", {
            "samples_only": [f"problem {problem.name!r} has no sample tests"]})


def _check_queue_room() -> None:
    config = current_app.config
    if config["MAINTENANCE_MODE"]:
        raise ApiError(503, "maintenance mode: no new submissions for now")
    queued = submissions.count(store(), "queued")
    if queued >= int(config["MAX_QUEUE_SIZE"]):
        raise ApiError(503, f"queue is full ({queued} submissions waiting)")


def admit(news: list[NewSubmission]) -> list[NewSubmission]:
    """Count these submissions against the client's limits and quotas (all or none:
    ``web.quota``; 429 or 413 when over) and stamp each with the client's key."""
    key = quota.charge(access.current(), len(news), sum(n.stored_bytes for n in news))
    return [dataclasses.replace(n, client=key) for n in news]


def submit(new: NewSubmission, problem: Problem | None = None,
           admitted: bool = False) -> Submission:
    """Store a submission and queue it; 503 when the queue is full or the broker is down.
    It is counted against the client's limits first (:func:`admit`) unless ``admitted``
    says it was (with the others of its batch)."""
    _check_queue_room()
    if not admitted:
        new = admit([new])[0]
    row = submissions.create(store(), new)
    set_submission(row.token)
    if problem is not None:  # its validator compiles and runs on every test too
        limit = task_time_limit(new.limits, problem.test_count, current_app.config,
                                per_test_extra_s=10.0, compiles=2)
    else:
        limit = task_time_limit(new.limits, max(1, len(new.tests)), current_app.config)
    try:
        enqueue(current_app.extensions["celery"], row.token, new.queue, limit)
    except (OperationalError, RedisError, OSError) as exc:
        _forget(row)
        raise ApiError(503, f"the queue is unavailable: {exc}") from exc
    log.info("submission %s: queued on %s (%s, %s)", row.token, new.queue, new.api,
             new.language)
    return row


def in_assignment(principal: access.Principal, name: str, problem: Problem,
                  username: str | None = None, late: bool = False) -> dict:
    """The fields of a submission on ``problem`` that counts in assignment ``name``: as
    ``principal``'s account (a student of its course, while it is open or late), or, for
    its staff, as the student ``username`` (``late`` as they say). 404 for an assignment
    the principal is not in (or whose problems are not out yet), 403 or 422 otherwise."""
    from worker.store import assignments
    from worker.store.users import get_user

    found = assignments.get_assignment(store(), name)
    staff = found is not None and (principal.admin or found.course_id in principal.staff)
    if found is None or not (staff or found.course_id in principal.member):
        raise ApiError(404, f"no assignment {name!r}")
    phase = assignments.phase(found)
    if not staff and phase == "upcoming":
        raise ApiError(404, f"no assignment {name!r}")
    if problem.id not in {p.problem_id for p in found.problems}:
        raise ApiError(422, f"problem {problem.name!r} is not in assignment {name!r}",
                       {"problem": [f"not in assignment {name!r}"]})
    if username is not None:
        if not staff:
            raise ApiError(403, "only the course's staff submit for others")
        student = get_user(store(), username)
        if student is None or student.id not in _members(found.course_id):
            raise ApiError(422, f"{username!r} is not in the assignment's course",
                           {"user": [f"not in the course of {name!r}"]})
        return {"assignment_id": found.id, "user_id": student.id, "late": late}
    if principal.user_id is None:
        raise ApiError(422, "an assignment needs an account: a token of the student's, or "
                            "user (for staff)", {"assignment": ["needs an account"]})
    if not staff and phase not in ("open", "late"):
        raise ApiError(403, f"this {found.kind} is {phase}: no more submissions")
    return {"assignment_id": found.id, "user_id": principal.user_id,
            "late": phase == "late" and not staff}


def _members(course_id: int) -> set[int]:
    from worker.store.db import CourseMember

    with store().read() as session:
        return set(session.scalars(select(CourseMember.user_id).where(
            CourseMember.course_id == course_id)).all())


def _forget(row: Submission) -> None:
    with store().write() as session:
        found = session.get(Submission, row.id)
        if found is not None:
            session.delete(found)


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", "replace")


def _test_json(row: Submission, result, hidden: bool, name: str) -> dict:
    shown = {"index": result.index, "name": name, "group": result.group,
             "verdict": result.verdict, "status": result.status, "time": result.time,
             "wall_time": result.wall_time, "memory": result.memory,
             "exit_code": result.exit_code, "signal": result.signal, "hidden": hidden}
    if hidden:  # nothing that comes from the test's data, and nothing read from it
        shown.update(checker_message="", stdout="", stderr="", diff=None)
    else:
        diff = feedback.test_diff(row, result, access.is_sample(result))
        shown.update(checker_message=result.checker_message, stdout=_text(result.stdout),
                     stderr=_text(result.stderr), diff=diff.unified if diff else None)
    return shown


def visible_results(row: Submission, principal: access.Principal | None = None
                    ) -> list[tuple[object, bool, str]]:
    """The submission's test results as ``principal`` (default: this request's) may see
    them: ``(result, hidden, name)``; a hidden test's name is its group and its position
    there (``secret/3``), since a package's test names may say what the test holds."""
    principal = principal or access.current()
    shows = access.shows_hidden(principal, row)
    shown, counts = [], {}
    for result in row.results or []:
        counts[result.group] = counts.get(result.group, 0) + 1
        hidden = not shows and not access.is_sample(result)
        name = f"{result.group or 'test'}/{counts[result.group]}" if hidden else result.name
        shown.append((result, hidden, name))
    return shown


def visible_message(row: Submission, principal: access.Principal | None = None
                    ) -> str | None:
    """The submission's message as ``principal`` may see it: a judge error's message on a
    problem may quote a hidden test (its validator's words), so it is replaced for those
    who may not see hidden data."""
    if row.message and row.verdict == "SE" and row.problem_name is not None and \
            not access.shows_hidden(principal or access.current(), row):
        return access.HIDDEN_MESSAGE
    return row.message


def submission_json(row: Submission, with_tests: bool = True,
                    principal: access.Principal | None = None) -> dict:
    """The native view of a submission, as ``principal`` (default: this request's) may see
    it (``web.access``: a problem's hidden tests show only their verdicts and figures)."""
    principal = principal or access.current()
    limits = row.limits or {}
    out = {
        "id": row.token, "state": row.state, "test_index": row.test_index,
        "test_count": row.test_count, "verdict": row.verdict, "score": row.score,
        "max_score": row.max_score, "time": row.time, "wall_time": row.wall_time,
        "memory": row.memory, "compile_output": row.compile_output,
        "message": visible_message(row, principal),
        "language": row.language,
        "files": [{"name": f.name, "size": len(f.content)} for f in row.files or []],
        "entry": (row.options or {}).get("entry"),
        "problem": row.problem_name, "queue": row.queue,
        "limits": {"time_limit": limits.get("cpu_ms", 0) / 1000,
                   "memory_limit": limits.get("memory_kib", 0) // 1024,
                   "output_limit": limits.get("output_kib")},
        "created_at": iso(row.created_at), "started_at": iso(row.started_at),
        "finished_at": iso(row.finished_at), "samples_only": bool(row.samples_only),
        "groups": feedback.groups(row) or None,
    }
    if with_tests:
        out["tests"] = [_test_json(row, result, hidden, name)
                        for result, hidden, name in visible_results(row, principal)]
    return out


# --- problems ------------------------------------------------------------------------------

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")


_TITLE_MAX = 300  # characters (the column's size)


def problem_json(row: Problem) -> dict:
    """The view of a problem."""
    info = row.info or {}
    return {"name": row.name, "title": row.title, "package_sha256": row.package_sha256,
            "time_limit": row.time_limit_ms / 1000 if row.time_limit_ms else None,
            "test_count": row.test_count, "type": info.get("type", "pass-fail"),
            "feedback": info.get("feedback", "samples"),
            "visibility": info.get("visibility", "public"), "created_at": iso(row.created_at)}


def find_problem(name: str) -> Problem | None:
    """The problem named ``name``, or ``None``."""
    with store().read() as session:
        return session.scalars(select(Problem).where(Problem.name == name)).first()


def list_problems(visible: bool = False) -> list[Problem]:
    """Every problem, by name (``visible``: those this request's principal may see)."""
    with store().read() as session:
        rows = list(session.scalars(select(Problem).order_by(Problem.name)).all())
    if visible:
        principal = access.current()
        rows = [row for row in rows if access.may_see_problem(principal, row)]
    return rows


def get_problem(name: str) -> Problem:
    """The problem named ``name``; 404 when there is none."""
    row = find_problem(name)
    if row is None:
        raise ApiError(404, f"no problem named {name!r}")
    return row


def unpacked_cap() -> int:
    """``MAX_UNPACKED_MB`` in bytes: what an uploaded zip may unpack to."""
    return int(current_app.config["MAX_UNPACKED_MB"]) * 1024 * 1024


def check_unpacked_size(data: bytes, cap: int, field: str) -> None:
    """413 when the zip ``data`` says it unpacks to more than ``cap`` bytes (a zip bomb),
    before anything is written. What it says is binding: extraction stops at an entry larger
    than it declared (worker.core.problem.archive). Not a zip: left to the reader (422)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            declared = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError,
            NotImplementedError, RuntimeError):
        return
    if declared > cap:
        raise ApiError(413, f"the zip unpacks to more than {cap // (1024 * 1024)} MB", {
            field: [f"unpacks to {declared} bytes (MAX_UNPACKED_MB is "
                    f"{cap // (1024 * 1024)})"]})


def _read_package(data: bytes, stem: str) -> dict:
    """What the package says of itself (its name, title, tests...); 422 if it is broken."""
    try:
        from worker.core.problem import PackageError, extract_archive, load_problem
        from worker.core.problem.archive import ArchiveLimits
    except ImportError as exc:  # the problem package reader is not installed on this server
        raise ApiError(501, f"problem packages are not supported here: {exc}") from exc
    unpacked = unpacked_cap()
    check_unpacked_size(data, unpacked, "package")
    with tempfile.TemporaryDirectory(prefix="judgebox-upload-") as tmp:
        archive = Path(tmp) / "package.zip"
        archive.write_bytes(data)
        tree = Path(tmp) / stem
        tree.mkdir()
        try:
            problem = load_problem(extract_archive(
                archive, tree, ArchiveLimits(max_file_bytes=unpacked, max_total_bytes=unpacked)))
        except PackageError as exc:
            raise ApiError(422, "the package is broken", {"package": [
                str(exc).replace(tmp + "/", "")]}) from exc
        return {"short_name": problem.short_name, "title": problem.name,
                "time_limit": problem.limits.time_limit,
                "memory_mb": problem.limits.memory_mb, "output_mb": problem.limits.output_mb,
                "test_count": len(problem.cases), "type": problem.type}


class NameTaken(ApiError):
    """409: a problem of that ``name`` exists, and the upload did not say to replace it."""

    def __init__(self, name: str) -> None:
        super().__init__(409, f"a problem named {name!r} exists already (replace it, or "
                              "delete it first)")
        self.name = name


def upload_problem(data: bytes, name: str | None, filename: str | None = None,
                   replace: bool = False, owner_token_id: int | None = None,
                   feedback: str | None = None, owner_user_id: int | None = None,
                   visibility: str | None = None) -> Problem:
    """Store a problem package (zip) and its problem; 409 when the name is taken, unless
    ``replace`` (then the problem keeps its name, id and owner and takes the new package).
    ``owner_token_id`` / ``owner_user_id`` is the uploading token / account (a new
    problem's owner); ``feedback`` (``samples`` or ``all``) says what contestants see of its
    tests and ``visibility`` (``public`` or ``private``) who sees it (``web.access``)."""
    settings = _settings({"feedback": feedback, "visibility": visibility})
    cap = int(current_app.config["MAX_PACKAGE_MB"]) * 1024 * 1024
    if len(data) > cap:
        raise ApiError(413, f"the package is larger than {cap // (1024 * 1024)} MB")
    if not data.startswith(b"PK"):
        raise ApiError(422, "not a zip file", {"package": ["must be a zip file"]})
    stem = Path(filename or "problem").stem.lower()
    stem = re.sub(r"[^a-z0-9_-]", "-", stem).strip("-") or "problem"
    info = _read_package(data, stem[:100])
    name = (name or info["short_name"] or "").lower()
    if not _NAME.match(name):
        raise ApiError(422, "bad problem name", {"name": [
            "lowercase letters, digits, '-' and '_' (at most 100), starting with a letter or "
            "digit"]})
    title = " ".join((info["title"] or name).split())
    if len(title) > _TITLE_MAX:
        raise ApiError(422, "the problem's title is too long", {"package": [
            f"its name (title) has {len(title)} characters; at most {_TITLE_MAX}"]})
    digest = packages.put(store(), data)
    time_limit = info["time_limit"]
    values = dict(title=title, package_sha256=digest,
                  time_limit_ms=round(time_limit * 1000) if time_limit else None,
                  test_count=info["test_count"],
                  info={k: info[k] for k in ("type", "memory_mb", "output_mb")})
    with store().write() as session:
        row = session.scalars(select(Problem).where(Problem.name == name)).first()
        if row is not None and not replace:
            raise NameTaken(name)
        kept = {k: v for k, v in (row.info or {}).items() if k in _SETTINGS} \
            if row is not None else {}
        values["info"].update(kept | settings)
        if row is None:
            row = Problem(name=name, owner_token_id=owner_token_id,
                          owner_user_id=owner_user_id, **values)
            session.add(row)
        else:
            for key, value in values.items():
                setattr(row, key, value)
    if replace:
        packages.delete_unused(store())
    return row


_SETTINGS = {"feedback": access.FEEDBACK, "visibility": access.VISIBILITY}


def _settings(given: dict) -> dict:
    """A problem's settings (``feedback``, ``visibility``) that are given, checked (422)."""
    for key, value in given.items():
        if value is not None and value not in _SETTINGS[key]:
            raise ApiError(422, f"bad {key}", {key: [f"one of {', '.join(_SETTINGS[key])}"]})
    return {k: v for k, v in given.items() if v is not None}


def change_problem(problem: Problem, **given: object) -> None:
    """Change the problem's settings: what contestants see of its tests (``feedback``:
    ``samples`` or ``all``) and who sees it (``visibility``: ``public`` or ``private``)."""
    settings = _settings(given)
    with store().write() as session:
        row = session.get(Problem, problem.id)
        if row is None:
            raise ApiError(404, f"no problem named {problem.name!r}")
        row.info = {**(row.info or {}), **settings}


def delete_problem(name: str) -> None:
    """Delete a problem (its submissions stay); its package goes when nothing needs it."""
    row = get_problem(name)
    with store().write() as session:
        found = session.get(Problem, row.id)
        if found is not None:
            session.delete(found)
    packages.delete_unused(store())


def all_language_rows() -> list[dict]:
    """Every language defined, with what the live workers say of it."""
    offered = offered_languages()
    rows = []
    for language in all_languages():
        status = offered.get(language.id, {})
        rows.append({"id": language.id, "name": language.name,
                     "version": status.get("version", ""),
                     "enabled": bool(status.get("enabled")),
                     "extensions": list(language.extensions),
                     "judge0_ids": list(language.judge0)})
    return rows


def files_cap() -> int:
    """``MAX_FILES_KB`` in bytes: what the files of one submission may hold in all."""
    return int(current_app.config["MAX_FILES_KB"]) * 1024


def checked_files(files: list[tuple[str, bytes]], field: str = "files"
                  ) -> tuple[tuple[str, bytes], ...]:
    """The files of a submission, checked: 413 when there are more than ``MAX_FILES`` or
    they hold more than ``MAX_FILES_KB`` (names included); 422 naming the file when a name is
    not a plain file name (``..``, ``/``, NUL, too long...) or is given twice."""
    cap = files_cap()
    if len(files) > MAX_FILES:
        raise ApiError(413, "too many files", {field: [
            f"{len(files)} files: at most {MAX_FILES}"]})
    size = sum(len(name.encode("utf-8", "replace")) + len(data) for name, data in files)
    if size > cap:
        raise ApiError(413, "the files are too large", {field: [
            f"{size} bytes in all: at most {cap} (MAX_FILES_KB)"]})
    fields: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    for index, (name, _) in enumerate(files):
        try:
            check_name(name)
        except SourceError as exc:
            fields[f"{field}.{index}.name"] = [str(exc)]
            continue
        if name in seen:
            fields[f"{field}.{index}.name"] = [f"{name!r} is given twice (also {field}."
                                               f"{seen[name]})"]
        seen.setdefault(name, index)
    if fields:
        raise ApiError(422, "bad file names", fields)
    return tuple(files)


def decode_b64(value: str | None, field: str) -> bytes | None:
    """Judge0's base64 text fields; 400 when not valid base64."""
    if value is None:
        return None
    try:
        return base64.b64decode(value.replace("\n", "").replace("\r", ""), validate=True)
    except (ValueError, TypeError):
        raise ApiError(400, f"{field} is not valid base64") from None

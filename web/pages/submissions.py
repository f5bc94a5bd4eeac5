"""``/s``: submissions (this browser's own and the logged-in token's; every one for a
logged-in admin), filtered and paged; ``/s/<id>``: one submission, its progress live;
``/s/<id>/live``: the progress part alone, polled by ``live.js``. A problem's hidden tests
show only their verdicts and figures to those who do not manage it (``web.access``)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from werkzeug.exceptions import NotFound

from worker.core.languages import LanguageError, get_language
from worker.store import submissions

from .. import access, feedback, services
from . import _common, _data

__all__ = ["bp"]

bp = _common.protect(Blueprint("submissions", __name__, url_prefix="/s"))

PAGE_SIZE = 25


def _get(token: str):
    row = submissions.get(services.store(), token)
    if row is None or not access.may_read(access.page_principal(), row):
        raise NotFound("no such submission")
    return row


@bp.get("")
def index():
    """Newest first; filters ``problem``, ``language``, ``verdict``; ``before`` pages on."""
    args = request.args
    principal = access.page_principal()
    admin = principal.admin
    try:
        before = int(args["before"]) if args.get("before") else None
    except ValueError:
        before = None
    filters = {k: args.get(k) or None for k in ("problem", "language", "verdict")}
    rows = _data.find_submissions(
        tokens=None if admin else _common.mine(),
        visible_to=None if admin or principal.anonymous else access.visibility(principal),
        before=before, limit=PAGE_SIZE + 1, **filters)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return render_template(
        "submissions.html", rows=rows, filters=filters, admin=admin,
        next_before=rows[-1].id if more else None, first_page=before is None,
        problems=[p.name for p in services.list_problems()],
        languages=[lang["id"] for lang in services.all_language_rows()],
        verdicts=list(_common.VERDICT_TEXT)[:-1])


@bp.get("/<token>")
def show(token: str):
    """A submission: its state or verdict, each test, compile output, source (or its files:
    any bytes shown, text as text, the rest with ``\\xNN`` escapes)."""
    row = _get(token)
    return render_template("submission.html", s=row, source=_shown(row.source)[0],
                           files=_files(row), **_visible(row))


def _shown(data: bytes) -> tuple[str, bool]:
    """(the bytes as text to show, whether they are UTF-8 text): a NUL or an invalid byte is
    shown as ``\\xNN``, so what is on the page says exactly what was sent."""
    try:
        text = data.decode("utf-8")
        if "\0" not in text:
            return text, True
    except UnicodeDecodeError:
        pass
    return data.decode("utf-8", "backslashreplace").replace("\0", "\\x00"), False


def _files(row) -> list[dict]:
    """The files of a submission of several files, to show (Judge0's additional files of a
    source too): name, size, text, whether it is UTF-8 text, the entry point, and the
    language to highlight it as (its own extension's)."""
    try:
        extensions = get_language(row.language).extensions
    except LanguageError:  # answer files, or a language since removed
        extensions = ()
    entry = (row.options or {}).get("entry")
    shown = []
    for item in row.files or []:
        text, plain = _shown(item.content)
        ext = item.name.rsplit(".", 1)[-1].lower() if "." in item.name else ""
        shown.append({"name": item.name, "size": len(item.content), "text": text,
                      "plain": plain, "entry": item.name == entry,
                      "lang": row.language if plain and ext in extensions else "plaintext"})
    return shown


@bp.get("/<token>/live")
def live(token: str):
    """The live part of the submission's page (state, tests, compile output)."""
    row = _get(token)
    return render_template("_live.html", s=row, **_visible(row))


def _visible(row) -> dict:
    """What the templates show of the tests and the message (``web.access``), and the
    feedback on a problem's tests: the tests whose data the viewer may see that failed or
    wrote to stderr get a section (``detailed``), a wrong answer's with its diff (computed
    for those alone), and a scoring problem's groups."""
    results = services.visible_results(row)
    detailed = {r.index for r, hidden, _ in results
                if row.problem_name and not hidden and (r.verdict != "AC" or r.stderr)}
    diffs = {r.index: feedback.test_diff(row, r, access.is_sample(r))
             for r, _, _ in results if r.index in detailed}
    return {"results": results, "message": services.visible_message(row),
            "detailed": detailed, "diffs": {i: d for i, d in diffs.items() if d},
            "groups": feedback.groups(row)}

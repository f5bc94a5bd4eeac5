"""``/playground``: run a program once with your own stdin; the run shows below the form
(``/playground?s=<id>``), live."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound

from worker.store import submissions
from worker.store.submissions import NewSubmission, NewTest

from .. import access, services
from ..errors import ApiError
from ..schemas import RunLimitsIn
from . import _common, _forms

__all__ = ["bp"]

bp = _common.protect(Blueprint("playground", __name__, url_prefix="/playground"))

EXAMPLE = 'a, b = map(int, input().split())\nprint(a + b)\n'
EXAMPLE_LANGUAGE = "python3"


def _render(sent: _forms.SourceForm | None, run=None, error=None, status: int = 200):
    if sent is None:
        sent = _forms.SourceForm("", EXAMPLE, "20 22\n")
    return render_template("playground.html", source=sent.source, stdin=sent.stdin, run=run,
                           choice=_forms.language_choice(sent, prefer=EXAMPLE_LANGUAGE),
                           error=error), status


@bp.get("")
def index():
    """The form; with ``?s=<id>``, that run (and its source and stdin in the form)."""
    token = request.args.get("s")
    if not token:
        return _render(None)
    run = submissions.get(services.store(), token)
    if run is None or run.problem_name is not None or \
            not access.may_read(access.page_principal(), run):
        raise NotFound("no such run")
    stdin = run.tests[0].stdin.decode("utf-8", "replace") if run.tests else ""
    return _render(_forms.SourceForm(run.language, run.source.decode("utf-8", "replace"),
                                     stdin), run)


@bp.post("")
def run():
    """Queue one run of the form's program on the form's stdin."""
    form = _forms.SourceForm(request.form.get("language", ""), "")
    try:
        form = _forms.read_source_form()
        language = services.resolve_language(form.language)
        _forms.check_source(form)
        if len(form.stdin.encode()) > int(current_app.config["MAX_STDIN_KB"]) * 1024:
            raise ApiError(422, "stdin is too large")
        who = _common.submitter()
        new = NewSubmission(
            language=language.id, source=form.code, files=form.files,
            options={"entry": form.entry} if form.entry and form.files else {},
            tests=(NewTest(stdin=form.stdin.encode(), name="stdin"),),
            token_id=who.token_id, user_id=who.user_id,
            limits=services.native_limits(RunLimitsIn(), language))
        row = services.submit(new)
    except ApiError as exc:
        if exc.status >= 500:
            raise
        return _render(form, error=exc, status=exc.status)
    _forms.remember_language(language)
    _common.remember(row.token)
    return redirect(url_for(".index", s=row.token, _anchor="run"), 303)

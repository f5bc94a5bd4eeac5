"""``/problems``: the list; ``/problems/<name>``: statement, limits, samples and the submit
form (POST there to submit)."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, send_file, url_for
from werkzeug.exceptions import NotFound

from worker.core.sources import ANSWERS
from worker.store.submissions import NewSubmission

from .. import access, services
from ..errors import ApiError
from ..schemas import RunLimitsIn
from . import _common, _data, _forms

__all__ = ["bp", "render_problem", "submit_form"]

bp = _common.protect(Blueprint("problems", __name__, url_prefix="/problems"))


@bp.get("")
def index():
    """Every problem this viewer may see."""
    return render_template("problems.html", problems=services.list_problems(visible=True))


def _answers(problem) -> bool:
    """A submit-answer problem: the form offers answer files besides languages."""
    return "submit-answer" in (problem.info or {}).get("type", "")


def render_problem(problem, sent: _forms.SourceForm | None = None, error=None,
                   status: int = 200, **context):
    """The problem page (``context``: an assignment's, its ``action``, ``label``...);
    ``sent``: the form as it was sent, shown again with its ``error``."""
    text = _data.problem_text(problem)
    limits = services.native_limits(RunLimitsIn(), _forms.any_language(), problem)
    answers = _answers(problem)
    choice = _forms.language_choice(sent)
    if answers and (sent is None or sent.language == ANSWERS):
        choice = _forms.LanguageChoice(ANSWERS, sent is not None, choice.languages)
    return render_template(
        "problem.html", problem=problem, text=text, limits=limits,
        source=sent.source if sent else "", choice=choice, answers=answers,
        entry=sent.entry if sent else "", error=error, **context), status


@bp.get("/<name>")
def show(name: str):
    """The problem page and its submit form."""
    return render_problem(access.require_problem(services.get_problem(name)))


@bp.post("/<name>")
def submit(name: str):
    """Submit the form's source (or uploaded files, or a zip of them; or a submit-answer
    problem's answer files); on to the submission's page."""
    return submit_form(access.require_problem(services.get_problem(name)))


def submit_form(problem, late: bool = False, **context):
    """Store and queue the submit form's program on ``problem`` (in ``context``'s
    ``assignment``, late or not), as the logged-in account or token; the problem page again
    (with ``context``) and the error when it is refused. The "Run on samples" button
    (``run=samples``) judges it on the samples only, as no submission."""
    assignment = context.get("assignment")
    form = _forms.SourceForm(request.form.get("language", ""), "")
    samples_only = request.form.get("run") == "samples"
    try:
        form = _forms.read_source_form()
        answers = form.language == ANSWERS and _answers(problem)
        language = None if answers else services.resolve_language(form.language)
        _forms.check_source(form)
        if samples_only:
            services.require_samples(problem)
        who = _common.submitter()
        new = NewSubmission(
            language=ANSWERS if answers else language.id, source=form.code, files=form.files,
            options={"entry": form.entry} if form.entry and form.files else {},
            problem_id=problem.id, problem_name=problem.name,
            package_sha256=problem.package_sha256, checker="package",
            token_id=who.token_id, user_id=who.user_id,
            assignment_id=assignment.id if assignment is not None else None, late=late,
            limits=services.native_limits(RunLimitsIn(), language, problem),
            samples_only=samples_only)
        row = services.submit(new, problem)
    except ApiError as exc:
        if exc.status >= 500:
            raise
        return render_problem(problem, form, exc, exc.status, **context)
    if language is not None:
        _forms.remember_language(language)
    _common.remember(row.token)
    return redirect(url_for("submissions.show", token=row.token), 303)


@bp.get("/<name>/<filename>")
def statement_file(name: str, filename: str):
    """The package's PDF statement, when it has one."""
    problem = access.require_problem(services.get_problem(name))
    text = _data.problem_text(problem)
    if text.pdf is None or filename != text.pdf:
        raise NotFound("no such statement file")
    root = _data.package_root(problem)
    for folder in _data.STATEMENT_DIRS:
        path = root / folder / filename
        if path.is_file():
            return send_file(path, mimetype="application/pdf")
    current_app.logger.warning("statement %s of %s vanished", filename, name)
    raise NotFound("no such statement file")

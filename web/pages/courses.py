"""Courses and their assignments and contests, on the pages.

- ``/courses``: the courses you are in (all for an admin); instructors and admins make one.
- ``/courses/<name>``: its assignments; to its staff also its members, its join code, and
  forms to add members and to make an assignment.
- ``/a/<name>``: an assignment: its problems, points, times and your standing; its staff
  edit it, see the live scoreboard and export the grades (``/a/<name>/grades.csv``).
- ``/a/<name>/p/<label>``: a problem of it, and the form to submit in it (open from the
  start to the end, then in the late window, marked late; always to its staff).
- ``/a/<name>/scoreboard``: IOI or ICPC, live (``/scoreboard/live`` is the part
  ``live.js`` polls); a contest's is frozen for contestants from its ``freeze_at`` until its
  staff unfreeze it.

Who may see a course or an assignment: its members (an assignment's problems once it has
started) and admins; others get 404. Staff: the course's instructors and admins.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from worker.store import assignments as asg, users
from worker.store.db import Assignment, Course, CourseMember, Problem, User, utcnow

from .. import access, services
from ..errors import ApiError
from . import _common, problems

__all__ = ["bp"]

bp = _common.protect(Blueprint("courses", __name__))


def _store():
    return services.store()


def _course(name: str) -> Course:
    """The course, when the viewer is in it or an admin; 404 otherwise."""
    principal = _common.require_login()
    course = users.get_course(_store(), name)
    if course is None or not (principal.admin or course.id in principal.member):
        raise ApiError(404, "no such course")
    return course


def _staff(course_id: int) -> bool:
    principal = access.page_principal()
    return principal.admin or course_id in principal.staff


def _require_staff(course_id: int) -> access.Principal:
    if not _staff(course_id):
        raise ApiError(403, "Only the course's instructors may do this.")
    return access.page_principal()


@bp.get("/courses")
def index():
    """Your courses (every course for an admin)."""
    principal = _common.require_login()
    query = select(Course).order_by(Course.name)
    if not principal.admin:
        query = query.where(Course.id.in_(principal.member))
    with _store().read() as db:
        rows = list(db.scalars(query).all())
    return render_template("courses.html", courses=rows,
                           may_create=principal.has("problems") and principal.user is not None)


@bp.post("/courses")
def create():
    """A new course, its maker its first instructor."""
    principal = _common.require_login()
    if not principal.has("problems") or principal.user is None:
        raise ApiError(403, "Only instructors and admins make courses.")
    try:
        course = users.create_course(_store(), request.form.get("name", ""),
                                     request.form.get("title", ""), principal.user)
    except users.UserError as exc:
        raise ApiError(422, str(exc)) from None
    return redirect(url_for(".course", name=course.name), 303)


def _members(course: Course) -> list[tuple[User, str]]:
    with _store().read() as db:
        rows = db.execute(select(User, CourseMember.role).join(
            CourseMember, CourseMember.user_id == User.id).where(
            CourseMember.course_id == course.id).order_by(CourseMember.role, User.username)
        ).all()
    return [(user, role) for user, role in rows]


@bp.get("/courses/<name>")
def course(name: str):
    """The course: its assignments; to its staff, its members and its forms."""
    found = _course(name)
    staff = _staff(found.id)
    return render_template(
        "course.html", course=found, staff=staff,
        members=_members(found) if staff else [],
        assignments=asg.assignments_of(_store(), [found.id]), now=utcnow(), phase=asg.phase)


@bp.post("/courses/<name>/members")
def add_members(name: str):
    """Put accounts (usernames, one per line or separated by commas) in the course."""
    found = _course(name)
    _require_staff(found.id)
    names = [n for n in request.form.get("usernames", "").replace(",", "\n").split() if n]
    try:
        missing = users.enroll(_store(), found.name, names,
                               request.form.get("role", "student"))
    except users.UserError as exc:
        raise ApiError(422, str(exc)) from None
    flash(f"Added {len(names) - len(missing)} member(s)."
          + (f" Unknown: {', '.join(missing)}." if missing else ""))
    return redirect(url_for(".course", name=found.name), 303)


# --- assignments ----------------------------------------------------------------------------

def _assignment(name: str) -> tuple[Assignment, bool]:
    """The assignment and whether the viewer is its staff; 404 for those not in its
    course."""
    principal = _common.require_login()
    found = asg.get_assignment(_store(), name)
    if found is None or not (principal.admin or found.course_id in principal.member):
        raise ApiError(404, "no such assignment")
    return found, _staff(found.course_id)


def _when(value: str, field: str, errors: dict) -> dt.datetime | None:
    """A ``datetime-local`` form value (UTC), or ``None`` when empty."""
    if not value.strip():
        return None
    try:
        return dt.datetime.fromisoformat(value.strip()).replace(tzinfo=None, second=0,
                                                                microsecond=0)
    except ValueError:
        errors[field] = "a date and time (YYYY-MM-DDTHH:MM, UTC)"
        return None


def _problem_lines(text: str, errors: dict) -> tuple[tuple[str, str, float], ...]:
    """``LABEL PROBLEM [POINTS]`` per line."""
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        try:
            rows.append((parts[0], parts[1], float(parts[2]) if len(parts) > 2 else 100.0))
        except (IndexError, ValueError):
            errors["problems"] = f"line {number}: LABEL PROBLEM [POINTS]"
    return tuple(rows)


def _spec(course_name: str) -> tuple[asg.AssignmentSpec | None, dict]:
    form, errors = request.form, {}
    starts = _when(form.get("starts_at", ""), "starts_at", errors)
    ends = _when(form.get("ends_at", ""), "ends_at", errors)
    if starts is None:
        errors.setdefault("starts_at", "required")
    if ends is None:
        errors.setdefault("ends_at", "required")
    try:
        factor = float(form.get("late_factor") or 1.0)
    except ValueError:
        errors["late_factor"] = "a number from 0 to 1"
        factor = 1.0
    spec_problems = _problem_lines(form.get("problems", ""), errors)
    if errors:
        return None, errors
    spec = asg.AssignmentSpec(
        name=form.get("name", "").strip().lower(), title=form.get("title", ""),
        course=course_name, starts_at=starts, ends_at=ends, problems=spec_problems,
        kind=form.get("kind", "assignment"), scoring=form.get("scoring", "ioi"),
        late_until=_when(form.get("late_until", ""), "late_until", errors),
        late_factor=factor, freeze_at=_when(form.get("freeze_at", ""), "freeze_at", errors),
        feedback=form.get("feedback", "samples"),
        share_after_end=bool(form.get("share_after_end")))
    errors.update(spec.errors())
    return (None if errors else spec), errors


def _form_values(found: Assignment | None) -> dict:
    if request.method == "POST":
        return request.form.to_dict()
    if found is None:
        start = utcnow().replace(second=0, microsecond=0) + dt.timedelta(hours=1)
        return {"starts_at": start.isoformat(timespec="minutes"),
                "ends_at": (start + dt.timedelta(days=7)).isoformat(timespec="minutes"),
                "late_factor": "1", "problems": ""}
    with _store().read() as db:
        names = {p.id: p.name for p in db.scalars(select(Problem).where(Problem.id.in_(
            [ap.problem_id for ap in found.problems]))).all()}

    def when(value):
        return value.isoformat(timespec="minutes") if value else ""
    return {"name": found.name, "title": found.title, "kind": found.kind,
            "scoring": found.scoring, "starts_at": when(found.starts_at),
            "ends_at": when(found.ends_at), "late_until": when(found.late_until),
            "late_factor": f"{found.late_factor:g}", "freeze_at": when(found.freeze_at),
            "feedback": found.feedback, "share_after_end": found.share_after_end,
            "problems": "\n".join(f"{p.label} {names.get(p.problem_id, '?')} {p.points:g}"
                                  for p in found.problems)}


def _edit_page(course: Course, found: Assignment | None, errors: dict | None = None,
               status: int = 200):
    return render_template("assignment_form.html", course=course, assignment=found,
                           values=_form_values(found), errors=errors or {},
                           problems=services.list_problems(visible=True)), status


@bp.route("/courses/<name>/assignments/new", methods=("GET", "POST"))
def new_assignment(name: str):
    """Make an assignment or a contest in the course (its staff)."""
    found = _course(name)
    principal = _require_staff(found.id)
    if request.method == "GET":
        return _edit_page(found, None)
    spec, errors = _spec(found.name)
    if spec is not None:
        try:
            made = asg.save_assignment(_store(), spec, principal.user_id)
            return redirect(url_for(".assignment", name=made.name), 303)
        except asg.AssignmentError as exc:
            errors = {"form": str(exc)}
    return _edit_page(found, None, errors, 422)


@bp.route("/a/<name>/edit", methods=("GET", "POST"))
def edit_assignment(name: str):
    """Change an assignment (its staff)."""
    found, staff = _assignment(name)
    if not staff:
        raise ApiError(403, "Only the course's instructors may do this.")
    with _store().read() as db:
        course_row = db.get(Course, found.course_id)
    if request.method == "GET":
        return _edit_page(course_row, found)
    spec, errors = _spec(course_row.name)
    if spec is not None:
        try:
            saved = asg.save_assignment(_store(), spec, existing=found.name)
            flash("Saved.")
            return redirect(url_for(".assignment", name=saved.name), 303)
        except asg.AssignmentError as exc:
            errors = {"form": str(exc)}
    return _edit_page(course_row, found, errors, 422)


def _problem_rows(found: Assignment) -> list[tuple[object, Problem]]:
    with _store().read() as db:
        by_id = {p.id: p for p in db.scalars(select(Problem).where(Problem.id.in_(
            [ap.problem_id for ap in found.problems]))).all()}
    return [(ap, by_id[ap.problem_id]) for ap in found.problems if ap.problem_id in by_id]


def _mine(found: Assignment) -> dict[str, object]:
    """The viewer's own cells (by label), when the viewer is a student of the course."""
    principal = access.page_principal()
    if principal.user is None:
        return {}
    rows = asg.scoreboard(_store(), found, frozen=False)
    return next((r.cells for r in rows if r.user.id == principal.user_id), {})


@bp.get("/a/<name>")
def assignment(name: str):
    """The assignment: times, problems (once started), your standing."""
    found, staff = _assignment(name)
    stage = asg.phase(found)
    with _store().read() as db:
        course_row = db.get(Course, found.course_id)
    return render_template(
        "assignment.html", a=found, course=course_row, staff=staff, phase=stage,
        problems=_problem_rows(found) if staff or stage != "upcoming" else [],
        mine=_mine(found))


def _assignment_problem(name: str, label: str):
    found, staff = _assignment(name)
    if not staff and asg.phase(found) == "upcoming":
        raise ApiError(404, "no such problem (yet)")
    for ap, problem in _problem_rows(found):
        if ap.label == label:
            return found, staff, ap, problem
    raise ApiError(404, "no such problem")


def _context(found: Assignment, ap) -> dict:
    return {"assignment": found, "label": ap.label, "points": ap.points,
            "action": url_for(".submit", name=found.name, label=ap.label)}


@bp.get("/a/<name>/p/<label>")
def problem(name: str, label: str):
    """A problem of the assignment, with the form to submit in it."""
    found, _staff_, ap, row = _assignment_problem(name, label)
    return problems.render_problem(row, **_context(found, ap))


@bp.post("/a/<name>/p/<label>")
def submit(name: str, label: str):
    """Submit in the assignment: while it is open, then marked late in its late window;
    its staff at any time."""
    found, staff, ap, row = _assignment_problem(name, label)
    stage = asg.phase(found)
    if not staff and stage not in ("open", "late"):
        raise ApiError(403, f"This {found.kind} is {stage}: no more submissions.")
    return problems.submit_form(row, late=stage == "late" and not staff,
                                **_context(found, ap))


def _frozen(found: Assignment, staff: bool) -> bool:
    return not staff and found.freeze_at is not None and utcnow() >= found.freeze_at


def _board(name: str) -> dict:
    found, staff = _assignment(name)
    if not staff and asg.phase(found) == "upcoming":
        raise ApiError(404, "no scoreboard yet")
    frozen = _frozen(found, staff)
    return {"a": found, "staff": staff, "frozen": frozen,
            "rows": asg.scoreboard(_store(), found, frozen=frozen),
            "labels": [(p.label, p.points) for p in found.problems],
            "done": asg.phase(found) == "closed" and not frozen,
            "viewer_id": access.page_principal().user_id}


@bp.get("/a/<name>/scoreboard")
def scoreboard(name: str):
    """The scoreboard, live."""
    return render_template("scoreboard.html", **_board(name))


@bp.get("/a/<name>/scoreboard/live")
def scoreboard_live(name: str):
    """The part of the scoreboard ``live.js`` polls."""
    return render_template("_scoreboard.html", **_board(name))


@bp.post("/a/<name>/unfreeze")
def unfreeze(name: str):
    """Show the contest's final results to everyone (its staff)."""
    found, staff = _assignment(name)
    if not staff:
        raise ApiError(403, "Only the course's instructors may do this.")
    with _store().write() as db:
        db.get(Assignment, found.id).freeze_at = None
    flash("The scoreboard is unfrozen.")
    return redirect(url_for(".scoreboard", name=found.name), 303)


@bp.get("/a/<name>/grades.csv")
def grades(name: str):
    """The grades, a row per student (its staff)."""
    found, staff = _assignment(name)
    if not staff:
        raise ApiError(403, "Only the course's instructors may do this.")
    return Response(asg.grades_csv(_store(), found), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=grades-{found.name}.csv"})

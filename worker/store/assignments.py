"""Assignments and contests of a course: create and change them, say whether one is open,
compute its scoreboard and its grades. Plain functions over the store.

Scoreboards count each student's finished, scored submissions of the assignment (a run on
the samples never counts, nor does a judge error):

- ``ioi``: per problem, the best score any submission got (a pass-fail problem's AC is its
  whole score), as a share of the problem's ``points``; a late submission's share times
  ``late_factor``. Ranked by the total.
- ``icpc``: per problem, solved or not; the penalty of a solved problem is the minutes from
  the start to its first AC plus 20 per rejected try before it (compile errors are not
  tries). Ranked by problems solved, then by the penalty. Late submissions do not count.

A contest's scoreboard is frozen from ``freeze_at`` for contestants: submissions made from
then on show as pending (the tries count, their results do not) until the staff unfreezes
it (``freeze_at`` cleared). Staff always see the live board. Grades are the IOI points,
whatever the scoring.

Errors: :class:`AssignmentError`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from worker.core.spreadsheet import write_csv

from .database import Store
from .db import (DONE, Assignment, AssignmentProblem, Course, CourseMember, Problem, Submission,
                 User, utcnow)

__all__ = ["AssignmentError", "AssignmentSpec", "save_assignment", "get_assignment",
           "assignments_of", "phase", "Cell", "Row", "scoreboard", "grades_csv",
           "SCORING", "KINDS", "PENALTY_MINUTES"]

SCORING = ("ioi", "icpc")
KINDS = ("assignment", "contest")
PENALTY_MINUTES = 20
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
_LABEL = re.compile(r"^[A-Za-z0-9]{1,10}$")


class AssignmentError(Exception):
    """An assignment could not be saved (what and why in the message)."""


@dataclass(frozen=True)
class AssignmentSpec:
    """What an instructor sets: times are naive UTC; ``problems`` is ``(label, problem
    name, points)`` in order."""

    name: str
    title: str
    course: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    problems: tuple[tuple[str, str, float], ...]
    kind: str = "assignment"
    scoring: str = "ioi"
    late_until: dt.datetime | None = None
    late_factor: float = 1.0
    freeze_at: dt.datetime | None = None
    feedback: str = "samples"
    share_after_end: bool = False

    def errors(self) -> dict[str, str]:
        """What is wrong, by field (empty: nothing)."""
        wrong: dict[str, str] = {}
        if not _NAME.match(self.name):
            wrong["name"] = "lowercase letters, digits, '-' and '_' (at most 100)"
        if not self.title.strip() or len(self.title) > 300:
            wrong["title"] = "1 to 300 characters"
        if self.ends_at <= self.starts_at:
            wrong["ends_at"] = "after the start"
        if self.late_until is not None and self.late_until < self.ends_at:
            wrong["late_until"] = "at or after the end"
        if not 0.0 <= self.late_factor <= 1.0:
            wrong["late_factor"] = "from 0 to 1"
        if self.freeze_at is not None and not self.starts_at <= self.freeze_at <= self.ends_at:
            wrong["freeze_at"] = "between the start and the end"
        if self.kind not in KINDS:
            wrong["kind"] = f"one of {', '.join(KINDS)}"
        if self.scoring not in SCORING:
            wrong["scoring"] = f"one of {', '.join(SCORING)}"
        if self.feedback not in ("samples", "all"):
            wrong["feedback"] = "samples or all"
        labels = [label for label, _, _ in self.problems]
        if not self.problems:
            wrong["problems"] = "at least one problem"
        elif len(set(labels)) != len(labels) or not all(_LABEL.match(lb) for lb in labels):
            wrong["problems"] = "each with its own label (letters and digits, at most 10)"
        elif any(not 0 < points <= 100000 for _, _, points in self.problems):
            wrong["problems"] = "points from 0 (excluded) to 100000"
        return wrong


def save_assignment(store: Store, spec: AssignmentSpec, created_by: int | None = None,
                    existing: str | None = None) -> Assignment:
    """Create the assignment (or change ``existing``, by name) from ``spec``."""
    wrong = spec.errors()
    if wrong:
        raise AssignmentError("; ".join(f"{k}: {v}" for k, v in wrong.items()))
    with store.write() as session:
        course = session.scalars(select(Course).where(Course.name == spec.course)).first()
        if course is None:
            raise AssignmentError(f"no course named {spec.course!r}")
        problems = {p.name: p for p in session.scalars(select(Problem).where(
            Problem.name.in_([name for _, name, _ in spec.problems]))).all()}
        unknown = [name for _, name, _ in spec.problems if name not in problems]
        if unknown:
            raise AssignmentError(f"no problem named {', '.join(unknown)}")
        clash = session.scalars(select(Assignment).where(Assignment.name == spec.name)).first()
        if clash is not None and clash.name != existing:
            raise AssignmentError(f"an assignment named {spec.name!r} exists already")
        row = session.scalars(select(Assignment).where(Assignment.name == existing)).first() \
            if existing else None
        values = dict(name=spec.name, title=spec.title.strip(), course_id=course.id,
                      kind=spec.kind, scoring=spec.scoring, starts_at=spec.starts_at,
                      ends_at=spec.ends_at, late_until=spec.late_until,
                      late_factor=spec.late_factor, freeze_at=spec.freeze_at,
                      feedback=spec.feedback, share_after_end=spec.share_after_end)
        if row is None:
            row = Assignment(created_by=created_by, created_at=utcnow(), **values)
            session.add(row)
        else:
            for key, value in values.items():
                setattr(row, key, value)
            row.problems.clear()  # the old rows go first: labels are unique
            session.flush()
        row.problems = [AssignmentProblem(problem_id=problems[name].id, label=label,
                                          points=float(points), position=i)
                        for i, (label, name, points) in enumerate(spec.problems)]
    return get_assignment(store, spec.name)


def get_assignment(store: Store, name: str) -> Assignment | None:
    """The assignment named ``name`` (with its problems), or ``None``."""
    with store.read() as session:
        return session.scalars(select(Assignment).where(Assignment.name == name)).first()


def assignments_of(store: Store, course_ids: Iterable[int] | None) -> list[Assignment]:
    """The assignments of these courses (``None``: all), the latest start first."""
    query = select(Assignment).order_by(Assignment.starts_at.desc(), Assignment.name)
    if course_ids is not None:
        query = query.where(Assignment.course_id.in_(list(course_ids)))
    with store.read() as session:
        return list(session.scalars(query).all())


def phase(assignment: Assignment, now: dt.datetime | None = None) -> str:
    """``upcoming``, ``open``, ``late`` (after the end, in the late window) or ``closed``."""
    now = now or utcnow()
    if now < assignment.starts_at:
        return "upcoming"
    if now < assignment.ends_at:
        return "open"
    if assignment.late_until is not None and now < assignment.late_until:
        return "late"
    return "closed"


@dataclass
class Cell:
    """One student's standing on one problem: ``points`` (IOI: the best share of the
    problem's points; ICPC: the problem's points when solved), ``solved``, ``tries`` (scored
    submissions before the first AC; every one when unsolved), ``pending`` (frozen or not
    judged yet), ``minutes`` of the first AC (ICPC), ``late`` (the best came late)."""

    points: float = 0.0
    solved: bool = False
    tries: int = 0
    pending: int = 0
    minutes: int | None = None
    late: bool = False


@dataclass
class Row:
    """One student's line: rank (ties share it), total points, solved, penalty, cells."""

    user: User
    cells: dict[str, Cell] = field(default_factory=dict)
    rank: int = 0

    @property
    def total(self) -> float:
        """The sum of the cells' points."""
        return round(sum(c.points for c in self.cells.values()), 6)

    @property
    def solved(self) -> int:
        """How many problems are solved."""
        return sum(c.solved for c in self.cells.values())

    @property
    def penalty(self) -> int:
        """ICPC penalty minutes over the solved problems."""
        return sum((c.minutes or 0) + PENALTY_MINUTES * c.tries
                   for c in self.cells.values() if c.solved)


def _students(session, assignment: Assignment) -> list[User]:
    return list(session.scalars(select(User).join(
        CourseMember, CourseMember.user_id == User.id).where(
        CourseMember.course_id == assignment.course_id,
        CourseMember.role == "student").order_by(User.username)).all())


def _share(row: Submission) -> float:
    if row.verdict == "AC" and not row.max_score:
        return 1.0
    if row.max_score:
        return max(0.0, min(1.0, (row.score or 0.0) / row.max_score))
    return 1.0 if row.verdict == "AC" else 0.0


def _count(cell: Cell, row: Submission, points: float, assignment: Assignment,
           frozen_from: dt.datetime | None, icpc: bool) -> None:
    if icpc and row.late:
        return
    if cell.solved and icpc:
        return
    if row.state != DONE or (frozen_from is not None and row.created_at >= frozen_from):
        cell.pending += 1
        return
    if row.verdict in ("SE", None) or (icpc and row.verdict == "CE"):
        return
    if icpc:
        if row.verdict == "AC":
            cell.solved, cell.points = True, points
            cell.minutes = int((row.created_at - assignment.starts_at).total_seconds() // 60)
        else:
            cell.tries += 1
        return
    share = _share(row) * (assignment.late_factor if row.late else 1.0)
    cell.tries += 1
    if share * points > cell.points:
        cell.points, cell.late = round(share * points, 6), row.late
    cell.solved = cell.solved or row.verdict == "AC"


def scoreboard(store: Store, assignment: Assignment, frozen: bool = False,
               scoring: str | None = None) -> list[Row]:
    """The ranked rows of the course's students (``frozen``: as contestants see a contest
    from its ``freeze_at``), by the assignment's scoring or ``scoring``."""
    scoring = scoring or assignment.scoring
    labels = {p.problem_id: (p.label, p.points) for p in assignment.problems}
    frozen_from = assignment.freeze_at if frozen else None
    with store.read() as session:
        rows = {user.id: Row(user, {label: Cell() for label, _ in labels.values()})
                for user in _students(session, assignment)}
        found = session.scalars(
            select(Submission).options(lazyload(Submission.results),
                                       lazyload(Submission.tests))
            .where(Submission.assignment_id == assignment.id,
                   Submission.samples_only.is_(False), Submission.user_id.in_(list(rows)),
                   Submission.rejudge_of.is_(None))
            .order_by(Submission.created_at, Submission.id)).all()
    for sub in found:
        if sub.problem_id in labels:
            label, points = labels[sub.problem_id]
            _count(rows[sub.user_id].cells[label], sub, points, assignment, frozen_from,
                   scoring == "icpc")
    return _ranked(list(rows.values()), scoring)


def _ranked(rows: list[Row], scoring: str) -> list[Row]:
    def key(row: Row):
        return (-row.solved, row.penalty) if scoring == "icpc" else (-row.total,)
    rows.sort(key=lambda r: (key(r), r.user.username))
    for i, row in enumerate(rows):
        row.rank = rows[i - 1].rank if i and key(rows[i - 1]) == key(row) else i + 1
    return rows


def grades_csv(store: Store, assignment: Assignment) -> str:
    """The grades: a row per student (username, name, email, each problem's points, total,
    how many problems' best came late), IOI points whatever the scoring, unfrozen."""
    graded = scoreboard(store, assignment, scoring="ioi")
    labels = [p.label for p in assignment.problems]
    rows = [{"username": r.user.username, "name": r.user.name, "email": r.user.email,
             **{label: f"{r.cells[label].points:g}" for label in labels},
             "total": f"{r.total:g}",
             "late": str(sum(c.late for c in r.cells.values()))} for r in graded]
    return write_csv(["username", "name", "email", *labels, "total", "late"],
                     sorted(rows, key=lambda r: r["username"]))


"""Assignments' scoreboards and grades (``worker.store.assignments``) on a real store: IOI (best
score per problem, late submissions at their factor) and ICPC (solved, penalty minutes,
compile errors not counted, a frozen board), computed from submissions as the workers leave
them; and the class lists (``worker.store.users``)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from worker.core.spreadsheet import read_csv
from worker.store import Store, assignments as asg, users
from worker.store.db import DONE, QUEUED, Package, Problem, Submission

START = dt.datetime(2026, 12, 1, 9, 0)


@pytest.fixture
def store(tmp_path) -> Store:
    made = Store(f"sqlite:///{tmp_path}/judgebox.sqlite3")
    made.migrate()
    with made.write() as session:
        session.add(Package(sha256="0" * 64, size=0, data=b""))
        session.flush()
        session.add(Problem(name="a", title="A", package_sha256="0" * 64, info={}))
        session.add(Problem(name="b", title="B", package_sha256="0" * 64,
                            info={"type": "scoring"}))
    return made


@pytest.fixture
def course(store):
    """Course cs1 with students s1 to s3 and an instructor; another course's student."""
    users.create_course(store, "cs1", "CS 1")
    users.create_course(store, "cs2", "CS 2")
    users.import_users(store, "username,name,email,role\n" + "\n".join(
        f"s{i},Student {i},s{i}@x.org,student" for i in (1, 2, 3)) +
        "\nteach,Teacher,t@x.org,instructor\n", course="cs1")
    users.import_users(store, "username,name,email,role\nother,O,o@x.org,student\n",
                       course="cs2")
    return "cs1"


def _assignment(store, scoring: str, **extra) -> object:
    spec = asg.AssignmentSpec(
        name=f"hw-{scoring}", title="Homework", course="cs1", starts_at=START,
        ends_at=START + dt.timedelta(hours=2), problems=(("A", "a", 100.0), ("B", "b", 50.0)),
        scoring=scoring, **extra)
    return asg.save_assignment(store, spec)


def _submit(store, assignment, username: str, problem: str, minute: int, verdict: str,
            score: float | None = None, max_score: float | None = None, late: bool = False,
            state: str = DONE, samples_only: bool = False) -> None:
    user = users.get_user(store, username)
    with store.write() as session:
        found = session.query(Problem).filter_by(name=problem).one()
        session.add(Submission(
            token=str(uuid.uuid4()), language="c", source=b"", problem_id=found.id,
            problem_name=problem, user_id=user.id, assignment_id=assignment.id, late=late,
            samples_only=samples_only, state=state, verdict=verdict if state == DONE else None,
            score=score, max_score=max_score,
            created_at=START + dt.timedelta(minutes=minute)))


def test_ioi_takes_each_problems_best_and_late_at_its_factor(store, course):
    a = _assignment(store, "ioi", late_until=START + dt.timedelta(hours=3), late_factor=0.5)
    _submit(store, a, "s1", "a", 5, "WA", 0.0, 1.0)
    _submit(store, a, "s1", "a", 9, "AC", 1.0, 1.0)
    _submit(store, a, "s1", "b", 10, "WA", 40.0, 100.0)
    _submit(store, a, "s1", "b", 11, "WA", 10.0, 100.0)   # worse: the best stays
    _submit(store, a, "s2", "a", 130, "AC", 1.0, 1.0, late=True)
    _submit(store, a, "s2", "b", 20, "SE")                  # a judge error never counts
    _submit(store, a, "s2", "b", 21, "AC", 100.0, 100.0, samples_only=True)  # nor a run
    _submit(store, a, "s3", "a", 30, None, state=QUEUED)    # not judged yet: pending
    _submit(store, a, "other", "a", 3, "AC", 1.0, 1.0)      # another course's student
    rows = asg.scoreboard(store, a)
    by = {r.user.username: r for r in rows}
    assert [(r.user.username, r.rank, r.total) for r in rows] == [
        ("s1", 1, 120.0), ("s2", 2, 50.0), ("s3", 3, 0.0)]
    assert by["s1"].cells["B"].points == 20.0 and by["s1"].cells["B"].tries == 2
    assert by["s2"].cells["A"].late and by["s2"].cells["B"].tries == 0
    assert by["s3"].cells["A"].pending == 1
    grades = read_csv(asg.grades_csv(store, a))
    assert grades == [
        {"username": "s1", "name": "Student 1", "email": "s1@x.org", "A": "100", "B": "20",
         "total": "120", "late": "0"},
        {"username": "s2", "name": "Student 2", "email": "s2@x.org", "A": "50", "B": "0",
         "total": "50", "late": "1"},
        {"username": "s3", "name": "Student 3", "email": "s3@x.org", "A": "0", "B": "0",
         "total": "0", "late": "0"}]


def test_icpc_counts_solved_then_penalty_and_freezes(store, course):
    a = _assignment(store, "icpc", kind="contest", freeze_at=START + dt.timedelta(minutes=40))
    _submit(store, a, "s1", "a", 10, "WA")
    _submit(store, a, "s1", "a", 12, "CE")   # not a try
    _submit(store, a, "s1", "a", 30, "AC")
    _submit(store, a, "s1", "a", 35, "WA")   # after the solve: ignored
    _submit(store, a, "s2", "a", 5, "AC")
    _submit(store, a, "s2", "b", 50, "AC", 100.0, 100.0)
    _submit(store, a, "s3", "b", 45, "WA")
    rows = asg.scoreboard(store, a)
    by = {r.user.username: r for r in rows}
    assert [(r.user.username, r.rank, r.solved, r.penalty) for r in rows] == [
        ("s2", 1, 2, 55), ("s1", 2, 1, 50), ("s3", 3, 0, 0)]
    assert (by["s1"].cells["A"].tries, by["s1"].cells["A"].minutes) == (1, 30)
    frozen = {r.user.username: r for r in asg.scoreboard(store, a, frozen=True)}
    assert frozen["s2"].solved == 1 and frozen["s2"].cells["B"].pending == 1
    assert frozen["s3"].cells["B"].pending == 1 and frozen["s3"].cells["B"].tries == 0
    # grades are points, whatever the scoreboard: s2 solved A (100) and B (50)
    assert {r["username"]: r["total"] for r in read_csv(asg.grades_csv(store, a))} == {
        "s1": "100", "s2": "150", "s3": "0"}


def test_ties_share_a_rank(store, course):
    a = _assignment(store, "ioi")
    _submit(store, a, "s1", "a", 5, "AC", 1.0, 1.0)
    _submit(store, a, "s3", "a", 6, "AC", 1.0, 1.0)
    assert [(r.user.username, r.rank) for r in asg.scoreboard(store, a)] == [
        ("s1", 1), ("s3", 1), ("s2", 3)]


@pytest.mark.parametrize("change, field", [
    ({"ends_at": START}, "ends_at"), ({"name": "Bad Name"}, "name"),
    ({"problems": (("A", "a", 1.0), ("A", "b", 1.0))}, "problems"),
    ({"late_factor": 2.0}, "late_factor"), ({"scoring": "acm"}, "scoring"),
    ({"freeze_at": START - dt.timedelta(minutes=1)}, "freeze_at")])
def test_a_bad_assignment_is_refused_naming_the_field(store, course, change, field):
    values = dict(name="hw", title="Homework", course="cs1", starts_at=START,
                  ends_at=START + dt.timedelta(hours=1), problems=(("A", "a", 100.0),))
    spec = asg.AssignmentSpec(**{**values, **change})
    assert field in spec.errors()
    with pytest.raises(asg.AssignmentError, match=field):
        asg.save_assignment(store, spec)


def test_phases(store, course):
    a = _assignment(store, "ioi", late_until=START + dt.timedelta(hours=3))
    assert [asg.phase(a, START + dt.timedelta(minutes=m)) for m in (-1, 0, 119, 120, 179,
                                                                     180)] == [
        "upcoming", "open", "open", "late", "late", "closed"]


def test_a_class_list_creates_updates_and_refuses_whole(store, course):
    done = users.import_users(store, "username,name,email,role,password\n"
                                     "s1,Renamed,new@x.org,student,\n"
                                     "newbie,New,n@x.org,student,a-chosen-pw\n"
                                     "gen,Gen,g@x.org,instructor,\n")
    assert done.updated == ["s1"]
    assert [name for name, _ in done.created] == ["newbie", "gen"]
    assert dict(done.created)["newbie"] == "" and len(dict(done.created)["gen"]) >= 12
    assert users.check_login(store, "newbie", "a-chosen-pw") is not None
    assert users.check_login(store, "gen", dict(done.created)["gen"]).role == "instructor"
    assert users.get_user(store, "s1").name == "Renamed"
    for bad, message in (("username,name\nx,y\n", "columns"),
                         ("username,name,email,role\nBad Name,x,y,student\n", "line 2"),
                         ("username,name,email,role\nok,x,y,king\n", "bad role"),
                         ("username,name,email,role\nq,x,y,student\nq,x,y,student\n",
                          "twice"),
                         ("username,name,email,role,password\nz,x,y,student,short\n",
                          "8 to 200")):
        with pytest.raises(users.UserError, match=message):
            users.import_users(store, bad)
    assert users.get_user(store, "q") is None and users.get_user(store, "ok") is None


def test_a_login_is_refused_alike_for_a_wrong_password_an_unknown_user_a_locked_account(
        store, course):
    _, password = users.create_user(store, "alice", "student")
    assert users.check_login(store, "alice", password).username == "alice"
    assert users.check_login(store, "ALICE ", password).username == "alice"
    assert users.check_login(store, "alice", password + "x") is None
    assert users.check_login(store, "nobody", password) is None
    users.set_disabled(store, "alice")
    assert users.check_login(store, "alice", password) is None
    stored = users.get_user(store, "alice").password_hash
    assert stored.startswith("scrypt:") and password not in stored

"""Who may see and do what with accounts (issue 20): every page of accounts, courses and
assignments, and the submissions and problems they make private, walked as a stranger, a
student of the course, a classmate, a student of another course, the course's instructor and
an admin (on the pages logged in with their passwords; on the APIs with a token of their
account). ``test_access.py`` walks the other routes as token holders; together the two
tables cover every route of the app.

The world: the instructor uploads A+B as a private problem and makes course cs1 with an
assignment hw1 (started an hour ago, open for another) holding it; the student's submission
in hw1 is judged (stored as a worker would) with a hidden test's data; the classmate has
one too.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

import _jbstack_for_web as jbstack  # loaded by conftest.py
import pytest
from test_access import SECRETS, Row, _judged, _result, csrf

from worker.store import assignments, submissions, users
from worker.store.db import utcnow
from worker.store.tokens import create_token

PRINCIPALS = ("stranger", "student", "classmate", "outsider", "teacher", "admin")
ACCOUNTS = {"student": ("s1", "student"), "classmate": ("s2", "student"),
            "outsider": ("out", "student"), "teacher": ("teach", "instructor"),
            "admin": ("root", "admin")}
GENEROUS = {"RATELIMIT_SUBMIT": "100000/minute", "RATELIMIT_SUBMIT_ANONYMOUS": "100000/minute",
            "RATELIMIT_DEFAULT": "100000/minute", "RATELIMIT_LOGIN": "100000/minute"}


def by(*expected) -> dict:
    return dict(zip(PRINCIPALS, expected))


def every(status: int) -> dict:
    return {p: status for p in PRINCIPALS}


@dataclass
class World:
    app: object
    passwords: dict[str, str]
    tokens: dict[str, str]
    ids: dict[str, str]
    logged_in: dict = None

    def client(self, principal: str, page: bool = True):
        """A client acting as ``principal`` (one log-in per principal and test: a password
        check costs a scrypt)."""
        if self.logged_in is None:
            self.logged_in = {}
        if (principal, page) not in self.logged_in:
            self.logged_in[(principal, page)] = self._new_client(principal, page)
        return self.logged_in[(principal, page)]

    def _new_client(self, principal: str, page: bool):
        client = self.app.test_client()
        if principal == "stranger":
            return client
        username = ACCOUNTS[principal][0]
        if page:
            login = client.post("/login", data={"csrf_token": csrf(client, "/login"),
                                                "username": username,
                                                "password": self.passwords[username]})
            assert login.status_code == 303, login.get_data(as_text=True)
        else:
            client.environ_base["HTTP_X_AUTH_TOKEN"] = self.tokens[username]
        return client


@pytest.fixture
def world(make_app) -> World:
    app = make_app(**GENEROUS)
    store = app.extensions["judgebox_store"]
    passwords, tokens = {}, {}
    for username, role in ACCOUNTS.values():
        user, passwords[username] = users.create_user(store, username, role)
        scope = {"student": "submit", "instructor": "problems", "admin": "admin"}[role]
        tokens[username] = create_token(store, f"{username}-token", scopes=[scope],
                                        user_id=user.id)[1]
    client = app.test_client()
    upload = client.post("/api/v1/problems", headers={"X-Auth-Token": tokens["teach"]},
                         data={"package": (io.BytesIO(jbstack.example_zip("aplusb")),
                                           "aplusb.zip"), "visibility": "private"},
                         content_type="multipart/form-data")
    assert upload.status_code == 201, upload.json
    users.create_course(store, "cs1", "CS 1", users.get_user(store, "teach"))
    users.create_course(store, "cs2", "CS 2")
    users.enroll(store, "cs1", ["s1", "s2"])
    users.enroll(store, "cs2", ["out"])
    now = utcnow().replace(microsecond=0)
    assignments.save_assignment(store, assignments.AssignmentSpec(
        name="hw1", title="Homework 1", course="cs1", starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=1), problems=(("A", "aplusb", 100.0),)))
    ids = {}
    for key, username in (("P1", "s1"), ("P2", "s2")):
        answer = client.post("/api/v1/submissions", headers={
            "X-Auth-Token": tokens[username]}, json={
            "language": "python3", "problem": "aplusb", "assignment": "hw1",
            "source": "print(input())"})
        assert answer.status_code == 202, answer.json
        ids[key] = answer.json["id"]
    from test_access import SECRET_ANSWER, SECRET_INPUT, SECRET_NAME
    _judged(store, ids["P1"], "WA", [
        _result(1, "sample/1", "sample", "AC", "sample-message", b"3"),
        _result(2, f"secret/{SECRET_NAME}", "secret", "WA",
                f'Judge: "{SECRET_ANSWER}" User: "{SECRET_INPUT}"', SECRET_INPUT.encode())])
    return World(app, passwords, tokens, ids)


def private_hidden(response, _world) -> bool:
    """200, the submission, but nothing of its hidden test."""
    text = response.get_data(as_text=True)
    return response.status_code == 200 and not any(s in text for s in SECRETS)


def private_shown(response, _world) -> bool:
    """200, with the hidden test's name (its course's staff, admins)."""
    return response.status_code == 200 and SECRETS[2] in response.get_data(as_text=True)


def lists_problem(response, _world) -> bool:
    return response.status_code == 200 and "aplusb" in response.get_data(as_text=True)


def hides_problem(response, _world) -> bool:
    return response.status_code == 200 and "aplusb" not in response.get_data(as_text=True)


def _new_assignment() -> dict:
    now = utcnow()
    return {"data": {"name": "hw2", "title": "Homework 2", "kind": "contest",
                     "scoring": "icpc", "feedback": "samples", "late_factor": "1",
                     "starts_at": now.isoformat(timespec="minutes"),
                     "ends_at": (now + dt.timedelta(hours=2)).isoformat(timespec="minutes"),
                     "problems": "A aplusb 1"}}


def _edit() -> dict:
    body = _new_assignment()
    body["data"]["name"] = "hw1"
    return body


CSV = "username,name,email,role\nnew1,New,n@x.org,student\n"
TABLE: list[Row] = [
    Row("GET", "/login", "/login", every(200), page=True),
    Row("GET", "/signup", "/signup", every(404), page=True),  # SIGNUP closed by default
    Row("POST", "/signup", "/signup", every(404), page=True, body=lambda: {"data": {}}),
    Row("GET", "/account", "/account", by(303, 200, 200, 200, 200, 200), page=True),
    Row("POST", "/account/password", "/account/password", by(403, 422, 422, 422, 422, 422),
        page=True, body=lambda: {"data": {"current": "wrong-one", "password": "x" * 9,
                                          "password2": "x" * 9}}),
    Row("GET", "/courses", "/courses", by(303, 200, 200, 200, 200, 200), page=True),
    Row("POST", "/courses", "/courses", by(403, 403, 403, 403, 303, 303), page=True,
        body=lambda: {"data": {"name": "cs9", "title": "CS 9"}}),
    Row("GET", "/courses/<name>", "/courses/cs1", by(303, 200, 200, 404, 200, 200),
        page=True),
    Row("POST", "/courses/<name>/members", "/courses/cs1/members",
        by(403, 403, 403, 404, 303, 303), page=True,
        body=lambda: {"data": {"usernames": "out", "role": "student"}}),
    Row("GET", "/courses/<name>/assignments/new", "/courses/cs1/assignments/new",
        by(303, 403, 403, 404, 200, 200), page=True),
    Row("POST", "/courses/<name>/assignments/new", "/courses/cs1/assignments/new",
        by(403, 403, 403, 404, 303, 303), page=True, body=_new_assignment),
    Row("GET", "/a/<name>", "/a/hw1", by(303, 200, 200, 404, 200, 200), page=True),
    Row("GET", "/a/<name>/p/<label>", "/a/hw1/p/A", by(303, 200, 200, 404, 200, 200),
        page=True),
    Row("POST", "/a/<name>/p/<label>", "/a/hw1/p/A", by(403, 303, 303, 404, 303, 303),
        page=True, body=lambda: {"data": {"language": "python3", "source": "print(1)"}}),
    Row("GET", "/a/<name>/scoreboard", "/a/hw1/scoreboard", by(303, 200, 200, 404, 200, 200),
        page=True),
    Row("GET", "/a/<name>/scoreboard/live", "/a/hw1/scoreboard/live",
        by(303, 200, 200, 404, 200, 200), page=True),
    Row("GET", "/a/<name>/grades.csv", "/a/hw1/grades.csv", by(303, 403, 403, 404, 200, 200),
        page=True),
    Row("GET", "/a/<name>/edit", "/a/hw1/edit", by(303, 403, 403, 404, 200, 200), page=True),
    Row("POST", "/a/<name>/edit", "/a/hw1/edit", by(403, 403, 403, 404, 303, 303), page=True,
        body=_edit),
    Row("POST", "/a/<name>/unfreeze", "/a/hw1/unfreeze", by(403, 403, 403, 404, 303, 303),
        page=True, body=lambda: {"data": {}}),
    Row("GET", "/admin/users", "/admin/users", by(303, 403, 403, 403, 403, 200), page=True),
    Row("POST", "/admin/users/import", "/admin/users/import", by(403, 403, 403, 403, 403, 200),
        page=True, body=lambda: {"data": {"csv": CSV}}),
    Row("POST", "/admin/users/new", "/admin/users/new", by(403, 403, 403, 403, 403, 200),
        page=True, body=lambda: {"data": {"username": "made1", "role": "student"}}),
    Row("POST", "/admin/users/<username>/password", "/admin/users/s2/password",
        by(403, 403, 403, 403, 403, 200), page=True, body=lambda: {"data": {}}),
    Row("POST", "/admin/users/<username>/disable", "/admin/users/out/disable",
        by(403, 403, 403, 403, 403, 303), page=True, body=lambda: {"data": {}}),
    # what accounts make private: a submission in an assignment, a private problem
    Row("GET", "/s/<token>", "/s/{P1}",
        by(404, private_hidden, 404, 404, private_shown, private_shown), page=True),
    Row("GET", "/s/<token>/live", "/s/{P1}/live",
        by(404, private_hidden, 404, 404, private_shown, private_shown), page=True),
    Row("GET", "/api/v1/submissions/<token>", "/api/v1/submissions/{P1}",
        by(404, private_hidden, 404, 404, private_shown, private_shown)),
    Row("GET", "/problems/<name>", "/problems/aplusb", by(404, 200, 200, 404, 200, 200),
        page=True),
    Row("GET", "/api/v1/problems/<name>", "/api/v1/problems/aplusb",
        by(404, 200, 200, 404, 200, 200)),
    Row("GET", "/problems", "/problems", by(hides_problem, lists_problem, lists_problem,
                                            hides_problem, lists_problem, lists_problem),
        page=True),
    Row("GET", "/api/v1/problems", "/api/v1/problems",
        by(hides_problem, lists_problem, lists_problem, hides_problem, lists_problem,
           lists_problem)),
    Row("POST", "/logout", "/logout", every(303), page=True, body=lambda: {"data": {}}),
]


def _request(world: World, principal: str, row: Row):
    client = world.client(principal, page=row.page)
    kwargs = row.body() if row.body else {}
    if row.page and row.method == "POST":
        kwargs.setdefault("data", {})["csrf_token"] = csrf(client, "/login")
    return client.open(row.path.format(**world.ids), method=row.method, **kwargs)


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_walk_the_account_routes(world, principal):
    failures = []
    for row in TABLE:
        expect = row.expect[principal]
        response = _request(world, principal, row)
        ok = response.status_code == expect if isinstance(expect, int) else \
            expect(response, world)
        if not ok:
            failures.append(f"{row.method} {row.path} as {principal}: "
                            f"{response.status_code} {response.get_data(as_text=True)[:200]!r}"
                            f" (expected {getattr(expect, '__name__', expect)})")
    assert not failures, "\n".join(failures)


def test_lists_of_submissions_by_account(world):
    """A student lists their own; the instructor the course's; a classmate not the other's
    (until the assignment ends, if it shares them)."""
    def listed(principal):
        answer = world.client(principal, page=False).get("/api/v1/submissions")
        return {s["id"] for s in answer.json["submissions"]}
    assert listed("student") == {world.ids["P1"]}
    assert listed("classmate") == {world.ids["P2"]}
    assert listed("teacher") == {world.ids["P1"], world.ids["P2"]}
    assert listed("outsider") == set()
    page = world.client("classmate").get("/s").get_data(as_text=True)
    assert world.ids["P2"] in page and world.ids["P1"] not in page


def test_after_the_end_a_sharing_assignment_shows_classmates_work(world):
    store = world.app.extensions["judgebox_store"]
    found = assignments.get_assignment(store, "hw1")
    spec = assignments.AssignmentSpec(
        name="hw1", title="Homework 1", course="cs1",
        starts_at=found.starts_at - dt.timedelta(hours=3),
        ends_at=utcnow() - dt.timedelta(minutes=1), problems=(("A", "aplusb", 100.0),),
        share_after_end=True)
    assignments.save_assignment(store, spec, existing="hw1")
    assert world.client("classmate").get(f"/s/{world.ids['P1']}").status_code == 200
    assert world.client("outsider").get(f"/s/{world.ids['P1']}").status_code == 404
    student = world.client("student")
    closed = student.post("/a/hw1/p/A", data={"csrf_token": csrf(student, "/login"),
                                              "language": "python3", "source": "print(1)"})
    assert closed.status_code == 403 and "closed" in closed.get_data(as_text=True)



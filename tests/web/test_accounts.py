"""Accounts on the pages and the command line (issue 20): log in and out, sign-up as the
admin decides (closed, by a course's join code, open), a new password, an admin's class list
import and password reset, ``judgebox users``, tokens of an account, and graders filling an
assignment for students through the API."""

from __future__ import annotations

import datetime as dt
import io
import json

import _jbstack_for_web as jbstack  # loaded by conftest.py
import pytest
from click.testing import CliRunner
from test_access import csrf

from worker.store import assignments, submissions, users
from worker.store.db import utcnow
from worker.store.tokens import create_token


def _login(client, username: str, password: str, next_url: str = ""):
    return client.post("/login", data={"csrf_token": csrf(client, "/login"),
                                       "username": username, "password": password,
                                       "next": next_url})


def test_log_in_and_out(app, client):
    store = app.extensions["judgebox_store"]
    _, password = users.create_user(store, "ada", "student", "Ada", "ada@x.org")
    wrong = _login(client, "ada", "not-it")
    assert wrong.status_code == 403 and "Wrong username or password" in wrong.get_data(
        as_text=True)
    assert _login(client, "nobody", password).status_code == 403  # the same answer
    done = _login(client, "ada", password, "/courses")
    assert done.status_code == 303 and done.headers["Location"] == "/courses"
    page = client.get("/account").get_data(as_text=True)
    assert "ada@x.org" in page and ">ada</a>" in client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf(client, "/account")})
    assert client.get("/account").status_code == 303  # to the log-in page again


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)"])
def test_log_in_goes_nowhere_but_this_site(app, client, target):
    _, password = users.create_user(app.extensions["judgebox_store"], "bo", "student")
    answer = _login(client, "bo", password, target)
    assert answer.status_code == 303 and answer.headers["Location"] == "/"


def test_log_in_tries_are_limited_per_address(make_app):
    app = make_app(RATELIMIT_LOGIN="3/minute")
    client = app.test_client()
    codes = [_login(client, "nobody", "whatever-1").status_code for _ in range(4)]
    assert codes == [403, 403, 403, 429]


def test_sign_up_as_the_admin_decides(make_app):
    closed = make_app().test_client()
    assert closed.get("/signup").status_code == 404
    app = make_app(SIGNUP="invite")
    store = app.extensions["judgebox_store"]
    course = users.create_course(store, "cs1", "CS 1")
    client = app.test_client()
    form = {"username": "newbie", "name": "New", "email": "n@x.org",
            "password": "a-long-password", "password2": "a-long-password"}
    refused = client.post("/signup", data={**form, "code": "guess",
                                           "csrf_token": csrf(client, "/signup")})
    assert refused.status_code == 422 and "join code" in refused.get_data(as_text=True)
    made = client.post("/signup", data={**form, "code": course.join_code,
                                        "csrf_token": csrf(client, "/signup")})
    assert made.status_code == 303 and made.headers["Location"] == "/courses"
    assert "CS 1" in client.get("/courses").get_data(as_text=True)
    assert users.check_login(store, "newbie", "a-long-password").role == "student"
    again = app.test_client()
    taken = again.post("/signup", data={**form, "code": course.join_code,
                                        "csrf_token": csrf(again, "/signup")})
    assert taken.status_code == 422 and "exists already" in taken.get_data(as_text=True)
    open_app = make_app(SIGNUP="open").test_client()
    anyone = open_app.post("/signup", data={**form, "username": "walkin", "code": "",
                                            "csrf_token": csrf(open_app, "/signup")})
    assert anyone.status_code == 303


def test_a_new_password_needs_the_current_one(app, client):
    store = app.extensions["judgebox_store"]
    _, password = users.create_user(store, "cy", "student")
    _login(client, "cy", password)
    form = {"csrf_token": csrf(client, "/account"), "password": "brand-new-pw",
            "password2": "brand-new-pw"}
    assert client.post("/account/password", data={**form, "current": "no"}).status_code == 422
    assert client.post("/account/password", data={**form, "current": password}
                       ).status_code == 303
    assert users.check_login(store, "cy", "brand-new-pw") is not None


def test_an_admin_imports_a_class_and_gives_new_passwords(app, client):
    store = app.extensions["judgebox_store"]
    _, password = users.create_user(store, "root", "admin")
    users.create_course(store, "cs1", "CS 1")
    _login(client, "root", password)
    class_list = "username,name,email,role\n" + "\n".join(
        f"st{i:02},Student {i},st{i}@x.org,student" for i in range(30)) + "\n"
    page = client.post("/admin/users/import", data={
        "csrf_token": csrf(client, "/admin/users"), "course": "cs1",
        "file": (io.BytesIO(class_list.encode()), "class.csv")},
        content_type="multipart/form-data")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "30 new, 0 updated" in text
    handed = dict(__import__("re").findall(r"<td>(st\d\d)</td><td><code>([^<]+)</code>", text))
    assert len(handed) == 30
    assert users.check_login(store, "st07", handed["st07"]) is not None
    assert len(users.get_course(store, "cs1").members) == 30
    reset = client.post("/admin/users/st07/password",
                        data={"csrf_token": csrf(client, "/admin/users")})
    fresh = __import__("re").search(r"<td>st07</td><td><code>([^<]+)</code>",
                                    reset.get_data(as_text=True)).group(1)
    assert users.check_login(store, "st07", handed["st07"]) is None
    assert users.check_login(store, "st07", fresh) is not None
    bad = client.post("/admin/users/import", data={
        "csrf_token": csrf(client, "/admin/users"), "csv": "username,name\nx,y\n"})
    assert bad.status_code == 422 and "columns" in bad.get_data(as_text=True)


def test_a_locked_out_account_and_its_tokens_stop_working(app, client):
    store = app.extensions["judgebox_store"]
    user, password = users.create_user(store, "dee", "student")
    secret = create_token(store, "dee-token", user_id=user.id)[1]
    assert client.get("/api/v1/submissions", headers={"X-Auth-Token": secret}
                      ).status_code == 200
    _login(client, "dee", password)
    users.set_disabled(store, "dee")
    assert client.get("/account").status_code == 303  # logged out at the next request
    assert client.get("/api/v1/submissions", headers={"X-Auth-Token": secret}
                      ).status_code == 401
    assert _login(app.test_client(), "dee", password).status_code == 403


def test_the_users_command(tmp_path, monkeypatch):
    from worker.cli.accounts import users_group
    monkeypatch.setenv("JUDGEBOX_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    class_list = tmp_path / "class.csv"
    class_list.write_text("username,name,email,role,password\n"
                          "ann,Ann,ann@x.org,student,\n"
                          "tom,Tom,tom@x.org,instructor,a-given-password\n")
    runner = CliRunner(mix_stderr=False)
    done = runner.invoke(users_group, ["import", str(class_list), "--course", "cs1",
                                       "--json"])
    assert done.exit_code == 0, done.output
    created = json.loads(done.stdout)["created"]
    assert [c["username"] for c in created] == ["ann", "tom"]
    assert created[1]["password"] is None and len(created[0]["password"]) >= 12
    listed = json.loads(runner.invoke(users_group, ["list", "--json"]).output)
    assert listed == [{"username": "ann", "name": "Ann", "email": "ann@x.org",
                       "role": "student"},
                      {"username": "tom", "name": "Tom", "email": "tom@x.org",
                       "role": "instructor"}]
    made = runner.invoke(users_group, ["create", "root", "--role", "admin"])
    assert made.exit_code == 0 and len(made.output.strip()) >= 12
    bad = runner.invoke(users_group, ["create", "Bad Name"])
    assert bad.exit_code == 1 and "bad username" in bad.stderr
    assert runner.invoke(users_group, ["passwd", "nobody"]).exit_code == 1


def test_a_grader_fills_an_assignment_for_students_through_the_api(make_app):
    """``judgebox batch --server --assignment``'s requests: the course's staff submit as a
    student, in the assignment; a student cannot, nor can staff of another course."""
    app = make_app(RATELIMIT_SUBMIT="100000/minute")
    store = app.extensions["judgebox_store"]
    teach, _ = users.create_user(store, "teach", "instructor")
    other, _ = users.create_user(store, "other", "instructor")
    ann, _ = users.create_user(store, "ann", "student")
    staff = create_token(store, "teach", scopes=["problems"], user_id=teach.id)[1]
    stranger_staff = create_token(store, "other", scopes=["problems"], user_id=other.id)[1]
    student = create_token(store, "ann", user_id=ann.id)[1]
    client = app.test_client()
    client.post("/api/v1/problems", headers={"X-Auth-Token": staff}, data={
        "package": (io.BytesIO(jbstack.example_zip("aplusb")), "a.zip")},
        content_type="multipart/form-data")
    users.create_course(store, "cs1", "CS 1", teach)
    users.create_course(store, "cs2", "CS 2", other)
    users.enroll(store, "cs1", ["ann"])
    now = utcnow()
    assignments.save_assignment(store, assignments.AssignmentSpec(
        name="hw1", title="HW", course="cs1", starts_at=now - dt.timedelta(days=2),
        ends_at=now - dt.timedelta(days=1), problems=(("A", "aplusb", 10.0),)))
    body = {"language": "python3", "problem": "aplusb", "source": "print(3)",
            "assignment": "hw1", "user": "ann", "late": True}
    made = client.post("/api/v1/submissions", json=body, headers={"X-Auth-Token": staff})
    assert made.status_code == 202, made.json
    row = submissions.get(store, made.json["id"])
    assert (row.user_id, row.late) == (ann.id, True) and row.assignment_id is not None
    assert client.post("/api/v1/submissions", json=body,
                       headers={"X-Auth-Token": student}).status_code == 403
    assert client.post("/api/v1/submissions", json=body,
                       headers={"X-Auth-Token": stranger_staff}).status_code == 404
    closed = client.post("/api/v1/submissions", json={**body, "user": None, "late": False},
                         headers={"X-Auth-Token": student})
    assert closed.status_code == 403 and "closed" in closed.json["error"]
    assert client.post("/api/v1/submissions", json={**body, "user": "nobody"},
                       headers={"X-Auth-Token": staff}).status_code == 422

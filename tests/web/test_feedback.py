"""Feedback that teaches (``web.feedback``): the diff of a wrong answer's expected and received
output, bounded, whitespace made visible; the checker's message, stdout and stderr on the
pages and in the API to whom they may be shown, and nothing of a hidden test, not even read,
to the others; a scoring problem's groups; runs on the samples.

No worker here: judgements are stored as a worker stores them
(``tests/service/test_feedback_worker.py`` judges for real)."""

from __future__ import annotations

import difflib
import io
import re
import zipfile

import _jbstack_for_web as jbstack  # loaded by conftest.py
import pytest

from web.feedback import COMPARED_LINES, DIFF_ROWS, LINE_CHARS, diff_texts
from worker.store import submissions
from worker.store.tokens import create_token

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SECRET_ANSWER = "4000000000"  # aplusb's secret/03-beyond-int32.ans
SECRET_INPUT = "IN:2000000000_2000000000"
TRACEBACK = "Traceback (most recent call last):\n  File \"sum.py\", line 2\nZeroDivisionError"
GROUPS = [{"name": "secret", "verdict": "TLE", "score": 30.0, "max_score": 100.0},
          {"name": "secret/group1", "verdict": "AC", "score": 30.0, "max_score": 30.0},
          {"name": "secret/group2", "verdict": None, "score": 0.0, "max_score": 70.0}]


# --- the diff ---------------------------------------------------------------------------

def _rows(diff) -> list[tuple]:
    return [(r.kind, r.expected_line, r.received_line, r.text) for r in diff.rows]


def test_a_diff_is_a_unified_diff_with_context():
    expected = "".join(f"{i}\n" for i in range(1, 21))
    for received in (expected.replace("10\n", "11\n"), expected.replace("20\n", ""),
                     expected + "21\n", "", expected.replace("\n5\n", "\n5\nfive\n"),
                     expected.replace("\n2\n", "\n-2\n").replace("18\n", "-18\n")):
        diff = diff_texts(expected, received)
        assert diff.unified == "".join(difflib.unified_diff(
            expected.splitlines(True), received.splitlines(True), "expected", "received"))
    rows = _rows(diff_texts(expected, expected.replace("10\n", "11\n")))
    assert rows[0] == ("hunk", None, None, "@@ -7,7 +7,7 @@")
    assert rows[4:6] == [("expected", 10, None, "10"), ("received", None, 10, "11")]
    assert [r[1:3] for r in rows if r[0] == "same"] == [(7, 7), (8, 8), (9, 9), (11, 11),
                                                        (12, 12), (13, 13)]
    assert diff_texts(expected, expected).rows == ()


def test_whitespace_and_control_characters_are_made_visible():
    diff = diff_texts("1 2\n", "1  2\t\r\n")
    received = next(r for r in diff.rows if r.kind == "received")
    assert received.segments == [("1", False), ("··", True), ("2", False), ("→\\r", True)]
    assert diff_texts("a\n", "a\x00\x1b\n").rows[-1].segments == [("a", False),
                                                                 ("\\0\\x1b", True)]
    last = diff_texts("3\n", "3").rows[-1]  # the same line but for its newline
    assert last.kind == "received" and last.segments[-1] == ("⌀ no newline at the end", True)
    assert diff_texts("3\n", "3").rows[-2].segments == [("3", False)]
    same = diff_texts("x y\n1\n", "x y\n2\n").rows[1]
    assert same.kind == "same" and same.segments == [("x y", False)]  # unchanged: as it is


def test_a_diff_is_bounded():
    """Long outputs: the common ends are skipped, the middle is compared up to a bound, the
    rows shown and each line's length are bounded, and notes say so."""
    expected = "".join(f"{i}\n" for i in range(50_000))
    received = expected.replace("\n40000\n", "\n-1\n")
    diff = diff_texts(expected, received)
    assert _rows(diff)[0] == ("hunk", None, None, "@@ -39998,7 +39998,7 @@")
    assert ("received", None, 40001, "-1") in _rows(diff) and diff.notes == ()
    other = diff_texts(expected, "".join(f"x{i}\n" for i in range(50_000)))
    assert len(other.rows) == DIFF_ROWS
    assert other.notes[0] == f"only {COMPARED_LINES} lines of each side were compared " \
                             "from line 1"
    assert other.notes[1].endswith("more rows of the diff are not shown")
    long = diff_texts("a\n", "b" * 10_000 + "\n").rows[-1]
    assert long.text == "b" * LINE_CHARS + "…"


# --- who sees what ----------------------------------------------------------------------

def _judged(store, token: str, verdict: str, results: list[dict], **values) -> None:
    held = submissions.claim(store, token, "test-worker@host", 60)
    submissions.finish(store, held, {"verdict": verdict, "judge0_status": 4, "time": 0.01,
                                     "memory": 900, **values}, results)


def _result(index: int, name: str, group: str, verdict: str, message: str = "",
            stdout: bytes = b"", stderr: bytes = b"") -> dict:
    return {"index": index, "name": name, "group": group, "verdict": verdict,
            "status": "OK", "time": 0.01, "wall_time": 0.01, "memory": 900, "exit_code": 0,
            "signal": None, "checker_message": message, "stdout": stdout, "stderr": stderr}


def _without_samples(name: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(jbstack.example_zip(name, "nosamples"))) as zf, \
            zipfile.ZipFile(out, "w") as new:
        for info in zf.infolist():
            if "/data/sample/" not in info.filename:
                new.writestr(info, zf.read(info))
    return out.getvalue()


@pytest.fixture
def world(make_app):
    """aplusb and fibonacci uploaded by their owner; alice's wrong answer on aplusb (a sample
    and a hidden test, each with stdout, stderr and the checker's message) and her partial
    score on fibonacci, judged."""
    app = make_app(RATELIMIT_SUBMIT="1000/minute", RATELIMIT_SUBMIT_ANONYMOUS="1000/minute")
    store = app.extensions["judgebox_store"]
    tokens = {name: create_token(store, name, scopes=[scope])[1]
              for name, scope in (("owner", "problems"), ("alice", "submit"))}
    client = app.test_client()
    for problem, data in (("aplusb", jbstack.example_zip("aplusb")),
                          ("fibonacci", jbstack.example_zip("fibonacci")),
                          ("nosamples", _without_samples("aplusb"))):
        response = client.post("/api/v1/problems", headers={"X-Auth-Token": tokens["owner"]},
                               data={"package": (io.BytesIO(data), f"{problem}.zip")},
                               content_type="multipart/form-data")
        assert response.status_code == 201, response.json
    ids = {}
    for key, problem in (("P", "aplusb"), ("F", "fibonacci")):
        response = client.post("/api/v1/submissions", headers={
            "X-Auth-Token": tokens["alice"]}, json={"language": "python3", "problem": problem,
                                                    "source": "print(1)", "run_all": True})
        ids[key] = response.json["id"]
    _judged(store, ids["P"], "WA", [
        _result(1, "sample/1", "sample", "WA", "Wrong answer: expected 3, got 4", b"4\n",
                TRACEBACK.encode()),
        _result(2, "sample/2", "sample", "AC", "", b"42\n"),
        _result(3, "secret/03-beyond-int32", "secret", "WA",
                f"Wrong answer: expected {SECRET_ANSWER}", f"{SECRET_INPUT}\n".encode(),
                f"echoed {SECRET_INPUT}".encode())])
    _judged(store, ids["F"], "TLE", [_result(1, "sample/1", "sample", "AC", "", b"55\n")],
            score=30.0, max_score=100.0, details={"groups": GROUPS})
    return app, tokens, ids


def _as(app, tokens, who: str):
    """A client acting as ``who``: its token in the APIs' header, and logged in on the pages."""
    client = app.test_client()
    if who != "stranger":
        client.environ_base["HTTP_X_AUTH_TOKEN"] = tokens[who]
        login = client.post("/admin/login", data={"csrf_token": _csrf(client, "/admin"),
                                                  "token": tokens[who]})
        assert login.status_code == 303
    return client


def _views(client, token: str) -> dict[str, str]:
    return {path: client.get(path).get_data(as_text=True) for path in (
        f"/api/v1/submissions/{token}", f"/s/{token}", f"/s/{token}/live")}


def test_a_wrong_answer_on_a_sample_shows_its_diff_message_and_stderr(world):
    app, tokens, ids = world
    body = _as(app, tokens, "alice").get(f"/api/v1/submissions/{ids['P']}").json
    sample, passed, hidden = body["tests"]
    assert sample["diff"] == "--- expected\n+++ received\n@@ -1 +1 @@\n-3\n+4\n"
    assert (sample["stdout"], sample["stderr"]) == ("4\n", TRACEBACK)
    assert sample["checker_message"] == "Wrong answer: expected 3, got 4"
    assert passed["diff"] is None  # accepted: nothing to compare
    assert (hidden["hidden"], hidden["diff"], hidden["stdout"], hidden["stderr"]) == \
        (True, None, "", "")
    page = _as(app, tokens, "alice").get(f"/s/{ids['P']}").get_data(as_text=True)
    section = page[page.index('id="test-1"'):page.index("</section>", page.index(
        'id="test-1"'))]
    assert '<tr class="d-expected">' in section and '<tr class="d-received">' in section
    assert re.search(r'<td class="text">3</td>.*<td class="text">4</td>', section, re.S)
    assert "Wrong answer: expected 3, got 4" in section and "ZeroDivisionError" in section
    assert '<a href="#test-1">details</a>' in page and 'id="test-2"' not in page
    assert 'id="test-3"' not in page  # the hidden test has no section


@pytest.mark.parametrize("who", ["stranger", "alice"])
def test_nothing_of_a_hidden_test_is_shown_or_even_read(world, who):
    """The hidden test's answer is never opened for those who may not see it (the sample's
    is, for its diff); its manager gets both, read and shown."""
    app, tokens, ids = world
    with jbstack.files_read() as read:
        views = _views(_as(app, tokens, who), ids["P"])
    for view, text in views.items():
        assert SECRET_ANSWER not in text and SECRET_INPUT not in text, view
    assert not [p for p in read if p.endswith("03-beyond-int32.ans")], read
    assert [p for p in read if p.endswith("sample/1.ans")]
    with jbstack.files_read() as read:
        views = _views(_as(app, tokens, "owner"), ids["P"])
    assert [p for p in read if p.endswith("03-beyond-int32.ans")]
    hidden = _as(app, tokens, "owner").get(f"/api/v1/submissions/{ids['P']}").json["tests"][2]
    assert f"-{SECRET_ANSWER}\n+{SECRET_INPUT}\n" in hidden["diff"]
    assert all(SECRET_ANSWER in text for text in views.values())


def test_feedback_all_shows_the_hidden_tests_diff_to_everyone(world):
    app, tokens, ids = world
    owner = _as(app, tokens, "owner")
    assert owner.patch("/api/v1/problems/aplusb", json={"feedback": "all"}).status_code == 200
    page = _as(app, tokens, "stranger").get(f"/s/{ids['P']}").get_data(as_text=True)
    assert 'id="test-3"' in page and SECRET_ANSWER in page and f"echoed {SECRET_INPUT}" in page


def test_a_scoring_problems_groups(world):
    app, tokens, ids = world
    body = _as(app, tokens, "stranger").get(f"/api/v1/submissions/{ids['F']}").json
    assert body["groups"] == GROUPS and (body["score"], body["max_score"]) == (30.0, 100.0)
    assert _as(app, tokens, "stranger").get(f"/api/v1/submissions/{ids['P']}").json[
        "groups"] is None
    page = _as(app, tokens, "stranger").get(f"/s/{ids['F']}").get_data(as_text=True)
    table = page[page.index('<table class="groups">'):]
    table = table[:table.index("</table>")]
    rows = [[re.sub(r"<[^>]+>", "", cell).strip() for cell in
             re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table[table.index("<tbody>"):], re.S)]
    assert rows == [
        ["secret", "30 / 100", "TLE"], ["secret/group1", "30 / 30", "AC"],
        ["secret/group2", "0 / 70", "not judged"]]


# --- runs on the samples ------------------------------------------------------------------

def _csrf(client, path: str) -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def test_run_on_samples_from_the_problem_page(world):
    app, _tokens, _ids = world
    client = app.test_client()
    page = client.get("/problems/aplusb").get_data(as_text=True)
    assert '<button type="submit" name="run" value="samples"' in page
    assert 'value="samples"' not in client.get("/problems/nosamples").get_data(as_text=True)
    response = client.post("/problems/aplusb", data={
        "csrf_token": _csrf(client, "/problems/aplusb"), "language": "python3",
        "source": "print(3)", "run": "samples"})
    assert response.status_code == 303
    token = response.headers["Location"].rsplit("/", 1)[1]
    row = submissions.get(app.extensions["judgebox_store"], token)
    assert row.samples_only and row.problem_name == "aplusb"
    shown = client.get(f"/s/{token}").get_data(as_text=True)
    assert "<h1>Run on samples</h1>" in shown and "never scored" in shown
    listed = client.get("/s").get_data(as_text=True)
    assert listed.count('<span class="badge">samples only</span>') == 1
    refused = client.post("/problems/nosamples", data={
        "csrf_token": _csrf(client, "/problems/aplusb"), "language": "python3",
        "source": "print(3)", "run": "samples"})
    assert refused.status_code == 422 and "no sample tests" in refused.get_data(as_text=True)


def test_run_on_samples_in_the_api(world):
    app, tokens, ids = world
    alice = _as(app, tokens, "alice")
    run = {"language": "python3", "problem": "aplusb", "source": "print(3)",
           "samples_only": True}
    response = alice.post("/api/v1/submissions", json=run)
    assert response.status_code == 202 and response.json["samples_only"] is True
    assert alice.get(f"/api/v1/submissions/{ids['P']}").json["samples_only"] is False
    listed = {s["id"]: s["samples_only"] for s in alice.get("/api/v1/submissions").json[
        "submissions"]}
    assert listed == {response.json["id"]: True, ids["P"]: False, ids["F"]: False}
    no_problem = alice.post("/api/v1/submissions", json={
        "language": "python3", "source": "print(1)", "tests": [{}], "samples_only": True})
    assert no_problem.status_code == 422
    assert "samples_only needs a problem" in str(no_problem.json)
    none = alice.post("/api/v1/submissions", json={**run, "problem": "nosamples"})
    assert none.status_code == 422 and none.json["fields"]["samples_only"]


def test_runs_on_samples_count_against_the_rate_limit(make_app):
    app = make_app(RATELIMIT_SUBMIT_ANONYMOUS="2/minute")
    with app.app_context():
        from web import services

        services.upload_problem(jbstack.example_zip("aplusb"), None, "aplusb.zip")
    client = app.test_client()
    run = {"language": "python3", "problem": "aplusb", "source": "print(3)",
           "samples_only": True}
    assert client.post("/api/v1/submissions", json=run).status_code == 202
    form = {"csrf_token": _csrf(client, "/problems/aplusb"), "language": "python3",
            "source": "print(3)", "run": "samples"}
    assert client.post("/problems/aplusb", data=form).status_code == 303
    assert client.post("/api/v1/submissions", json=run).status_code == 429
    assert client.post("/problems/aplusb", data=form).status_code == 429


def test_a_rejudge_leaves_runs_on_samples_alone(world):
    app, tokens, ids = world
    store = app.extensions["judgebox_store"]
    alice, owner = _as(app, tokens, "alice"), _as(app, tokens, "owner")
    run = alice.post("/api/v1/submissions", json={
        "language": "python3", "problem": "aplusb", "source": "print(3)",
        "samples_only": True}).json["id"]
    _judged(store, run, "WA", [_result(1, "sample/1", "sample", "AC", "", b"3\n"),
                               _result(2, "sample/2", "sample", "WA", "", b"3\n")],
            score=None, max_score=None)
    matched = owner.post("/api/v1/rejudges", json={"problem": "aplusb", "dry_run": True})
    assert matched.json["matched"] == 1  # P alone

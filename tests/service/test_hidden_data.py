"""Hidden test data stays hidden, end to end (issue 15): a real worker judges a program that
echoes each test's input to stdout and stderr, on a problem with secret tests, and nothing of
a secret test's input, answer or name appears anywhere a contestant can read: the native API
(the submission, the list), the Judge0 API, the submission's pages, a batch's report. The
problem's owner and an admin see it (so the search below can find what it looks for).

Feedback (issue 20): the worker now stores every test's output; a sample's diff, stdout and
stderr reach the contestant, a secret test's never do, and its answer is not even read from
the package while a contestant's views are made; a scoring problem's group table (fibonacci)
shows points and verdicts, nothing of the tests' data."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import requests

from jbstack import example_zip, files_read, wait_until
from worker.store.tokens import create_token

REPO = Path(__file__).resolve().parents[2]
APLUSB = REPO / "examples" / "aplusb"
ECHO = ("import sys\ndata = sys.stdin.read().strip().replace(' ', '_')\n"
        "print('IN:' + data)\nprint('ERR:' + data, file=sys.stderr)\n")


FIBONACCI = REPO / "examples" / "fibonacci"


def _secrets(example: Path = APLUSB, shortest: int = 4) -> list[str]:
    """What would betray each secret test: its echoed input, its answer (where it is not a
    short number that any page holds anyway), its name; nothing a sample holds too."""
    found = []
    samples = " ".join(f"IN:{p.read_text().strip()} {p.with_suffix('.ans').read_text()}"
                       for p in (example / "data" / "sample").glob("*.in"))
    for test in sorted((example / "data" / "secret").rglob("*.in")):
        found.append("IN:" + test.read_text().strip().replace(" ", "_"))
        answer = test.with_suffix(".ans").read_text().strip()
        if len(answer) >= shortest:
            found.append(answer)
        found.append(str(test.relative_to(example / "data").with_suffix("")))
    return [secret for secret in found if secret not in samples]


def _leaks(text: str, example: Path = APLUSB, shortest: int = 4) -> list[str]:
    return [secret for secret in _secrets(example, shortest) if secret in text]


@pytest.fixture(scope="module")
def judged(stack):
    """aplusb uploaded by its owner; a student's echoing program judged on every test, and
    the same program in a batch of the student's."""
    owner = create_token(stack.store, "hidden-owner", scopes=["problems"])[1]
    student = create_token(stack.store, "hidden-student")[1]
    def echoed_on(example: str, name: str) -> str:
        """``example`` uploaded as ``name`` by the owner; the student's ECHO on it."""
        response = requests.post(f"{stack.url}/api/v1/problems", headers={
            "X-Auth-Token": owner}, files={"package": (f"{name}.zip", example_zip(
                example, name))}, data={"name": name}, timeout=30)
        assert response.status_code == 201, response.text
        response = requests.post(f"{stack.url}/api/v1/submissions", headers={
            "X-Auth-Token": student}, json={"language": "python3", "problem": name,
                                            "run_all": True, "source": ECHO}, timeout=10)
        assert response.status_code == 202, response.text
        return response.json()["id"]
    token, fib = echoed_on("aplusb", "hidden"), echoed_on("fibonacci", "hidden-fib")
    classzip = io.BytesIO()
    with zipfile.ZipFile(classzip, "w") as zf:
        zf.writestr("class/erin/echo.py", ECHO)
    batch = requests.post(f"{stack.url}/api/v1/batches", headers={"X-Auth-Token": student},
                          data={"problem": "hidden", "run_all": "1"},
                          files={"submissions": ("class.zip", classzip.getvalue())},
                          timeout=30)
    assert batch.status_code == 202, batch.text

    def done(url):
        def check():
            body = requests.get(url, headers={"X-Auth-Token": owner}, timeout=10).json()
            return body if body.get("state") == "done" else None
        return check
    wait_until(done(f"{stack.url}/api/v1/submissions/{token}"), 120, 0.2, what="judgement")
    wait_until(done(f"{stack.url}/api/v1/submissions/{fib}"), 120, 0.2,
               what="fibonacci's judgement")
    wait_until(done(f"{stack.url}/api/v1/batches/{batch.json()['id']}"), 120, 0.2,
               what="batch")
    return {"token": token, "batch": batch.json()["id"], "owner": owner, "student": student,
            "fib": fib}


def _views(stack, judged, secret: str | None) -> dict[str, str]:
    """Every place a client with this token (``None``: a stranger) reads the submission."""
    headers = {"X-Auth-Token": secret} if secret else {}
    token = judged["token"]
    get = lambda path, **kw: requests.get(f"{stack.url}{path}", headers=headers,  # noqa: E731
                                          timeout=10, **kw)
    views = {"api": get(f"/api/v1/submissions/{token}").text,
             "page": get(f"/s/{token}").text, "live": get(f"/s/{token}/live").text,
             "judge0": get(f"/submissions/{token}?fields=*").text}
    if secret:
        views["list"] = get("/api/v1/submissions").text
        views["judge0 list"] = get("/submissions?fields=*").text
        batch = judged["batch"]
        views["report csv"] = get(f"/api/v1/batches/{batch}/report").text
        views["report json"] = get(f"/api/v1/batches/{batch}/report?format=json").text
    return views


def test_a_contestant_reads_nothing_of_a_secret_test(stack, judged):
    api = requests.get(f"{stack.url}/api/v1/submissions/{judged['token']}", timeout=10).json()
    assert api["verdict"] == "WA" and len(api["tests"]) == 6
    assert [t["hidden"] for t in api["tests"]] == [False, False, True, True, True, True]
    assert api["tests"][0]["checker_message"]  # a sample's message is shown in full
    for who, secret in (("a stranger", None), ("the student", judged["student"])):
        leaks = {view: _leaks(text) for view, text in _views(stack, judged, secret).items()}
        assert not any(leaks.values()), f"{who} reads {leaks}"


def test_feedback_shows_a_samples_diff_and_nothing_of_a_secret_test(stack, judged):
    """The sample's diff, stdout and stderr reach the student; of the secret tests, whose
    output is stored now too, nothing (their diff is null)."""
    api = requests.get(f"{stack.url}/api/v1/submissions/{judged['token']}", headers={
        "X-Auth-Token": judged["student"]}, timeout=10).json()
    sample = api["tests"][0]
    assert sample["diff"] == "--- expected\n+++ received\n@@ -1 +1 @@\n-3\n+IN:1_2\n"
    assert (sample["stdout"], sample["stderr"]) == ("IN:1_2\n", "ERR:1_2\n")
    assert [t["diff"] for t in api["tests"][2:]] == [None] * 4
    page = requests.get(f"{stack.url}/s/{judged['token']}", timeout=10).text
    assert '<tr class="d-received">' in page and "ERR:1_2" in page
    owner = requests.get(f"{stack.url}/api/v1/submissions/{judged['token']}", headers={
        "X-Auth-Token": judged["owner"]}, timeout=10).json()
    assert "-4000000000\n+IN:2000000000_2000000000\n" in owner["tests"][4]["diff"]


def test_a_secret_tests_answer_is_not_even_read_for_a_contestant(stack, judged):
    """What the web server (in this process) opens while it answers: a contestant's views
    read the samples' answers (for their diffs), never a secret test's; the owner's do."""
    def answers_read(secret: str | None) -> set[str]:
        with files_read() as read:
            _views(stack, judged, secret)
        return {path.split("/data/")[1] for path in read
                if "/data/" in path and path.endswith(".ans")}
    samples = {"sample/1.ans", "sample/2.ans"}  # both wrong answers (run_all)
    assert answers_read(judged["student"]) == answers_read(None) == samples
    assert "secret/03-beyond-int32.ans" in answers_read(judged["owner"])


def test_a_scoring_problems_groups_show_points_not_data(stack, judged):
    fib = judged["fib"]
    seen = {}
    for who, secret in (("a stranger", None), ("the student", judged["student"])):
        headers = {"X-Auth-Token": secret} if secret else {}
        api = requests.get(f"{stack.url}/api/v1/submissions/{fib}", headers=headers,
                           timeout=10)
        page = requests.get(f"{stack.url}/s/{fib}", headers=headers, timeout=10).text
        leaks = _leaks(api.text + page, FIBONACCI, shortest=6)
        assert not leaks, f"{who} reads {leaks}"
        seen[who] = api.json()["groups"]
        assert '<table class="groups">' in page and "0 / 70" in page
    assert seen["the student"] == seen["a stranger"] == [
        {"name": "secret", "verdict": "WA", "score": 0.0, "max_score": 100.0},
        {"name": "secret/group1", "verdict": "WA", "score": 0.0, "max_score": 30.0},
        {"name": "secret/group2", "verdict": "WA", "score": 0.0, "max_score": 70.0}]
    owner = requests.get(f"{stack.url}/api/v1/submissions/{fib}", headers={
        "X-Auth-Token": judged["owner"]}, timeout=10).text
    assert set(_secrets(FIBONACCI, shortest=6)) <= set(_leaks(owner, FIBONACCI, 6))


def test_the_owner_reads_everything(stack, judged):
    views = _views(stack, judged, judged["owner"])
    assert set(_secrets()) <= set(_leaks(views["api"]))
    assert "IN:2000000000_2000000000" in views["report json"] or \
        "03-beyond-int32" in views["report json"]

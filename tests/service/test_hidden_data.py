"""Hidden test data stays hidden, end to end (issue 15): a real worker judges a program that
echoes each test's input to stdout and stderr, on a problem with secret tests, and nothing of
a secret test's input, answer or name appears anywhere a contestant can read: the native API
(the submission, the list), the Judge0 API, the submission's pages, a batch's report. The
problem's owner and an admin see it (so the search below can find what it looks for)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import requests

from jbstack import example_zip, wait_until
from worker.tokens import create_token

REPO = Path(__file__).resolve().parents[2]
APLUSB = REPO / "examples" / "aplusb"
ECHO = ("import sys\ndata = sys.stdin.read().strip().replace(' ', '_')\n"
        "print('IN:' + data)\nprint('ERR:' + data, file=sys.stderr)\n")


def _secrets() -> list[str]:
    """What would betray each secret test: its echoed input, its answer (where it is not a
    short number that any page holds anyway), its name."""
    found = []
    for test in sorted((APLUSB / "data" / "secret").glob("*.in")):
        found.append("IN:" + test.read_text().strip().replace(" ", "_"))
        answer = test.with_suffix(".ans").read_text().strip()
        if len(answer) >= 4:
            found.append(answer)
        found.append(test.stem)
    return found


def _leaks(text: str) -> list[str]:
    return [secret for secret in _secrets() if secret in text]


@pytest.fixture(scope="module")
def judged(stack):
    """aplusb uploaded by its owner; a student's echoing program judged on every test, and
    the same program in a batch of the student's."""
    owner = create_token(stack.store, "hidden-owner", scopes=["problems"])[1]
    student = create_token(stack.store, "hidden-student")[1]
    response = requests.post(f"{stack.url}/api/v1/problems", headers={
        "X-Auth-Token": owner}, files={"package": ("hidden.zip", example_zip("aplusb", "hidden"))},
        data={"name": "hidden"}, timeout=30)
    assert response.status_code == 201, response.text
    response = requests.post(f"{stack.url}/api/v1/submissions", headers={
        "X-Auth-Token": student}, json={"language": "python3", "problem": "hidden",
                                        "run_all": True, "source": ECHO}, timeout=10)
    assert response.status_code == 202, response.text
    token = response.json()["id"]
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
    wait_until(done(f"{stack.url}/api/v1/batches/{batch.json()['id']}"), 120, 0.2,
               what="batch")
    return {"token": token, "batch": batch.json()["id"], "owner": owner, "student": student}


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


def test_the_owner_reads_everything(stack, judged):
    views = _views(stack, judged, judged["owner"])
    assert set(_secrets()) <= set(_leaks(views["api"]))
    assert "IN:2000000000_2000000000" in views["report json"] or \
        "03-beyond-int32" in views["report json"]

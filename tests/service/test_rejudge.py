"""Re-judging with real workers: a problem's package changes (A+B becomes A-B), its
submissions are judged again through ``/api/v1/rejudges`` and ``judgebox rejudge``, the diff
shows what changed, applying gives the originals their new judgements once, filters pick the
right submissions, cancel and bad requests behave."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import requests

import jbstack
from jbstack import build_stack, stop_stack
from worker.store import submissions

REPO = Path(__file__).resolve().parents[2]
APLUSB = REPO / "examples" / "aplusb"
SUBS = APLUSB / "submissions"

pytestmark = [pytest.mark.timeout(240)]

# file -> (verdict on A+B, verdict on A-B)
PROGRAMS = {"accepted/sum.c": ("AC", "WA"), "wrong_answer/difference.py": ("WA", "AC"),
            "time_limit_exceeded/spin.c": ("TLE", "TLE"),
            "compile_error/missing_semicolon.c": ("CE", "CE")}
LANGUAGE = {".c": "c", ".py": "python3"}


def _package(minus: bool) -> bytes:
    """aplusb as a zip; with ``minus`` every answer is a - b instead (the "fixed" package)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(APLUSB.rglob("*")):
            if path.is_dir() or "submissions" in path.parts:
                continue
            data = path.read_bytes()
            if minus and path.suffix == ".ans":
                a, b = map(int, path.with_suffix(".in").read_text().split())
                data = f"{a - b}\n".encode()
            zf.writestr(f"aplusb/{path.relative_to(APLUSB)}", data)
    return buffer.getvalue()


def _auth(stack) -> dict:
    return {"X-Auth-Token": stack.token}


def _get(stack, path: str) -> requests.Response:
    """GET ``path`` (of the stack, or a whole URL) with the stack's admin token: batches,
    re-judges and the lists need a token."""
    url = path if path.startswith("http") else stack.url + path
    return requests.get(url, headers=_auth(stack), timeout=10)


@pytest.fixture(scope="module")
def rstack(tmp_path_factory, redis_server):
    """A stack of its own with problem ``rj`` (A+B) and one judged submission per program."""
    if os.geteuid() != 0:
        pytest.skip("needs root (the real sandbox)")
    stack = build_stack(tmp_path_factory, redis_server, 11, "rejudges", workers=1,
                        concurrency=2, WORKER_LANGUAGES="c,python3")
    from worker.store.tokens import create_token

    stack.token = create_token(stack.store, "rejudge-admin", scopes=["admin"])[1]
    answer = requests.put(f"{stack.url}/api/v1/problems/rj", headers=_auth(stack),
                          files={"package": ("aplusb.zip", _package(False))}, timeout=30)
    assert answer.status_code == 200, answer.text
    stack.tokens = {}
    for name in PROGRAMS:
        path = SUBS / name
        body = {"language": LANGUAGE[path.suffix], "problem": "rj", "source": path.read_text(),
                "limits": {"time_limit": 0.5}}
        answer = requests.post(f"{stack.url}/api/v1/submissions", json=body, timeout=10)
        assert answer.status_code == 202, answer.text
        stack.tokens[name] = answer.json()["id"]
    for name, token in stack.tokens.items():
        assert _wait_submission(stack, token)["verdict"] == PROGRAMS[name][0], name
    yield stack
    stop_stack(stack)


def _wait_submission(stack, token: str, timeout: float = 90) -> dict:
    def done():
        body = requests.get(f"{stack.url}/api/v1/submissions/{token}", timeout=10).json()
        return body if body["state"] == "done" else None
    return jbstack.wait_until(done, timeout, 0.1, what=f"submission {token}")


def _rejudge(stack, **body) -> requests.Response:
    return requests.post(f"{stack.url}/api/v1/rejudges", headers=_auth(stack),
                         json={"problem": "rj", "time_limit": 0.5, **body}, timeout=30)


def _wait_rejudge(stack, token: str, timeout: float = 120) -> dict:
    def done():
        body = _get(stack, f"/api/v1/rejudges/{token}").json()
        return body if body["state"] in ("done", "cancelled") and \
            body["done"] == body["total"] else None
    return jbstack.wait_until(done, timeout, 0.2, what=f"re-judge {token}")


def _verdicts(stack) -> dict[str, str]:
    return {name: submissions.get(stack.store, token).verdict
            for name, token in stack.tokens.items()}


def test_package_change_rejudge_diff_and_apply(rstack):
    stack = rstack
    # before the package changes, nothing is stale; a verdict filter narrows
    assert _rejudge(stack, stale=True, dry_run=True).json()["matched"] == 0
    assert _rejudge(stack, verdicts=["WA", "TLE"], dry_run=True).json()["matched"] == 2
    answer = requests.put(f"{stack.url}/api/v1/problems/rj", headers=_auth(stack),
                          files={"package": ("aplusb.zip", _package(True))}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert _rejudge(stack, stale=True, dry_run=True).json()["matched"] == 4

    answer = _rejudge(stack, stale=True)
    assert answer.status_code == 202, answer.text
    created = answer.json()
    assert created["kind"] == "rejudge" and created["total"] == 4
    assert answer.headers["Location"].endswith(created["id"])
    final = _wait_rejudge(stack, created["id"])
    assert final["summary"] == {"total": 4, "done": 4, "changed": 2, "unchanged": 2,
                                "pending": 0, "transitions": {"AC->WA": 1, "WA->AC": 1}}
    # not applied yet: the originals keep their judgement; the copies are not listed
    assert _verdicts(stack) == {n: v[0] for n, v in PROGRAMS.items()}
    listed = _get(stack, "/api/v1/submissions?problem=rj").json()
    assert sorted(s["id"] for s in listed["submissions"]) == sorted(stack.tokens.values())

    diff = _get(stack, f"/api/v1/rejudges/{created['id']}/diff").json()
    by_token = {row["submission"]: row for row in diff["submissions"]}
    for name, (before, after) in PROGRAMS.items():
        row = by_token[stack.tokens[name]]
        assert (row["before"], row["after"], row["changed"]) == (before, after,
                                                                 before != after), row
        assert row["applied"] is False and row["state"] == "done"
    summed = by_token[stack.tokens["accepted/sum.c"]]
    assert summed["before_tests"].split()[0] == "sample/1:AC"
    assert summed["after_tests"].split()[0] == "sample/1:WA"
    assert summed["before_score"] == 1 and summed["after_score"] == 0
    assert "expected" in by_token[stack.tokens["compile_error/missing_semicolon.c"]]["message"]
    text = _get(stack, f"/api/v1/rejudges/{created['id']}/diff?format=csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["submission"]: (r["before"], r["after"], r["changed"]) for r in rows} == {
        stack.tokens[n]: (b, a, "yes" if a != b else "no") for n, (b, a) in PROGRAMS.items()}

    applied = requests.post(f"{stack.url}/api/v1/rejudges/{created['id']}/apply",
                            headers=_auth(stack), timeout=30)
    assert applied.status_code == 200, applied.text
    assert applied.json()["applied"] == 4 and applied.json()["skipped"] == {}
    assert applied.json()["applied_at"]
    assert _verdicts(stack) == {n: v[1] for n, v in PROGRAMS.items()}
    original = requests.get(f"{stack.url}/api/v1/submissions/{stack.tokens['accepted/sum.c']}",
                            timeout=10).json()
    assert original["score"] == 0 and original["tests"][0]["verdict"] == "WA"
    assert [t["index"] for t in original["tests"]] == [1]  # the new results replaced the old
    again = requests.post(f"{stack.url}/api/v1/rejudges/{created['id']}/apply",
                          headers=_auth(stack), timeout=10)
    assert again.status_code == 409 and "applied already" in again.json()["error"]
    diff = _get(stack, f"/api/v1/rejudges/{created['id']}/diff").json()
    assert all(r["applied"] for r in diff["submissions"])
    # applied, they are judged on the current package: nothing is stale any more
    assert _rejudge(stack, stale=True, dry_run=True).json()["matched"] == 0


def test_cli_rejudge_with_filter_and_apply(rstack, tmp_path):
    stack = rstack
    out = tmp_path / "diff.json"
    env = {**os.environ, "JUDGEBOX_TOKEN": stack.token}
    dry = subprocess.run([sys.executable, "-m", "worker.cli", "rejudge", "rj", "--server",
                          stack.url, "--lang", "python3", "--dry-run"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert dry.returncode == 0, dry.stderr
    assert "1 submission(s) of rj match" in dry.stdout
    proc = subprocess.run([sys.executable, "-m", "worker.cli", "rejudge", "rj", "--server",
                           stack.url, "--verdict", "TLE", "--verdict", "CE", "--out", str(out),
                           "--time-limit", "0.5", "--apply", "--poll", "0.1"], env=env,
                          capture_output=True, text=True, timeout=150)
    assert proc.returncode == 0, proc.stderr
    assert "2 of 2 judged again: 0 changed, 2 unchanged" in proc.stdout
    assert "applied to 2 submission(s)" in proc.stdout
    report = json.loads(out.read_text())
    assert report["summary"]["total"] == 2 and report["summary"]["changed"] == 0
    assert {r["submission"] for r in report["submissions"]} == {
        stack.tokens["time_limit_exceeded/spin.c"],
        stack.tokens["compile_error/missing_semicolon.c"]}
    started = next(line for line in proc.stderr.splitlines() if "started" in line)
    rejudge_id = started.split()[1]
    # following it again shows the same diff; it cannot be applied twice
    follow = subprocess.run([sys.executable, "-m", "worker.cli", "rejudge", "rj", "--server",
                             stack.url, "--follow", rejudge_id, "--out",
                             str(tmp_path / "again.csv")], env=env, capture_output=True,
                            text=True, timeout=60)
    assert follow.returncode == 0, follow.stderr
    again = list(csv.DictReader(io.StringIO((tmp_path / "again.csv").read_text())))
    assert [(r["before"], r["after"], r["applied"]) for r in again] == [
        ("TLE", "TLE", "yes"), ("CE", "CE", "yes")]
    twice = subprocess.run(follow.args + ["--apply"], env=env, capture_output=True, text=True,
                           timeout=60)
    assert twice.returncode == 1 and "applied already" in twice.stderr
    wrong = subprocess.run([sys.executable, "-m", "worker.cli", "rejudge", "other",
                            "--server", stack.url, "--follow", rejudge_id], env=env,
                           capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and "of problem rj" in wrong.stderr


def test_cancel_and_apply_while_judging(rstack):
    stack = rstack
    created = _rejudge(stack).json()  # all four: the worker holds two boxes
    early = requests.post(f"{stack.url}/api/v1/rejudges/{created['id']}/apply",
                          headers=_auth(stack), timeout=10)
    assert early.status_code == 409 and "still judging" in early.json()["error"]
    cancelled = requests.post(f"{stack.url}/api/v1/rejudges/{created['id']}/cancel",
                              headers=_auth(stack), timeout=10).json()
    assert cancelled["state"] == "cancelled" and cancelled["dropped"] >= 1
    final = _wait_rejudge(stack, created["id"], timeout=60)
    diff = _get(stack, f"/api/v1/rejudges/{created['id']}/diff").json()
    states = [row["state"] for row in diff["submissions"]]
    assert states.count("cancelled") == cancelled["dropped"] == final["verdicts"]["cancelled"]
    before = _verdicts(stack)
    applied = requests.post(f"{stack.url}/api/v1/rejudges/{created['id']}/apply",
                            headers=_auth(stack), timeout=30).json()
    assert applied["skipped"] == {"cancelled": cancelled["dropped"]}
    assert applied["applied"] == 4 - cancelled["dropped"]
    assert _verdicts(stack) == before  # the package did not change since: same verdicts


def test_bad_requests(rstack):
    stack = rstack
    url = f"{stack.url}/api/v1/rejudges"
    assert requests.post(url, json={"problem": "rj"}, timeout=10).status_code == 401
    assert _rejudge(stack, problem="nope").status_code == 404
    for body in ({"verdicts": ["XX"]}, {"since": "yesterday"}, {"time_limit": -1},
                 {"colour": "red"}, {"problem": None}):
        answer = _rejudge(stack, **body)
        assert answer.status_code == 422, (body, answer.text)
    nothing = _rejudge(stack, submissions=["no-such-submission"])
    assert nothing.status_code == 422 and "matches" in nothing.json()["error"]
    assert requests.post(url, headers={**_auth(stack), "Content-Type": "application/json"},
                         data="{", timeout=10).status_code == 400
    assert _get(stack, f"{url}/nope").status_code == 404
    assert _get(stack, f"{url}/nope/diff").status_code == 404
    assert requests.post(f"{url}/nope/apply", headers=_auth(stack),
                         timeout=10).status_code == 404
    some = _rejudge(stack, verdicts=["CE"]).json()
    assert _get(stack, f"{url}/{some['id']}/diff?format=xml").status_code == 422
    not_a_batch = _get(stack, f"/api/v1/batches/{some['id']}")
    assert not_a_batch.status_code == 404  # a re-judge is not a batch
    _wait_rejudge(stack, some["id"])

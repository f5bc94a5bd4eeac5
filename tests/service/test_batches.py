"""``/api/v1/batches`` with real workers: a zip of mixed submissions gives the expected
report (CSV and JSON), ``judgebox batch --server`` gives the same, cancel drops what has not
started, and an interactive submission posted during a batch finishes well before it."""

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

REPO = Path(__file__).resolve().parents[2]
APLUSB = REPO / "examples" / "aplusb"
SUBS = APLUSB / "submissions"

pytestmark = [pytest.mark.timeout(180)]

# submitter/file -> expected verdict; alice has two files (the newest, v2.py, is judged)
CLASS = {"alice/v1.c": (SUBS / "accepted" / "sum.c", None),
         "alice/v2.py": (SUBS / "wrong_answer" / "difference.py", "WA"),
         "bob/sum.py": (SUBS / "accepted" / "sum.py", "AC"),
         "carol.c": (SUBS / "compile_error" / "missing_semicolon.c", "CE"),
         "dave.c": (SUBS / "time_limit_exceeded" / "spin.c", "TLE"),
         "erin.cpp": (SUBS / "run_time_error" / "abort.cpp", "RE")}


def class_zip() -> bytes:
    """The class's zip; alice's v2.py is newer than her v1.c."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for i, (name, (path, _)) in enumerate(sorted(CLASS.items())):
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 1, 10, i, 0))
            zf.writestr(info, path.read_bytes())
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bstack(tmp_path_factory, redis_server):
    """A stack of its own (one worker, one box: the queue order is then observable), with
    aplusb uploaded and an admin token."""
    if os.geteuid() != 0:
        pytest.skip("needs root (the real sandbox)")
    stack = build_stack(tmp_path_factory, redis_server, 7, "batches", workers=1,
                        concurrency=1, WORKER_LANGUAGES="c,cpp17,python3")
    from worker.store.tokens import create_token

    stack.token = create_token(stack.store, "batch-admin", scopes=["admin"])[1]
    answer = requests.post(f"{stack.url}/api/v1/problems", headers=_auth(stack),
                           files={"package": ("aplusb.zip", jbstack.example_zip("aplusb"))},
                           timeout=30)
    assert answer.status_code == 201, answer.text
    yield stack
    stop_stack(stack)


def _auth(stack) -> dict:
    return {"X-Auth-Token": stack.token}


def _get(stack, path: str) -> requests.Response:
    """GET ``path`` (of the stack, or a whole URL) with the stack's admin token: batches,
    re-judges and the lists need a token."""
    url = path if path.startswith("http") else stack.url + path
    return requests.get(url, headers=_auth(stack), timeout=10)


def _post_batch(stack, data: bytes, **fields) -> requests.Response:
    return requests.post(f"{stack.url}/api/v1/batches", headers=_auth(stack),
                         files={"submissions": ("class.zip", data)},
                         data={"problem": "aplusb", "time_limit": "0.5", **fields}, timeout=60)


def _wait_batch(stack, batch_id: str, timeout: float = 120) -> dict:
    def done():
        body = _get(stack, f"/api/v1/batches/{batch_id}").json()
        return body if body["state"] in ("done", "cancelled") and \
            body["done"] == body["total"] else None
    return jbstack.wait_until(done, timeout, 0.2, what=f"batch {batch_id}")


def test_batch_api_report(bstack):
    answer = _post_batch(bstack, class_zip())
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["total"] == 5 and answer.headers["Location"].endswith(body["id"])
    final = _wait_batch(bstack, body["id"])
    assert final["verdicts"] == {"AC": 1, "CE": 1, "RE": 1, "TLE": 1, "WA": 1}
    assert final["state"] == "done" and final["finished_at"]
    report = _get(bstack, f"/api/v1/batches/{body['id']}/report")
    assert report.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(report.text)))
    expected = {name: verdict for name, (_, verdict) in CLASS.items() if verdict}
    assert {r["file"]: r["verdict"] for r in rows} == expected
    carol = next(r for r in rows if r["submitter"] == "carol")
    assert "expected" in carol["compile_output"] and carol["tests"] == ""
    bob = next(r for r in rows if r["submitter"] == "bob")
    assert bob["score"] == "1" and bob["tests"].split()[0] == "sample/1:AC"
    as_json = _get(bstack, f"/api/v1/batches/{body['id']}/report?format=json").json()
    assert [r["file"] for r in as_json] == [r["file"] for r in rows]
    assert as_json[1]["tests"][0]["verdict"] == "AC"


def test_batch_api_bad_inputs(bstack):
    assert _post_batch(bstack, b"not a zip").status_code == 422
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("alice/notes.txt", "hello")
    answer = _post_batch(bstack, buffer.getvalue())
    assert answer.status_code == 422 and "notes.txt" in answer.text
    answer = requests.post(f"{bstack.url}/api/v1/batches", files={
        "submissions": ("c.zip", class_zip())}, data={"problem": "aplusb"}, timeout=10)
    assert answer.status_code == 401
    answer = requests.post(f"{bstack.url}/api/v1/batches", headers=_auth(bstack), files={
        "submissions": ("c.zip", class_zip())}, data={"problem": "nope"}, timeout=10)
    assert answer.status_code == 404
    assert _get(bstack, "/api/v1/batches/nope").status_code == 404


def test_cli_through_the_server(bstack, tmp_path):
    folder = tmp_path / "class"
    for name, (path, _) in CLASS.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(path.read_bytes())
    os.utime(folder / "alice" / "v1.c", (1, 1))
    out = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "worker.cli", "batch", "aplusb", str(folder),
                           "--server", bstack.url, "--out", str(out), "--time-limit", "0.5"],
                          capture_output=True, text=True, timeout=150)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    expected = {name: verdict for name, (_, verdict) in CLASS.items() if verdict}
    assert {r["file"]: r["verdict"] for r in report} == expected
    assert {r["language"] for r in report} == {"c", "cpp17", "python3"}
    # again: nothing is sent (the state file has it all), the report is the same
    from worker.store import submissions

    before = submissions.counts(bstack.store)
    again = subprocess.run(proc.args, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "5 of 5 already judged" in again.stderr
    assert submissions.counts(bstack.store) == before
    assert json.loads(out.read_text()) == report
    # a package path is not a server's problem name
    wrong = subprocess.run([*proc.args[:4], str(APLUSB), *proc.args[5:]], capture_output=True,
                           text=True, timeout=60)
    assert wrong.returncode == 1 and "PROBLEM is the name of a problem" in wrong.stderr


def test_several_files_per_submitter_through_the_server_and_the_api(bstack, tmp_path):
    """A submitter's folder is one program (--multi-file; the API's multi_file), its files
    sent as they are (a file that is not UTF-8 too)."""
    folder = tmp_path / "class"
    (folder / "frank").mkdir(parents=True)
    (folder / "frank" / "main.py").write_text("import helper\nprint(helper.add(*map(int, "
                                              "input().split())))\n")
    (folder / "frank" / "helper.py").write_text("def add(a, b):\n    return a + b\n")
    (folder / "frank" / "notes.bin").write_bytes(b"\x00\xff\xfe")  # only there
    (folder / "gina").mkdir()
    (folder / "gina" / "a.py").write_text("print(0)\n")
    (folder / "gina" / "b.py").write_text("print(1)\n")  # no entry: the first by name
    out = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "worker.cli", "batch", "aplusb", str(folder),
                           "--server", bstack.url, "--multi-file", "--out", str(out)],
                          capture_output=True, text=True, timeout=150)
    assert proc.returncode == 0, proc.stderr
    report = {r["submitter"]: r for r in json.loads(out.read_text())}
    assert report["frank"]["verdict"] == "AC", report["frank"]
    assert report["gina"]["verdict"] == "WA"
    assert "entry point a.py: the first of" in report["gina"]["compile_output"]
    from worker.store import submissions
    stored = [r for r in submissions.list_submissions(bstack.store, limit=10)
              if r.files and r.files[0].name == "helper.py"]
    assert stored and {f.name: f.content for f in submissions.get(
        bstack.store, stored[0].token).files}["notes.bin"] == b"\x00\xff\xfe"
    # the same through /api/v1/batches
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, f"class/{path.relative_to(folder)}")
    answer = _post_batch(bstack, buffer.getvalue(), multi_file="true")
    assert answer.status_code == 202, answer.text
    _wait_batch(bstack, answer.json()["id"])
    rows = _get(bstack, f"/api/v1/batches/{answer.json()['id']}/report?format=json").json()
    assert {r["submitter"]: r["verdict"] for r in rows} == {"frank": "AC", "gina": "WA"}
    both = _post_batch(bstack, buffer.getvalue(), multi_file="true", all_files="true")
    assert both.status_code == 422 and "multi_file" in both.json()["fields"]


SPIN = (SUBS / "time_limit_exceeded" / "spin.c").read_bytes()


def _spins(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for i in range(count):
            # a different file each: same content would be judged just the same anyway
            zf.writestr(f"s{i:02d}.c", SPIN + f"/* {i} */\n".encode())
    return buffer.getvalue()


def test_interactive_submission_finishes_well_before_the_batch(bstack):
    from worker.store import submissions

    batch = _post_batch(bstack, _spins(8)).json()
    jbstack.wait_until(lambda: _get(bstack, f"/api/v1/batches/{batch['id']}").json()[
        "done"] >= 1, 60, 0.1, what="the batch to start")
    urgent = requests.post(f"{bstack.url}/api/v1/submissions", json={
        "language": "python3", "problem": "aplusb", "source": (SUBS / "accepted" / "sum.py")
        .read_text()}, timeout=10).json()["id"]

    def finished():
        row = submissions.get(bstack.store, urgent)
        return row if row.state == "done" else None
    row = jbstack.wait_until(finished, 60, 0.05, what="the interactive submission")
    assert row.verdict == "AC"
    progress = _get(bstack, f"/api/v1/batches/{batch['id']}").json()
    assert progress["total"] - progress["done"] >= 4, progress  # most of the batch is left
    final = _wait_batch(bstack, batch["id"])
    assert final["verdicts"] == {"TLE": 8}
    assert final["finished_at"] > row.finished_at.isoformat()


def test_cancel_drops_what_has_not_started(bstack):
    batch = _post_batch(bstack, _spins(6)).json()
    answer = requests.post(f"{bstack.url}/api/v1/batches/{batch['id']}/cancel",
                           headers=_auth(bstack), timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["dropped"] >= 4 and answer.json()["state"] == "cancelled"
    final = _wait_batch(bstack, batch["id"], timeout=60)
    assert final["verdicts"].get("cancelled", 0) == answer.json()["dropped"]
    report = _get(bstack, f"/api/v1/batches/{batch['id']}/report").text
    rows = list(csv.DictReader(io.StringIO(report)))
    assert sum(r["verdict"] == "cancelled" for r in rows) == answer.json()["dropped"]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """The store, migrated (revision 0002 included), on SQLite and on PostgreSQL."""
    from worker.store import Store

    url = f"sqlite:///{tmp_path}/judgebox.sqlite3" if request.param == "sqlite" \
        else request.getfixturevalue("fresh_postgres_url")
    s = Store(url)
    s.migrate()
    yield s
    s.engine.dispose()


def test_cancelling_a_batch_ends_only_its_queued_submissions(store):
    from worker.store import batches, submissions
    from worker.store.submissions import NewSubmission

    rows = [submissions.create(store, NewSubmission(language="c", source=b"int main(){}",
                                                    queue="batch")) for _ in range(3)]
    held = submissions.claim(store, rows[0].token, "w:1", lease_s=30)  # one is being judged
    entries = [batches.NewEntry(f"s{i}", f"s{i}.c", "c", r.token)
               for i, r in enumerate(rows)]
    batch = batches.create_batch(store, "aplusb", entries, {"run_all": False})
    loaded = batches.get_batch(store, batch.token)
    assert [i.submitter for i in loaded.items] == ["s0", "s1", "s2"]
    assert batches.cancel_batch(store, loaded) == 2
    assert batches.get_batch(store, batch.token).cancelled_at is not None
    states = {r.token: r for r in batches.batch_submissions(store, loaded).values()}
    assert states[rows[0].token].state == "compiling"
    assert all(states[r.token].state == "done" and states[r.token].message == "cancelled"
               for r in rows[1:])
    with pytest.raises(submissions.NotClaimable):  # a worker given one later skips it
        submissions.claim(store, rows[1].token, "w:2", lease_s=30)
    submissions.finish(store, held, {"verdict": "AC"})  # the running one still finishes


def test_a_resumed_remote_run_polls_what_it_had_sent(bstack, tmp_path):
    """A run stopped after sending a submission finds it in the state file and waits for
    it instead of sending it again."""
    from worker.core.batch import BatchItem, BatchState, Server, Stop, judge_on_server
    from worker.store import submissions

    source = SUBS / "accepted" / "sum.py"
    sent = requests.post(f"{bstack.url}/api/v1/submissions", json={
        "language": "python3", "problem": "aplusb", "source": source.read_text(),
        "queue": "batch"}, timeout=10).json()["id"]
    state = BatchState(tmp_path / "r.csv.state")
    state.sent("key-1", sent)
    state = BatchState(tmp_path / "r.csv.state")  # as the next run reads it
    assert state.pending == {"key-1": sent}
    before = submissions.counts(bstack.store)
    got = []
    item = BatchItem("bob", "bob/sum.py", source, "python3")
    judge_on_server(Server(bstack.url), "aplusb", [("key-1", item)], state, 4,
                    lambda i, r: got.append(r), Stop())
    assert [(r.submitter, r.verdict) for r in got] == [("bob", "AC")]
    assert sum(submissions.counts(bstack.store).values()) == sum(before.values())

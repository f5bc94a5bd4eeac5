"""The store on PostgreSQL for real: a throwaway cluster of the test session (``postgres`` in
conftest.py: initdb + pg_ctl into a temp dir, a free port), the migrations up from an empty
database, and the main flows of both APIs with a real Celery worker judging in the real
sandbox against it. (tests/service/test_store.py runs the lease tests on it too.)"""

from __future__ import annotations

import base64
import io
import multiprocessing
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import requests
from sqlalchemy import inspect, text
from test_judging import C_APLUSB, PY_APLUSB, b64, submit, wait_done

from jbstack import build_stack, stop_stack
from worker.service.celery_app import enqueue
from worker.store import MIGRATIONS_DIR, Store, submissions
from worker.store.submissions import NewSubmission, NewTest

REPO = Path(__file__).resolve().parents[2]
TABLES = {"packages", "problems", "submissions", "submission_tests", "test_results",
          "api_tokens", "workers", "batches", "batch_items", "alembic_version", "users",
          "courses", "course_members", "assignments", "assignment_problems", "submission_files"}


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def _migrate_in_child(url, queue):
    try:
        Store(url).migrate()
        queue.put("ok")
    except Exception as exc:  # noqa: BLE001 (reported to the parent)
        queue.put(repr(exc))


def test_migrations_up_from_an_empty_database(fresh_postgres_url):
    store = Store(fresh_postgres_url)
    assert store.engine.dialect.name == "postgresql"
    assert inspect(store.engine).get_table_names() == []
    # three processes migrate the empty database at once (the advisory lock serialises them)
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_migrate_in_child, args=(fresh_postgres_url, queue))
             for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert sorted(queue.get(timeout=5) for _ in procs) == ["ok", "ok", "ok"]
    assert set(inspect(store.engine).get_table_names()) == TABLES
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() \
            == [_head()]
        types = {c["name"]: c["type"].__class__.__name__
                 for c in inspect(conn).get_columns("submissions")}
    assert types["source"] == "BYTEA" and types["limits"] == "JSON"
    store.migrate()  # again: nothing to do
    assert "***" in store.safe_url() and store.safe_url().startswith("postgresql+psycopg://")
    store.engine.dispose()


def test_alembic_command_line_upgrades_from_empty(postgres):
    """The development path (docs/service.md): ``alembic upgrade head`` from the repository
    root, the database named by DATABASE_URL."""
    url = postgres.create_database("alembic_cli")
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=REPO,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    store = Store(url)
    assert set(inspect(store.engine).get_table_names()) == TABLES
    store.engine.dispose()


def test_store_errors_name_the_database_without_its_password(postgres):
    from worker.store import StoreError

    url = postgres.url("no_such_database")
    store = Store(url)
    with pytest.raises(StoreError) as err:
        store.ping()
    assert "no_such_database" in str(err.value) and postgres.password not in str(err.value)
    store.engine.dispose()


@pytest.fixture(scope="module")
def pg_stack(tmp_path_factory, redis_server, postgres):
    """A stack whose store is PostgreSQL: the web app over HTTP and one worker (two boxes)."""
    if os.geteuid() != 0:
        pytest.skip("needs root (the real sandbox)")
    url = postgres.create_database("stack")
    stack = build_stack(tmp_path_factory, redis_server, 4, "pg", workers=1, concurrency=2,
                        DATABASE_URL=url, CALLBACKS_ALLOW_PRIVATE=True)
    assert stack.store.engine.dialect.name == "postgresql"
    yield stack
    stop_stack(stack)
    stack.store.engine.dispose()


def test_the_worker_reports_itself_in_postgres(pg_stack):
    # the worker's row got there (build_stack waited for it): the worker uses the same store
    with pg_stack.store.engine.connect() as conn:
        names = conn.execute(text("SELECT name FROM workers")).scalars().all()
    assert names and all(n.startswith("pg-w1@") for n in names)
    assert requests.get(f"{pg_stack.url}/readyz", timeout=10).status_code == 200


@pytest.mark.parametrize("language, source, tests, verdict", [
    ("c", C_APLUSB, [{"stdin": "1 2\n", "expected": "3"}, {"stdin": "-5 5", "expected": "0"}],
     "AC"),
    ("python3", PY_APLUSB, [{"stdin": "1 2\n", "expected": "3"},
                            {"stdin": "2 2", "expected": "5"}], "WA"),
    ("c", "int main(void) { return x; }\n", [{"stdin": ""}], "CE"),
])
def test_native_submission_judged_on_postgres(pg_stack, language, source, tests, verdict):
    token = submit(pg_stack.url, language=language, source=source, tests=tests)
    body = wait_done(pg_stack.url, token)
    assert body["verdict"] == verdict, body
    if verdict == "AC":
        assert [t["stdout"] for t in body["tests"]] == ["3\n", "0\n"]
    elif verdict == "WA":
        assert [t["verdict"] for t in body["tests"]] == ["AC", "WA"]
    else:
        assert "error" in body["compile_output"] and body["tests"] == []
    listed = requests.get(f"{pg_stack.url}/api/v1/submissions?verdict={verdict}&limit=100",
                          headers=_admin(pg_stack), timeout=10).json()["submissions"]
    assert token in [s["id"] for s in listed]


def _admin(stack) -> dict:
    """An admin token's header (listing submissions needs a token), made once per stack."""
    if not hasattr(stack, "admin_token"):
        from worker.store.tokens import create_token
        stack.admin_token = create_token(stack.store, "pg-lister", scopes=["admin"])[1]
    return {"X-Auth-Token": stack.admin_token}


def test_judge0_wait_batch_and_list_on_postgres(pg_stack):
    url = pg_stack.url
    response = requests.post(f"{url}/submissions?base64_encoded=true&wait=true", json={
        "source_code": b64(C_APLUSB), "language_id": 50, "stdin": b64("20 22"),
        "expected_output": b64("42")}, timeout=60)
    assert response.status_code == 201
    result = response.json()
    assert result["status"]["id"] == 3 and result["stdout"] == b64("42\n"), result
    created = requests.post(f"{url}/submissions/batch", json={"submissions": [
        {"source_code": PY_APLUSB, "language_id": 71, "stdin": "1 1", "expected_output": "2"},
        {"source_code": PY_APLUSB, "language_id": 71, "stdin": "1 1", "expected_output": "3"},
    ]}, timeout=10)
    assert created.status_code == 201
    tokens = [item["token"] for item in created.json()]

    def both_done():
        got = requests.get(f"{url}/submissions/batch?tokens={','.join(tokens)}&fields=*",
                           timeout=10).json()["submissions"]
        return got if all(s["status"]["id"] > 2 for s in got) else None

    from jbstack import wait_until
    got = wait_until(both_done, 60, 0.1, what="the batch")
    assert [s["status"]["id"] for s in got] == [3, 4]
    assert got[0]["created_at"].endswith("Z") and got[0]["language_id"] == 71
    page = requests.get(f"{url}/submissions?page=1&per_page=2", headers=_admin(pg_stack),
                        timeout=10).json()
    assert [s["token"] for s in page["submissions"]] == tokens[::-1]
    assert page["meta"]["total_count"] >= 3


def test_problem_upload_submit_and_delete_on_postgres(pg_stack):
    from worker.store.tokens import create_token

    admin = create_token(pg_stack.store, "pg-admin", scopes=["admin"])[1]
    buffer = io.BytesIO()
    root = REPO / "examples" / "aplusb"
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(root.rglob("*")):
            zf.write(path, f"aplusb/{path.relative_to(root)}")
    response = requests.post(f"{pg_stack.url}/api/v1/problems", headers={
        "X-Auth-Token": admin}, files={"package": ("aplusb.zip", buffer.getvalue())},
        timeout=30)
    assert response.status_code == 201, response.text
    token = submit(pg_stack.url, language="python3", source=PY_APLUSB, problem="aplusb")
    body = wait_done(pg_stack.url, token)
    assert body["verdict"] == "AC" and body["problem"] == "aplusb", body
    assert len(body["tests"]) == response.json()["test_count"]
    deleted = requests.delete(f"{pg_stack.url}/api/v1/problems/aplusb",
                              headers={"X-Auth-Token": admin}, timeout=10)
    assert deleted.status_code == 204
    assert requests.get(f"{pg_stack.url}/api/v1/problems/aplusb", timeout=10).status_code \
        == 404


def test_a_task_delivered_twice_is_stored_once_on_postgres(pg_stack):
    row = submissions.create(pg_stack.store, NewSubmission(
        language="python3", source=PY_APLUSB.encode(),
        tests=(NewTest(b"1 2", b"3"), NewTest(b"3 4", b"7")), limits={"cpu_ms": 2000}))
    celery_app = pg_stack.app.extensions["celery"]
    enqueue(celery_app, row.token, "interactive", 60)
    enqueue(celery_app, row.token, "interactive", 60)  # both pool processes may take it
    body = wait_done(pg_stack.url, row.token)
    assert body["verdict"] == "AC" and [t["index"] for t in body["tests"]] == [1, 2]
    assert submissions.get(pg_stack.store, row.token).attempt == 1


# --- any bytes a program or a package puts into text reach the store (issue 17) ---------

ODD = b"nul\x00 and \xff\xfe not utf-8"
ODD_PACKAGE = {
    "problem.yaml": 'problem_format_version: 2023-07-draft\nname: "odd \\0 title"\n'
                    "validation: custom\nlimits:\n  time_limit: 2\n",
    "data/sample/1.in": "1\n", "data/sample/1.ans": "1\n",
    "data/secret/1.in": "2\n", "data/secret/1.ans": "2\n",
    # a validator that quotes what it got, NUL and all, as many do
    "output_validators/echo/validate.py":
        "import sys\nteam = sys.stdin.buffer.read()\n"
        "open(sys.argv[3] + 'judgemessage.txt', 'wb').write(b'got ' + team)\n"
        "sys.exit(42 if team.strip() == open(sys.argv[2], 'rb').read().strip() else 43)\n",
}


def _zip(files: dict[str, str], top: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, text in files.items():
            zf.writestr(f"{top}/{name}", text)
    return buffer.getvalue()


def _printer(data: bytes) -> str:
    return f"import sys\nsys.stdout.buffer.write({data!r})\nsys.stderr.buffer.write({data!r})\n"


def test_nul_and_invalid_utf8_in_every_text_reach_postgres(pg_stack):
    """A NUL or bytes that are not UTF-8 in compile output (quoting the source), stdout,
    stderr, a checker's message (quoting the output), a validator's judge message, a
    problem's title, through the whole pipeline: every judgement is stored at the first try
    (escaped where text cannot hold them: a NUL as \\x00) and shown (the store turned each
    into a DataError before, and the submission stayed compiling through every retry)."""
    from worker.store.tokens import create_token

    url = pg_stack.url
    # compile output quoting a source line with a NUL in it (CPython quotes the line it
    # decoded; UTF-7 decodes "+AAA-" to a NUL), as judge0's compile_output too
    source = "# coding: utf-7\nx = 1 +AAA-\ny = (\n"
    token = submit(url, language="python3", source=source, tests=[{"stdin": ""}])
    body = wait_done(url, token)
    assert body["verdict"] == "CE" and "x = 1 \\x00" in body["compile_output"], body
    created = requests.post(f"{url}/submissions?wait=true", json={
        "source_code": source, "language_id": 71}, timeout=60)
    assert created.status_code == 201 and "x = 1 \\x00" in created.json()["compile_output"]
    # stdout and stderr with them, kept as bytes (native, ad hoc)
    token = submit(url, language="python3", source=_printer(ODD),
                   tests=[{"stdin": "", "expected": "x"}])
    body = wait_done(url, token)
    assert body["verdict"] == "WA" and body["tests"][0]["stdout"].startswith("nul\x00 and")
    row = submissions.get(pg_stack.store, token)
    assert row.results[0].stdout == ODD and row.results[0].stderr == ODD and row.attempt == 1
    # a package whose title has a NUL; the default checker and a Kattis validator quoting
    # the output
    admin = create_token(pg_stack.store, "pg-odd-admin", scopes=["admin"])[1]
    for name, files in (("odd", ODD_PACKAGE), ("oddsum", None)):
        package = _zip(files, name) if files else _zip({
            str(p.relative_to(REPO / "examples/aplusb")): p.read_text()
            for p in (REPO / "examples/aplusb").rglob("*") if p.is_file()}, name)
        response = requests.post(f"{url}/api/v1/problems", headers={"X-Auth-Token": admin},
                                 files={"package": (f"{name}.zip", package)}, timeout=30)
        assert response.status_code == 201, response.text
        token = submit(url, language="python3", source=_printer(ODD), problem=name)
        body = wait_done(url, token)
        assert body["verdict"] == "WA", body
        message = body["tests"][0]["checker_message"]
        assert "nul\\x00" in message, message
        assert submissions.get(pg_stack.store, token).attempt == 1
    listed = requests.get(f"{url}/api/v1/problems/odd", timeout=10).json()
    assert listed["title"] == "odd \\x00 title", listed


def test_every_text_column_takes_any_text_on_postgres(fresh_postgres_url):
    """Every free-text column (messages, compile output, test and group names, titles,
    submitters, file names...) takes a NUL, bytes that are not UTF-8 (as ``surrogateescape``
    decodes them) and lone surrogates: stored escaped, read back as stored, the rest of the
    text unchanged."""
    from worker.store import db

    store = Store(fresh_postgres_url)
    store.migrate()
    odd = "a\x00b \udcff\udcfe c\ud800 d\u00e9\U0001f600"
    shown = "a\\x00b \\xff\\xfe c\\xed\\xa0\\x80 d\u00e9\U0001f600"
    assert db.storable(odd) == shown and db.storable("plain") == "plain"
    columns = [(model, column.key, column.type) for model in db.Base.__subclasses__()
               for column in model.__table__.columns
               if isinstance(column.type, (db.StoredText, db.StoredString))]
    assert {(m.__name__, key) for m, key, _ in columns} >= {
        ("Submission", "message"), ("Submission", "compile_output"), ("TestResult", "name"),
        ("TestResult", "group"), ("TestResult", "checker_message"), ("Problem", "title"),
        ("BatchEntry", "submitter"), ("BatchEntry", "file"), ("SubmissionTest", "name")}
    row = submissions.create(store, NewSubmission(language="c", source=b"x",
                                                  tests=(NewTest(b"", None, name=odd),)))
    held = submissions.claim(store, row.token, "test", 60)
    submissions.finish(store, held, {"verdict": "WA", "message": odd, "compile_output": odd},
                       [{"index": 1, "name": odd, "group": odd, "verdict": "WA",
                         "status": "OK", "checker_message": odd, "stdout": b"\0",
                         "stderr": b"\xff"}])
    back = submissions.get(store, row.token)
    assert (back.message, back.compile_output, back.tests[0].name) == (shown,) * 3
    result = back.results[0]
    assert (result.name, result.group, result.checker_message) == (shown,) * 3
    assert (result.stdout, result.stderr) == (b"\0", b"\xff")  # bytes stay bytes
    long = "\x00" * 1000  # escaped, then cut to the column's length
    with store.write() as session:
        session.add(db.WorkerRecord(name="w", hostname=long))
    with store.read() as session:
        assert session.get(db.WorkerRecord, "w").hostname == "\\x00" * 50
    store.engine.dispose()


def test_a_judgement_the_store_refuses_is_se_at_once_not_retried(fresh_postgres_url,
                                                                  monkeypatch):
    """A value the database refuses is no outage: trying again would fail alike (it left the
    submission compiling through every retry, then SE on the fourth). The judgement is SE at
    once, at the first attempt, with the database's reason and none of the test data."""
    from worker.service import pipeline

    store = Store(fresh_postgres_url)
    store.migrate()
    row = submissions.create(store, NewSubmission(language="c", source=b"x",
                                                  tests=(NewTest(b"", None),)))
    secret = "secret test data"
    monkeypatch.setattr(pipeline, "_judge", lambda row, reporter, settings: {
        "verdict": "TOOLONG", "message": secret})  # verdict is VARCHAR(4)
    settings = pipeline.JudgeSettings()
    assert pipeline.judge_submission(store, row.token, "test", settings) == "judged"
    back = submissions.get(store, row.token)
    assert (back.state, back.verdict, back.attempt) == ("done", "SE", 1)
    assert "could not be stored" in back.message and "character varying(4)" in back.message
    assert secret not in back.message
    store.engine.dispose()

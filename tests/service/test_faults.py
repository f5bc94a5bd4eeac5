"""Faults beyond a worker killed with kill -9 (that one is in test_reliability.py): Redis
restarted with submissions queued (and down while clients post), the database unavailable for
a while (PostgreSQL stopped and started; SQLite locked), the web app restarted, the box
filesystem and the worker's own disk full, a problem package deleted while judged.

Each ends with every submission judged and stored once (one result set, one attempt unless a
worker really lost it), judgebox's own failures as SE with a reason, and the reconciler
recovering what can be recovered. Everything runs on processes of this module's own (a
redis-server it restarts, workers, a web server, a PostgreSQL cluster, a small tmpfs it
mounts), each stopped by its pid (or unmounted) at the end.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
import requests

import jbstack
from jbstack import REPO, wait_until
from worker.service.celery_app import enqueue, queue_lengths
from worker.store import submissions
from worker.store.db import DONE

# ~1 s of CPU, then the answer: keeps a worker busy while its queue fills.
SPIN = ("#include <stdio.h>\n#include <time.h>\nint main(void){clock_t t=clock();"
        "volatile unsigned long n=0;while(clock()-t<CLOCKS_PER_SEC)n++;puts(\"done\");"
        "return 0;}\n")

ECHO = "print(input())\n"
SLOW_ECHO = "import time\ntime.sleep(0.6)\nprint(input())\n"


def _require_root():
    if os.geteuid() != 0:
        pytest.skip("the fault tests judge in the real sandbox: run them as root")


class RestartableRedis(jbstack.RedisServer):
    """A redis-server of this module's own (no persistence: what is queued dies with it),
    that can be stopped and started again on the same port."""

    def kill(self) -> None:
        """Stop it (SIGTERM to the pid this module started; nothing is saved)."""
        jbstack.stop_process(self.proc)

    def start(self) -> None:
        """Start it again, empty, on the same port."""
        self.proc = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.directory), "--save", "", "--appendonly", "no",
             "--daemonize", "no"], stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        wait_until(self._answers, 10, what="redis-server to start again")


def _start_workers(store, env, data_dir, names, queues="interactive") -> dict:
    procs = {name: jbstack.start_worker(env, name, data_dir, concurrency=1, queues=queues)
             for name in names}
    for name, proc in procs.items():
        jbstack.wait_for_worker(store, name, proc)
    return procs


@pytest.fixture(scope="module")
def fstack(tmp_path_factory):
    """A stack of this module: its own redis-server (restarted by the tests), a SQLite store,
    two workers of one box each on the interactive queue, the app over HTTP."""
    _require_root()
    from web import create_app

    redis = RestartableRedis(tmp_path_factory.mktemp("faults-redis"))
    data_dir = tmp_path_factory.mktemp("faults")
    url = redis.url(0)
    env = jbstack.service_env(data_dir, url)
    app = create_app(jbstack.app_config(data_dir, url))
    host = socket.gethostname()
    stack = jbstack.Stack(redis, data_dir, app, None, {}, env)
    try:
        stack.workers.update(_start_workers(app.extensions["judgebox_store"], env, data_dir,
                                            [f"faults-w{i}@{host}" for i in (1, 2)]))
        stack.server = jbstack.LiveServer(app)
        yield stack
    finally:
        jbstack.stop_stack(stack)
        redis.stop()


def _post(base: str, **body) -> requests.Response:
    # 5 s of CPU (and 11 s of wall time) for programs that need well under one: the machine
    # may be busy with other tests, and a slow start must not read as TLE here
    body["limits"] = {"time_limit": 5, **body.get("limits", {})}
    return requests.post(f"{base}/api/v1/submissions", json=body, timeout=30)


def _submit(base: str, **body) -> str:
    response = _post(base, **body)
    assert response.status_code == 202, response.text
    return response.json()["id"]


def _done(store, token: str, timeout: float = 60):
    def finished():
        row = submissions.get(store, token)
        return row if row is not None and row.state == DONE else None
    return wait_until(finished, timeout, 0.1, what=f"submission {token}")


def _judged_once(row, tests: int) -> None:
    """One judgement's results, stored once: indexes 1..k, each once (k <= tests)."""
    indexes = [r.index for r in row.results]
    assert indexes == list(range(1, len(indexes) + 1)) and 1 <= len(indexes) <= tests, \
        (row.token, indexes)


def _counts(store) -> dict:
    return submissions.counts(store)


# --- Redis restarted ------------------------------------------------------------------------

def test_redis_restarted_with_submissions_queued(fstack):
    """Two workers busy, four submissions waiting in Redis; Redis restarts empty. The running
    ones finish, the reconciler sends the lost ones again: all judged once."""
    base, store = fstack.url, fstack.store
    busy = [_submit(base, language="c", source=SPIN, tests=[{"expected": "done"}])
            for _ in range(2)]
    wait_until(lambda: all(submissions.get(store, t).state != "queued" for t in busy), 30,
               0.05, what="both workers busy")
    waiting = [_submit(base, language="python3", source=ECHO,
                       tests=[{"stdin": f"{i}\n", "expected": str(i)}]) for i in range(4)]
    fstack.redis.kill()
    try:
        assert all(submissions.get(store, t).state == "queued" for t in waiting)
    finally:
        fstack.redis.start()
    celery_app = fstack.app.extensions["celery"]
    assert queue_lengths(celery_app, ["interactive"]) == {"interactive": 0}  # all lost
    rows = [_done(store, t, timeout=90) for t in busy + waiting]
    for row in rows:
        assert row.verdict == "AC", (row.token, row.verdict, row.message)
        _judged_once(row, 1)
    assert [r.attempt for r in rows[2:]] == [1, 1, 1, 1]  # never claimed before: sent again
    assert all(r.attempt <= 2 for r in rows[:2])
    counts = _counts(store)
    assert counts.get("queued", 0) == counts.get("running", 0) == \
        counts.get("compiling", 0) == 0
    # and the workers consume the new Redis: a fresh submission is judged at once
    fresh = _done(store, _submit(base, language="python3", source=ECHO,
                                 tests=[{"stdin": "x", "expected": "x"}]), timeout=30)
    assert fresh.verdict == "AC" and fresh.attempt == 1


def test_posting_while_redis_is_down_is_503_and_stores_nothing(fstack):
    base, store = fstack.url, fstack.store
    before = sum(_counts(store).values())
    fstack.redis.kill()
    try:
        started = time.monotonic()
        native = _post(base, language="python3", source=ECHO, tests=[{"stdin": "1"}])
        judge0 = requests.post(f"{base}/submissions", json={
            "source_code": ECHO, "language_id": 71, "stdin": "1"}, timeout=30)
        took = time.monotonic() - started
        ready = requests.get(f"{base}/readyz", timeout=30)
    finally:
        fstack.redis.start()
    assert native.status_code == 503, native.text
    assert "queue is unavailable" in native.json()["error"]
    assert judge0.status_code == 503, judge0.text
    assert "queue is unavailable" in judge0.json()["error"]
    assert took < 20, f"answering took {took:.1f} s"
    assert ready.status_code == 503 and ready.json()["checks"]["broker"].startswith("error")
    assert sum(_counts(store).values()) == before  # nothing half-stored
    token = _submit(base, language="python3", source=ECHO,
                    tests=[{"stdin": "y", "expected": "y"}])
    assert _done(store, token, timeout=30).verdict == "AC"


# --- the database unavailable for a while ---------------------------------------------------

@pytest.fixture(scope="module")
def pgstack(tmp_path_factory):
    """A stack on a PostgreSQL cluster of this module's own, its own redis-server, the app
    over HTTP, and two workers of one box each: ``hold`` waits out an outage (the default 30
    s), ``brief`` gives up after half a second and has its task tried again later."""
    _require_root()
    reason = jbstack.postgres_unavailable()
    if reason:
        pytest.skip(reason)
    from web import create_app

    cluster = jbstack.PostgresCluster(jbstack.postgres_bindir())
    redis = jbstack.RedisServer(tmp_path_factory.mktemp("faults-pg-redis"))
    data_dir = tmp_path_factory.mktemp("faults-pg")
    db_url = cluster.create_database("faults")
    env = jbstack.service_env(data_dir, redis.url(0), DATABASE_URL=db_url)
    app = create_app(jbstack.app_config(data_dir, redis.url(0), DATABASE_URL=db_url))
    stack = jbstack.Stack(redis, data_dir, app, None, {}, env)
    stack.cluster = cluster
    try:
        host = socket.gethostname()
        stack.workers[f"hold@{host}"] = jbstack.start_worker(env, f"hold@{host}", data_dir)
        stack.workers[f"brief@{host}"] = jbstack.start_worker(
            dict(env, JUDGEBOX_DATABASE_WAIT="0.5"), f"brief@{host}", data_dir)
        for name, proc in stack.workers.items():
            jbstack.wait_for_worker(stack.store, name, proc)
        stack.server = jbstack.LiveServer(app)
        yield stack
    finally:
        jbstack.stop_stack(stack)
        redis.stop()
        stack.store.engine.dispose()
        cluster.stop()


def test_postgres_stopped_for_a_while(pgstack):
    """PostgreSQL stops while submissions are judged and queued, then starts again: the API
    answers 503 meanwhile (not 500), one worker holds its work, the other has its task tried
    again later, and everything is judged once afterwards."""
    base, store = pgstack.url, pgstack.store
    tests = [{"stdin": f"{i}\n", "expected": str(i)} for i in range(3)]
    tokens = [_submit(base, language="python3", source=SLOW_ECHO, tests=tests)
              for _ in range(4)]
    wait_until(lambda: sum(submissions.get(store, t).state == "running" for t in tokens) == 2,
               30, 0.05, what="both workers judging")
    pgstack.cluster.pause()
    try:
        down = time.monotonic()
        posted = _post(base, language="python3", source=ECHO, tests=[{"stdin": "1"}])
        got = requests.get(f"{base}/api/v1/submissions/{tokens[0]}", timeout=30)
        judge0 = requests.get(f"{base}/submissions/{tokens[0]}", timeout=30)
        ready = requests.get(f"{base}/readyz", timeout=30)
        healthy = requests.get(f"{base}/healthz", timeout=30)
        time.sleep(max(0.0, 6 - (time.monotonic() - down)))  # down for a while
    finally:
        pgstack.cluster.start()
    for response in (posted, got, judge0):
        assert response.status_code == 503, (response.request.url, response.text[:500])
        assert "database" in response.json()["error"], response.text
        assert "Traceback" not in response.text
    assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("error")
    assert healthy.status_code == 200
    rows = [_done(store, t, timeout=120) for t in tokens]
    for row in rows:
        assert row.verdict == "AC", (row.token, row.verdict, row.message)
        _judged_once(row, 3)
        assert len(row.results) == 3
        assert row.attempt <= 2  # 2: its try gave up, the retry judged it again
    assert requests.get(f"{base}/readyz", timeout=30).status_code == 200
    fresh = _submit(base, language="python3", source=ECHO, tests=[{"stdin": "z",
                                                                   "expected": "z"}])
    assert _done(store, fresh, timeout=30).verdict == "AC"
    logs = {name.split("@")[0]: (pgstack.data_dir / f"{name.split('@')[0]}.log").read_text()
            for name in pgstack.workers}
    assert "the database is unavailable (" in logs["hold"]  # it waited
    assert "the database is unavailable, trying again in" in logs["brief"]  # it retried
    assert "judge error" not in logs["hold"] + logs["brief"]


def test_sqlite_locked_for_a_while(fstack):
    """Another process holds the SQLite file's write lock for 5 s while workers judge: the
    workers wait (busy timeout), the API still reads (WAL), a post waits and is stored, and
    everything is judged once."""
    base, store = fstack.url, fstack.store
    tests = [{"stdin": f"{i}\n", "expected": str(i)} for i in range(3)]
    tokens = [_submit(base, language="python3", source=SLOW_ECHO, tests=tests)
              for _ in range(2)]
    wait_until(lambda: submissions.get(store, tokens[0]).state == "running", 30, 0.05,
               what="judging to start")
    holder = sqlite3.connect(fstack.data_dir / "judgebox.sqlite3", timeout=30,
                             isolation_level=None)
    posted: list = []
    try:
        holder.execute("BEGIN EXCLUSIVE")
        locked = time.monotonic()
        thread = threading.Thread(target=lambda: posted.append(_post(
            base, language="python3", source=ECHO, tests=[{"stdin": "p", "expected": "p"}])))
        thread.start()
        read = requests.get(f"{base}/api/v1/submissions/{tokens[0]}", timeout=30)
        assert read.status_code == 200 and time.monotonic() - locked < 3  # readers go on
        time.sleep(max(0.0, 5 - (time.monotonic() - locked)))
    finally:
        holder.close()  # rolls back: the lock is gone
    thread.join(30)
    assert posted and posted[0].status_code == 202, posted and posted[0].text
    tokens.append(posted[0].json()["id"])
    rows = [_done(store, t, timeout=60) for t in tokens]
    for row, count in zip(rows, (3, 3, 1)):
        assert row.verdict == "AC", (row.token, row.verdict, row.message)
        _judged_once(row, count)
        assert len(row.results) == count and row.attempt == 1


def test_sqlite_file_unreachable_is_503(tmp_path):
    """The web app's SQLite file cannot be opened (its directory moved away): 503 naming
    the database, /readyz says so; back again, answers as before."""
    from web import create_app

    data = tmp_path / "data"
    app = create_app(jbstack.app_config(data, "redis://127.0.0.1:1/0"))
    client = app.test_client()
    assert client.get("/api/v1/problems").status_code == 200
    app.extensions["judgebox_store"].dispose()
    data.rename(tmp_path / "moved")
    try:
        for path in ("/api/v1/problems/x", "/api/v1/submissions/nope", "/submissions/nope",
                     "/api/v1/problems"):
            response = client.get(path)
            assert response.status_code == 503, (path, response.data[:300])
            assert "database is unavailable" in response.get_json()["error"]
            assert response.headers["Retry-After"]
        posted = client.post("/api/v1/submissions", json={
            "language": "python3", "source": ECHO, "tests": [{"stdin": "1"}]})
        assert posted.status_code == 503, posted.data
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.get_json()["checks"]["database"].startswith("error")
    finally:
        (tmp_path / "moved").rename(data)
    assert client.get("/api/v1/problems").status_code == 200
    app.extensions["judgebox_store"].engine.dispose()


def test_an_outage_is_told_from_a_bad_query(tmp_path):
    """What waits or answers 503 (an outage) and what stays a bug (500, SE): SQLite says
    OperationalError for both."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    from worker.store import StoreError, unavailable

    def error(url: str, query: str) -> OperationalError:
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(text(query))
        except OperationalError as exc:
            return exc
        finally:
            engine.dispose()
        raise AssertionError(f"{query!r} on {url} did not fail")

    memory = "sqlite:///:memory:"
    assert not unavailable(error(memory, "SELECT * FROM no_such_table"))
    assert not unavailable(error(memory, "SELEC 1"))
    assert unavailable(error(f"sqlite:///{tmp_path}/gone/db.sqlite3", "SELECT 1"))
    assert unavailable(StoreError("cannot migrate"))
    assert not unavailable(ValueError("a judge bug"))


# --- the web app restarted ------------------------------------------------------------------

def _new(store, before: set[str]) -> list:
    return [r for r in submissions.list_submissions(store, limit=100) if r.token not in before]


class WebProcess:
    """The web app under gunicorn (as deployed), in a process group of its own, on a fixed
    port: killed with kill -9 and started again."""

    def __init__(self, env: dict, log_dir: Path) -> None:
        self.env, self.port = env, jbstack.free_port()
        self.log = open(log_dir / "gunicorn.log", "ab")
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "1", "--threads", "8", "--worker-class", "gthread",
             "web:create_app()"], cwd=REPO, env=self.env, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True)

        def answers():
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            with contextlib.suppress(requests.ConnectionError, requests.Timeout):
                return requests.get(f"{self.url}/healthz", timeout=5).status_code == 200
            return False
        wait_until(answers, 60, 0.1, what="gunicorn")

    def kill9(self) -> None:
        os.killpg(self.proc.pid, 9)  # the master and its workers, mid-request
        self.proc.wait(10)

    def stop(self) -> None:
        jbstack.stop_process(self.proc)
        self.log.close()


def test_web_app_killed_and_restarted(fstack):
    """The web process is killed with kill -9 while clients poll and one waits (Judge0
    ``wait=true``), then started again: every submission is judged once and the clients
    see the results."""
    store = fstack.store
    web = WebProcess(fstack.env, fstack.data_dir)
    web.start()
    try:
        before = {r.token for r in submissions.list_submissions(store, limit=100)}
        tests = [{"stdin": f"{i}\n", "expected": str(i)} for i in range(3)]
        tokens = [_submit(web.url, language="python3", source=SLOW_ECHO, tests=tests)
                  for _ in range(3)]
        waited: list = []

        def wait_request():
            try:
                waited.append(requests.post(f"{web.url}/submissions?wait=true", json={
                    "source_code": SLOW_ECHO, "language_id": 71, "stdin": "w",
                    "expected_output": "w"}, timeout=60))
            except requests.ConnectionError as exc:  # the server died mid-request
                waited.append(exc)

        waiter = threading.Thread(target=wait_request)
        waiter.start()
        seen: dict[str, dict] = {}
        errors = []

        def poll():
            deadline = time.monotonic() + 90
            while len(seen) < len(tokens) and time.monotonic() < deadline:
                for token in tokens:
                    try:
                        body = requests.get(f"{web.url}/api/v1/submissions/{token}",
                                            timeout=5).json()
                    except (requests.ConnectionError, requests.Timeout) as exc:
                        errors.append(exc)
                        continue
                    if body["state"] == "done":
                        seen[token] = body
                time.sleep(0.1)

        poller = threading.Thread(target=poll)
        poller.start()
        wait_until(lambda: any(submissions.get(store, t).state == "running" for t in tokens),
                   30, 0.05, what="judging to start")
        wait_until(lambda: len(_new(store, before)) == len(tokens) + 1, 30, 0.05,
                   what="the waiting client's submission")  # it is waiting now
        web.kill9()
        time.sleep(1.0)
        web.start()
        waiter.join(70)
        poller.join(100)
    finally:
        web.stop()
    assert errors, "the poller never noticed the restart"
    assert set(seen) == set(tokens), "a client did not see its result after the restart"
    for token in tokens:
        assert seen[token]["verdict"] == "AC" and len(seen[token]["tests"]) == 3
        row = submissions.get(store, token)
        assert row.attempt == 1
        _judged_once(row, 3)
    assert isinstance(waited[0], requests.ConnectionError), waited
    new = _new(store, before)
    assert len(new) == len(tokens) + 1  # the waiting client's too, stored once
    lost = next(r for r in new if r.token not in tokens)
    row = _done(store, lost.token, timeout=60)  # judged although nobody waits for it now
    assert row.verdict == "AC" and row.attempt == 1 and len(row.results) == 1


def _serve(env: dict, port: int, log: Path) -> subprocess.Popen:
    with open(log, "ab") as errors:
        proc = subprocess.Popen([sys.executable, "-m", "worker.cli", "serve", "--port",
                                 str(port), "--concurrency", "1"], env=env, cwd=REPO,
                                stdout=subprocess.PIPE, stderr=errors, text=True,
                                start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if "ready on http://" in line:
            return proc
        if not line and proc.poll() is not None:
            break
    jbstack.stop_process(proc)
    raise AssertionError(f"judgebox serve did not get ready: {log.read_text()[-2000:]}")


def test_serve_killed_and_started_again(fstack, tmp_path):
    """``judgebox serve`` (web app and worker in one command) is killed with kill -9 while a
    client polls three submissions, then started again: the client sees them all judged,
    once each."""
    data = tmp_path / "serve"
    (data / "cache").mkdir(parents=True)
    with contextlib.suppress(FileNotFoundError):  # its languages' self-test, cached
        shutil.copy(fstack.data_dir / "cache" / "languages.json", data / "cache")
    env = jbstack.service_env(data, fstack.redis.url(1))  # a Redis database of its own
    port = jbstack.free_port()
    url = f"http://127.0.0.1:{port}"
    serve = _serve(env, port, tmp_path / "serve.log")
    started = []
    try:
        tests = [{"stdin": f"{i}\n", "expected": str(i)} for i in range(3)]
        tokens = [_submit(url, language="python3", source=SLOW_ECHO, tests=tests)
                  for _ in range(3)]
        seen: dict[str, dict] = {}

        def poll():
            deadline = time.monotonic() + 90
            while len(seen) < len(tokens) and time.monotonic() < deadline:
                for token in tokens:
                    with contextlib.suppress(requests.ConnectionError, requests.Timeout):
                        body = requests.get(f"{url}/api/v1/submissions/{token}",
                                            timeout=5).json()
                        if body["state"] == "done":
                            seen[token] = body
                time.sleep(0.1)

        poller = threading.Thread(target=poll)
        poller.start()
        wait_until(lambda: requests.get(f"{url}/api/v1/submissions/{tokens[0]}", timeout=5)
                   .json()["state"] == "running", 30, 0.05, what="judging to start")
        started = jbstack.descendants(serve.pid)  # its worker (a session of its own)
        os.kill(serve.pid, 9)
        serve.wait(10)
        serve = _serve(env, port, tmp_path / "serve.log")
        poller.join(100)
        # the first serve's worker got SIGTERM when serve died: it finished its judgement
        # and left (its own session, but a parent-death signal)
        wait_until(lambda: not [p for p in started if jbstack.alive(p)], 90, 0.2,
                   what="the killed serve's worker to stop")
    finally:
        jbstack.stop_process(serve, grace=30)
        # a fence: had the first serve's worker outlived serve, it is stopped here by its pid
        for pid in started:
            with contextlib.suppress(ProcessLookupError):
                if os.getpgid(pid) == pid:
                    os.killpg(pid, 9)
    assert set(seen) == set(tokens), "a client did not see its result after the restart"
    for token in tokens:
        assert seen[token]["verdict"] == "AC" and len(seen[token]["tests"]) == 3
        assert [t["index"] for t in seen[token]["tests"]] == [1, 2, 3]
    with contextlib.closing(sqlite3.connect(data / "judgebox.sqlite3")) as db:
        assert db.execute("SELECT state, attempt, count(*) FROM submissions "
                          "GROUP BY state, attempt").fetchall() == [("done", 1, 3)]


# --- full filesystems -----------------------------------------------------------------------

FILL = """import os, sys
written = 0
try:
    while True:
        with open(f"{DIR}/fill-{written}", "wb") as f:
            f.write(b"x" * (1 << 20))
        written += 1
except OSError as exc:
    print(f"errno {exc.errno} after {written} MiB", file=sys.stderr)
    sys.exit(3)
"""


@pytest.mark.parametrize("where", ["/tmp", "/box"])
def test_a_program_filling_its_box_gets_its_own_error(fstack, where):
    """/box and /tmp are small tmpfs mounts of the box: filling one is the program's own
    ENOSPC (it exits 3 here: RE), and the next submission runs as usual."""
    base, store = fstack.url, fstack.store
    token = _submit(base, language="python3", source=FILL.replace("{DIR}", where),
                    tests=[{"stdin": ""}], limits={"memory_limit": 512})
    row = _done(store, token)
    assert row.verdict == "RE" and row.exit_code == 3, (row.verdict, row.message)
    assert b"errno 28 after" in row.results[0].stderr, row.results[0].stderr
    after = _done(store, _submit(base, language="python3", source=ECHO,
                                 tests=[{"stdin": "ok", "expected": "ok"}]))
    assert after.verdict == "AC"


@contextlib.contextmanager
def small_disk(path: Path, size_kib: int):
    """A tmpfs of ``size_kib`` mounted at ``path`` by this test (and unmounted by it)."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs",
                    str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def _fill(directory: Path) -> Path:
    """Fill the filesystem of ``directory`` to the last byte; the filler file."""
    filler = directory / "filler"
    with open(filler, "wb", buffering=0) as f, contextlib.suppress(OSError):
        while True:
            f.write(b"\0" * 4096)
    return filler


def _zip_problem(root: Path, top: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(root.rglob("*")):
            zf.write(path, f"{top}/{path.relative_to(root)}")
    return buffer.getvalue()


def _upload(base: str, admin: str, name: str) -> dict:
    response = requests.post(f"{base}/api/v1/problems", headers={"X-Auth-Token": admin},
                             files={"package": (f"{name}.zip", _zip_problem(
                                 REPO / "examples" / "aplusb", "aplusb"))},
                             data={"name": name}, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()


PY_APLUSB = "a, b = map(int, input().split())\nprint(a + b)\n"
SLOW_APLUSB = "import time\ntime.sleep(0.4)\na, b = map(int, input().split())\nprint(a + b)\n"


def test_the_workers_own_disk_full(fstack):
    """The worker's work dirs and package cache on a disk that fills up: its judgements end
    SE saying why (never a verdict against the program), nothing half-unpacked stays in the
    cache, and once there is room again it judges as before."""
    from worker.store.tokens import create_token

    base, store = fstack.url, fstack.store
    admin = create_token(store, "faults-disk", scopes=["admin"])[1]
    problem = _upload(base, admin, "diskfull")
    disk = fstack.data_dir / "smalldisk"
    with small_disk(disk, 4096):
        (disk / "cache").mkdir()
        (disk / "tmp").mkdir()
        with contextlib.suppress(FileNotFoundError):  # its languages' self-test, cached
            shutil.copy(fstack.data_dir / "cache" / "languages.json", disk / "cache")
        env = dict(fstack.env, JUDGEBOX_CACHE_DIR=str(disk / "cache"), TMPDIR=str(disk / "tmp"))
        name = f"faults-disk@{socket.gethostname()}"
        worker = _start_workers(store, env, fstack.data_dir, [name], queues="batch")[name]
        try:
            def submit_both() -> tuple[str, str]:  # an ad-hoc C run, a problem in Python
                return (_submit(base, language="c", source=SPIN.replace("<CLOCKS", "<0*CLOCKS"),
                                tests=[{"expected": "done"}], queue="batch"),
                        _submit(base, language="python3", source=PY_APLUSB,
                                problem="diskfull", queue="batch"))

            # its pool process picks its temp dir at its first judgement (Python's tempfile
            # skips a TMPDIR it cannot write to: filled before that, /tmp would be used)
            warm = _submit(base, language="python3", source=ECHO, queue="batch",
                           tests=[{"stdin": "w", "expected": "w"}])
            assert _done(store, warm).verdict == "AC"
            filler = _fill(disk)
            adhoc, onproblem = submit_both()
            for token in (adhoc, onproblem):
                row = _done(store, token)
                assert row.verdict == "SE", (row.verdict, row.message)
                assert row.message.startswith("this worker's disk is full: ") and \
                    "No space left on device" in row.message, row.message
                assert row.attempt == 1 and row.worker.startswith(name)
            packages = disk / "cache" / "packages"
            assert not [p.name for p in packages.iterdir() if not p.name.endswith(".lock")]
            filler.unlink()  # room again
            adhoc, onproblem = submit_both()
            for token in (adhoc, onproblem):
                row = _done(store, token)
                assert row.verdict == "AC", (row.verdict, row.message)
                assert row.worker.startswith(name)
            assert len(submissions.get(store, onproblem).results) == problem["test_count"]
            assert (packages / problem["package_sha256"] / ".root").is_file()
        finally:
            jbstack.stop_process(worker)


def test_a_problem_deleted_while_judged(fstack):
    """The problem is deleted (API) and the worker's unpacked copy of its package removed
    while a submission is judged on it: the submission ends with a verdict or SE with a
    reason, is stored once, and reads well afterwards; new submissions to it are 404."""
    from worker.store.tokens import create_token

    base, store = fstack.url, fstack.store
    admin = create_token(store, "faults-delete", scopes=["admin"])[1]
    problem = _upload(base, admin, "doomed")
    token = _submit(base, language="python3", source=SLOW_APLUSB, problem="doomed")
    wait_until(lambda: submissions.get(store, token).test_index >= 2, 30, 0.02,
               what="the second test to start")
    deleted = requests.delete(f"{base}/api/v1/problems/doomed",
                              headers={"X-Auth-Token": admin}, timeout=10)
    assert deleted.status_code == 204
    packages = fstack.data_dir / "cache" / "packages"
    shutil.rmtree(packages / problem["package_sha256"])
    assert submissions.get(store, token).state != DONE, "judged before the package went"
    row = _done(store, token, timeout=60)
    # the tests left cannot be read: SE saying why (a verdict on half a package would be
    # wrong), not a hang, and the copy is unpacked again for the next judgement
    assert row.verdict == "SE", (row.verdict, row.message)
    assert "unpacked copy on this worker went missing while judged" in row.message, \
        row.message
    _judged_once(row, problem["test_count"])
    assert row.attempt == 1
    for path in (f"/api/v1/submissions/{token}", f"/s/{token}"):
        response = requests.get(f"{base}{path}", timeout=10)
        assert response.status_code == 200, (path, response.text[:300])
    again = _post(base, language="python3", source=PY_APLUSB, problem="doomed")
    assert again.status_code == 404
    # the same package uploaded again: unpacked again, judged as before
    assert _upload(base, admin, "reborn")["package_sha256"] == problem["package_sha256"]
    reborn = _done(store, _submit(base, language="python3", source=PY_APLUSB,
                                  problem="reborn"))
    assert reborn.verdict == "AC" and len(reborn.results) == problem["test_count"]
    assert sorted(p.name for p in packages.iterdir() if not p.name.endswith(".lock")) == \
        [problem["package_sha256"]]  # nothing half-removed or half-unpacked left behind


def test_a_package_whose_bytes_are_gone_is_se_with_the_reason(fstack):
    """A submission whose package no worker has cached and the store no longer holds (say, an
    operator deleted it): SE naming the package, at once, stored once."""
    from worker.store.submissions import NewSubmission

    digest = "0" * 64
    row = submissions.create(fstack.store, NewSubmission(
        language="python3", source=PY_APLUSB.encode(), problem_name="vanished",
        package_sha256=digest, checker="package", limits={"cpu_ms": 2000}))
    enqueue(fstack.app.extensions["celery"], row.token, "interactive", 60)
    done = _done(fstack.store, row.token, timeout=30)
    assert done.verdict == "SE" and done.attempt == 1 and done.results == []
    assert done.message == f"problem package: package {digest}: missing, or its bytes do " \
        "not match", done.message
    assert requests.get(f"{fstack.url}/api/v1/submissions/{row.token}",
                        timeout=10).status_code == 200


"""Nothing is lost and nothing is stored twice: a worker killed with kill -9 mid-judgement, a
task delivered twice, a queue message lost; interactive ahead of batch; Judge0 callbacks."""

from __future__ import annotations

import http.server
import json
import os
import signal
import socket
import threading

import pytest
import requests

import jbstack
from jbstack import build_stack, stop_stack
from worker.service.celery_app import enqueue
from worker.store import submissions
from worker.store.db import DONE
from worker.store.submissions import NewSubmission, NewTest

# Spins ~2 s of CPU, then answers: long enough to be killed in the middle.
SPIN = ("#include <stdio.h>\n#include <time.h>\nint main(void){clock_t t=clock();"
        "volatile unsigned long n=0;while(clock()-t<2*CLOCKS_PER_SEC)n++;puts(\"done\");"
        "return 0;}\n")


def _done(store, token, timeout=60):
    def finished():
        row = submissions.get(store, token)
        return row if row.state == DONE else None
    return jbstack.wait_until(finished, timeout, 0.1, what=f"submission {token}")


@pytest.fixture(scope="module")
def pair(tmp_path_factory, redis_server):
    """An isolated stack (its own database and broker db) with two workers of one box each."""
    if os.geteuid() != 0:
        pytest.skip("needs root (the real sandbox)")
    stack = build_stack(tmp_path_factory, redis_server, 2, "pair", workers=2, concurrency=1,
                        serve=True)
    yield stack
    stop_stack(stack)


def test_kill_9_mid_judgement_another_worker_finishes(pair, settled_leftovers):
    response = requests.post(f"{pair.url}/submissions", json={
        "source_code": SPIN, "language_id": 50, "expected_output": "done",
        "cpu_time_limit": 4, "wall_time_limit": 5}, timeout=10)
    token = response.json()["token"]
    row = jbstack.wait_until(
        lambda: (lambda r: r if r.state == "running" else None)(
            submissions.get(pair.store, token)), 30, 0.05, what="running")
    owner_name = row.worker.rsplit(":", 1)[0]
    victim = pair.workers[owner_name]
    survivor = next(n for n in pair.workers if n != owner_name)
    os.killpg(victim.pid, signal.SIGKILL)  # the whole worker: main and pool processes
    victim.wait(10)
    try:
        jbstack.wait_until(lambda: not jbstack.group_members(victim.pid), 10,
                           what="the killed worker's processes to go")
        done = _done(pair.store, token, timeout=60)
        assert done.verdict == "AC" and done.judge0_status == 3, done.message
        assert done.worker.rsplit(":", 1)[0] == survivor
        assert done.attempt == 2
        assert [r.index for r in done.results] == [1]  # stored once
        assert done.stdout == b"done\n"
    finally:
        # The killed worker's box died with it; its empty cgroup goes when a worker starts.
        pair.workers[owner_name] = jbstack.start_worker(pair.env, owner_name, pair.data_dir)
        jbstack.wait_for_worker(pair.store, owner_name, pair.workers[owner_name])
    assert not settled_leftovers(), "the killed worker's box left something behind"


def _create(store, **kw) -> str:
    new = NewSubmission(language="python3", source=b"print(input())",
                        tests=(NewTest(b"x\n", b"x"),), limits={"cpu_ms": 2000}, **kw)
    return submissions.create(store, new).token


def test_a_task_delivered_twice_is_judged_and_stored_once(pair):
    celery_app = pair.app.extensions["celery"]
    token = _create(pair.store)
    enqueue(celery_app, token, "interactive", 60)
    enqueue(celery_app, token, "interactive", 60)  # a re-delivery, as the broker may do
    row = _done(pair.store, token)
    assert row.verdict == "AC" and row.attempt == 1 and len(row.results) == 1
    counts = submissions.counts(pair.store)
    assert counts.get("queued", 0) == 0 and counts.get("running", 0) == 0


def test_a_lost_message_is_sent_again_by_the_reconciler(pair):
    token = _create(pair.store)  # stored, never sent: as if the broker lost it
    row = _done(pair.store, token, timeout=30)  # QUEUED_TIMEOUT is 3 s, rounds every 1 s
    assert row.verdict == "AC" and row.attempt == 1


def test_interactive_goes_ahead_of_batch(tmp_path_factory, redis_server):
    if os.geteuid() != 0:
        pytest.skip("needs root (the real sandbox)")
    stack = build_stack(tmp_path_factory, redis_server, 3, "prio", workers=0, serve=False)
    try:
        celery_app = stack.app.extensions["celery"]
        batch = [_create(stack.store, queue="batch") for _ in range(3)]
        for token in batch:
            enqueue(celery_app, token, "batch", 60)
        urgent = _create(stack.store, queue="interactive")
        enqueue(celery_app, urgent, "interactive", 60)
        name = f"prio-w1@{socket.gethostname()}"
        stack.workers[name] = jbstack.start_worker(stack.env, name, stack.data_dir)
        rows = [_done(stack.store, t) for t in [urgent, *batch]]
        order = sorted(rows, key=lambda r: r.started_at)
        assert order[0].token == urgent
        assert all(r.verdict == "AC" for r in rows)
    finally:
        stop_stack(stack)


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_PUT(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args):
        pass


def test_judge0_callback_is_put_when_done(stack):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook?x=1"
        token = requests.post(f"{stack.url}/submissions", json={
            "source_code": "print(6 * 7)", "language_id": 71, "expected_output": "42",
            "callback_url": url}, timeout=10).json()["token"]
        path, body = jbstack.wait_until(lambda: _Receiver.received and _Receiver.received[0],
                                        30, 0.05, what="the callback")
        assert path == "/hook?x=1"
        assert body["token"] == token and body["status"] == {"id": 3,
                                                              "description": "Accepted"}
        assert set(body) == {"token", "time", "memory", "stdout", "stderr", "compile_output",
                             "message", "status"}
        assert body["stdout"] == "NDIK"  # base64 of "42\n": callbacks are always base64
        jbstack.wait_until(lambda: submissions.get(stack.store, token).callback_state ==
                           "sent", 10, what="callback state")
    finally:
        server.shutdown()

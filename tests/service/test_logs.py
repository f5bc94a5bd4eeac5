"""``LOG_FORMAT=json``: one JSON object a line, carrying the submission id from the web app's
POST to the worker's verdict."""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import subprocess
import sys

import pytest
import requests

from jbstack import REPO, stop_stack, wait_until
from worker.service import logs

C_OK = "#include <stdio.h>\nint main(void){puts(\"hi\");return 0;}\n"


def json_lines(text: str) -> list[dict]:
    """The lines of ``text`` that are JSON objects."""
    found = []
    for line in text.splitlines():
        if line.startswith("{"):
            found.append(json.loads(line))
    return found


def test_configure_json_writes_one_object_a_line_with_the_submission():
    code = ("import logging; from worker.service import logs; logs.configure('json'); "
            "log = logging.getLogger('judgebox.test')\n"
            "with logs.submission('tok-1'): log.info('inside %s', 1, extra={'queue': 'q'})\n"
            "log.warning('outside')\n"
            "try:\n    1 / 0\nexcept ZeroDivisionError:\n    log.exception('boom')\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True)
    inside, outside, boom = json_lines(out.stderr)
    assert inside["message"] == "inside 1" and inside["submission"] == "tok-1"
    assert inside["level"] == "INFO" and inside["logger"] == "judgebox.test"
    assert inside["queue"] == "q" and inside["time"].endswith("+00:00")
    assert outside["submission"] is None
    assert "ZeroDivisionError" in boom["exception"]


def test_a_bad_log_format_is_refused():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logs.configure("xml")


@pytest.fixture
def json_stack(tmp_path_factory, redis_server):
    """A worker writing JSON logs; the web app in this process (its records captured)."""
    import jbstack

    if os.geteuid() != 0:
        pytest.skip("the service tests judge in the real sandbox: run them as root")
    from web import create_app

    data_dir = tmp_path_factory.mktemp("jsonlogs")
    url = redis_server.url(6)
    app = create_app(jbstack.app_config(data_dir, url))
    env = jbstack.service_env(data_dir, url, JUDGEBOX_LOG_FORMAT="json")
    name = "jsonlogs-w1@" + socket.gethostname()
    proc = jbstack.start_worker(env, name, data_dir)
    stack = jbstack.Stack(redis_server, data_dir, app, None, {name: proc}, env)
    try:
        jbstack.wait_for_worker(stack.store, name, proc)
        stack.server = jbstack.LiveServer(app)
        yield stack
    finally:
        stop_stack(stack)


def test_json_logs_carry_the_submission_across_web_and_worker(json_stack):
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.SubmissionFilter())
    web_logger = logging.getLogger("web")
    web_logger.addHandler(handler)
    old_level = web_logger.level
    web_logger.setLevel(logging.INFO)
    try:
        response = requests.post(f"{json_stack.url}/api/v1/submissions", timeout=10, json={
            "language": "c", "source": C_OK, "tests": [{"stdin": "", "expected": "hi"}]})
        assert response.status_code == 202, response.text
        token = response.json()["id"]
    finally:
        web_logger.removeHandler(handler)
        web_logger.setLevel(old_level)
    web = [e for e in json_lines(captured.getvalue()) if e["submission"] == token]
    assert any("queued" in e["message"] for e in web), captured.getvalue()

    worker_log = json_stack.data_dir / "jsonlogs-w1.log"

    def verdict_line():
        lines = json_lines(worker_log.read_text(errors="replace"))
        return [e for e in lines if e["submission"] == token and ": AC (c" in e["message"]]

    [line] = wait_until(verdict_line, 60, 0.1, what="the worker's verdict line")
    assert line["level"] == "INFO" and line["logger"] == "worker.service.pipeline"
    assert line["process"].startswith("ForkPoolWorker")
    lines = json_lines(worker_log.read_text(errors="replace"))
    assert any(e["submission"] is None and "ready" in e["message"] for e in lines)

"""The web app as docker-compose runs it: gunicorn with ``deploy/gunicorn.conf.py`` serving
``web:create_app()``, its settings from the environment, its logs JSON."""

from __future__ import annotations

import json
import subprocess
import sys

import requests

from jbstack import REPO, free_port, service_env, stop_process, wait_until


def test_gunicorn_serves_the_app_from_the_environment(tmp_path, redis_server):
    port = free_port()
    env = service_env(tmp_path, redis_server.url(7), JUDGEBOX_LOG_FORMAT="json")
    log = open(tmp_path / "gunicorn.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(REPO / "deploy" / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "--threads", "4", "web:create_app()"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        def answers():
            if proc.poll() is not None:
                raise RuntimeError((tmp_path / "gunicorn.log").read_text())
            try:  # listening before its workers have built the app: a read may time out
                return requests.get(f"{base}/healthz", timeout=5).status_code == 200
            except (requests.ConnectionError, requests.Timeout):
                return False

        wait_until(answers, 60, 0.2, what="gunicorn")
        metrics = requests.get(f"{base}/metrics", timeout=10)
        assert metrics.status_code == 200 and "judgebox_queue_length" in metrics.text
        assert (tmp_path / "judgebox.sqlite3").exists()  # migrated from DATABASE_URL
    finally:
        stop_process(proc)
        log.close()
    lines = (tmp_path / "gunicorn.log").read_text().splitlines()
    entries = [json.loads(line) for line in lines]  # every line is JSON, gunicorn's own too
    assert any(e["logger"] == "gunicorn.error" and "Booting worker" in e["message"]
               for e in entries)
    assert any(e["logger"] == "gunicorn.access" and "GET /metrics" in e["message"]
               for e in entries)

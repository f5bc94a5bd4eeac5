"""``judgebox serve`` as a new user runs it: Redis started when none answers, a worker, the web
app; an A+B submission posted with curl is judged; Ctrl-C (SIGTERM) stops all it started."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import requests

import jbstack

C_APLUSB = ("#include <stdio.h>\nint main(void){long a,b;scanf(\"%ld %ld\",&a,&b);"
            "printf(\"%ld\\n\",a+b);return 0;}\n")


def _read_until_ready(proc: subprocess.Popen, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                break
            continue
        lines.append(line)
        if "ready on http://" in line:
            return line.split("ready on ", 1)[1].split()[0]
    raise AssertionError(f"serve did not get ready: {''.join(lines)}")


def _post_with_curl(url: str, body: dict) -> dict:
    data = json.dumps(body)
    if shutil.which("curl"):
        out = subprocess.run(["curl", "-sS", "-X", "POST", "-H",
                              "Content-Type: application/json", "--data", data, url],
                             capture_output=True, text=True, timeout=60, check=True)
        return json.loads(out.stdout)
    return requests.post(url, data=data, headers={"Content-Type": "application/json"},
                         timeout=60).json()


def test_serve_brings_up_the_stack_and_stops_it(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root (the real sandbox)")
    redis_port, port = jbstack.free_port(), jbstack.free_port()
    env = jbstack.service_env(tmp_path, f"redis://127.0.0.1:{redis_port}/0")
    proc = subprocess.Popen([sys.executable, "-m", "worker.cli", "serve", "--port",
                             str(port), "--concurrency", "1"], env=env, cwd=jbstack.REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            start_new_session=True)
    try:
        url = _read_until_ready(proc, 120)
        assert url == f"http://127.0.0.1:{port}"
        result = _post_with_curl(f"{url}/submissions?wait=true", {
            "source_code": C_APLUSB, "language_id": 50, "stdin": "20 22",
            "expected_output": "42"})
        assert result["status"] == {"id": 3, "description": "Accepted"}, result
        assert result["stdout"] == "42\n"
        native = requests.post(f"{url}/api/v1/submissions", json={
            "language": "c", "source": C_APLUSB, "tests": [{"stdin": "1 2", "expected": "3"}]},
            timeout=10)
        assert native.status_code == 202
        started = jbstack.descendants(proc.pid)
        assert len(started) >= 3  # redis-server, the worker and its pool process
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(40)
        finally:
            jbstack.stop_process(proc)
    assert proc.returncode == 0
    assert not [pid for pid in started if jbstack.alive(pid)]
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{redis_port}", timeout=2)  # its redis is gone too
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)

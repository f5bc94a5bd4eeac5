"""Many hosts, shown on one machine: a worker in a network namespace of its own, joined to
this one by a veth pair, with its own data and cache directories, that reaches only Redis and
PostgreSQL (through TCP forwarders on this side of the pair: the servers themselves listen on
127.0.0.1 only; the far side's own loopback has nothing). It judges submissions, a problem's
included, with no shared filesystem (the package comes from the database and is unpacked in the
far side's own cache); a second worker, started while the queue drains, takes a share.

The box slots (``JUDGEBOX_RUN_DIR``) stay shared: both workers run boxes on the same kernel,
where two slots must never share a uid or a cgroup name. The worker joins the namespace with
``nsenter --net`` (``ip netns exec`` would mount a fresh /sys and hide the cgroups).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading

import pytest
import requests

import jbstack
from jbstack import REPO, stop_process, wait_until

PY_SLOW = "import time\ntime.sleep(0.4)\nprint(input())\n"
PY_APLUSB = "a, b = map(int, input().split())\nprint(a + b)\n"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


class Forwarder:
    """Accept on ``listen`` and pipe each connection to ``target`` (threads; stopped with
    :meth:`stop`)."""

    def __init__(self, listen: tuple[str, int], target: tuple[str, int]) -> None:
        self.target = target
        self.server = socket.create_server(listen)
        self.server.settimeout(0.2)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.server.accept()
            except (socket.timeout, OSError):
                continue
            try:
                upstream = socket.create_connection(self.target, 5)
            except OSError:
                conn.close()
                continue
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(2)
        self.server.close()


@pytest.fixture
def other_host(tmp_path):
    """A network namespace joined by a veth pair: (its name, this side's address)."""
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("nsenter"):
        pytest.skip("needs root, ip (iproute2) and nsenter (util-linux)")
    tag = secrets.token_hex(3)
    name, here, there = f"jbtest-{tag}", f"jbv{tag}a", f"jbv{tag}b"
    subnet = 100 + int(tag[:2], 16) % 100
    _ip("netns", "add", name)
    try:
        _ip("link", "add", here, "type", "veth", "peer", "name", there)
        _ip("link", "set", there, "netns", name)
        _ip("addr", "add", f"10.213.{subnet}.1/30", "dev", here)
        _ip("link", "set", here, "up")
        _ip("-n", name, "addr", "add", f"10.213.{subnet}.2/30", "dev", there)
        _ip("-n", name, "link", "set", there, "up")
        _ip("-n", name, "link", "set", "lo", "up")
        yield name, f"10.213.{subnet}.1"
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=30)
        subprocess.run(["ip", "link", "del", here], capture_output=True, timeout=30)


def _start_worker(env: dict, name: str, log_dir, netns: str | None) -> subprocess.Popen:
    argv = [sys.executable, "-m", "worker.cli", "worker", "--concurrency=1",
            f"--hostname={name}", "--loglevel=INFO"]
    if netns:
        argv = ["nsenter", f"--net=/run/netns/{netns}", "--", *argv]
    log = open(log_dir / f"{name.split('@')[0]}.log", "ab")
    return subprocess.Popen(argv, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def test_a_worker_on_another_host_judges_and_a_second_shares_the_queue(
        tmp_path_factory, redis_server, postgres, other_host):
    from web import create_app
    from worker.store import submissions

    netns, address = other_host
    database = postgres.create_database(f"many_hosts_{secrets.token_hex(4)}")
    redis_url = redis_server.url(8)
    web_dir = tmp_path_factory.mktemp("web-host")
    app = create_app(jbstack.app_config(web_dir, redis_url, DATABASE_URL=database))
    store = app.extensions["judgebox_store"]
    forwarders = [Forwarder((address, 0), ("127.0.0.1", redis_server.port)),
                  Forwarder((address, 0), ("127.0.0.1", postgres.port))]
    redis_port, pg_port = (f.server.getsockname()[1] for f in forwarders)
    remote_db = database.replace(f"127.0.0.1:{postgres.port}", f"{address}:{pg_port}")
    host = socket.gethostname()
    procs: list[subprocess.Popen] = []
    server = None
    try:
        far_dir = tmp_path_factory.mktemp("far-host")  # its own data and cache directories
        far_env = jbstack.service_env(far_dir, f"redis://{address}:{redis_port}/8")
        far_env["DATABASE_URL"] = remote_db
        procs.append(_start_worker(far_env, f"far-w1@{host}", far_dir, netns))
        jbstack.wait_for_worker(store, f"far-w1@{host}", procs[0], timeout=90)
        server = jbstack.LiveServer(app)

        def send(i: int) -> str:
            response = requests.post(f"{server.url}/api/v1/submissions", timeout=10, json={
                "language": "python3", "source": PY_SLOW,
                "tests": [{"stdin": str(i), "expected": str(i)}]})
            assert response.status_code == 202, response.text
            return response.json()["id"]

        first = send(0)
        wait_until(lambda: (submissions.get(store, first, results=False).state == "done"),
                   60, 0.1, what="the far worker's first verdict")
        row = submissions.get(store, first, results=False)
        assert row.verdict == "AC" and row.worker.startswith(f"far-w1@{host}")

        # the far side reaches nothing on this side's loopback: only the forwarded ports
        probe = subprocess.run(
            ["nsenter", f"--net=/run/netns/{netns}", "--", sys.executable, "-c",
             f"import socket; socket.create_connection(('127.0.0.1', {redis_server.port}), 2)"],
            capture_output=True, text=True, timeout=30)
        assert probe.returncode != 0 and "ConnectionRefused" in probe.stderr

        # a problem: its package reaches the far worker from the database, not from a disk
        from worker.store.tokens import create_token

        admin = create_token(store, "many-hosts-admin", scopes=["admin"])[1]
        response = requests.post(f"{server.url}/api/v1/problems", headers={
            "X-Auth-Token": admin}, files={"package": ("aplusb.zip", jbstack.example_zip("aplusb"))},
            timeout=30)
        assert response.status_code == 201, response.text
        response = requests.post(f"{server.url}/api/v1/submissions", timeout=10, json={
            "language": "python3", "source": PY_APLUSB, "problem": "aplusb"})
        problem_token = response.json()["id"]
        wait_until(lambda: submissions.get(store, problem_token, results=False).state == "done",
                   90, 0.1, what="the far worker's problem verdict")
        assert submissions.get(store, problem_token, results=False).verdict == "AC"
        assert any((far_dir / "cache" / "packages").iterdir())  # unpacked over there
        assert not (web_dir / "cache" / "packages").exists()

        tokens = [send(i) for i in range(1, 25)]  # a queue to drain
        near_dir = tmp_path_factory.mktemp("near-host")
        near_env = jbstack.service_env(near_dir, redis_url)
        near_env["DATABASE_URL"] = database
        procs.append(_start_worker(near_env, f"near-w1@{host}", near_dir, None))

        def all_done():
            rows = [submissions.get(store, t, results=False) for t in tokens]
            return rows if all(r.state == "done" for r in rows) else None

        rows = wait_until(all_done, 120, 0.2, what="the queue to drain")
        assert {r.verdict for r in rows} == {"AC"}
        by = {name: sum(r.worker.startswith(name) for r in rows)
              for name in (f"far-w1@{host}", f"near-w1@{host}")}
        assert all(n > 0 for n in by.values()), by
    finally:
        if server is not None:
            server.stop()
        for proc in procs:
            stop_process(proc)
        for forwarder in forwarders:
            forwarder.stop()

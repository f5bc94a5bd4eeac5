"""Runs inside the cgroup v2 guest of tests/vm for test_worker_in_guest.py: the worker image
in a Docker engine on the v2 kernel.

``python guest_worker.py OUT TAR TAG``: starts a ``dockerd`` of its own (its data root on a
tmpfs: overlay2 cannot stack on the guest's overlay root; no bridge, no iptables), loads the
image from ``TAR`` (``docker save`` of the image the host built), and runs one worker
container as docker-compose.yml does (SYS_ADMIN, NET_ADMIN, unconfined AppArmor and seccomp, a
tmpfs ``/run/judgebox`` with exec, an init) through the image's own entrypoint, with
``worker_checks.py`` as its command (``judgebox doctor``, then A+B, a TLE and an MLE by
``judgebox run``). Every step's time, exit status and output go to ``OUT/worker.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

DATA, EXEC = "/run/worker-docker-data", "/run/worker-docker"
SOCKET = f"unix://{EXEC}/docker.sock"


class Steps:
    """Each step's seconds, exit status and output, written to the record as it goes."""

    def __init__(self, record: str) -> None:
        self.record = record
        self.steps: dict[str, dict] = {}

    def note(self, name: str, **values) -> None:
        self.steps[name] = values
        with open(self.record, "w") as f:
            json.dump(self.steps, f, indent=1)

    def run(self, name: str, argv: list[str], timeout: float = 900) -> int | None:
        started = time.monotonic()
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                                  env=dict(os.environ, DOCKER_HOST=SOCKET))
            code, out, err = done.returncode, done.stdout, done.stderr
        except subprocess.TimeoutExpired as exc:
            code, out, err = None, str(exc.stdout or ""), f"timed out after {timeout} s"
        self.note(name, seconds=round(time.monotonic() - started, 1), exit=code,
                  stdout=out[-8000:], stderr=err[-4000:])
        return code


def start_dockerd(steps: Steps, out: str) -> subprocess.Popen | None:
    """Our dockerd, ready to answer (or None, with the reason noted)."""
    for path in (DATA, EXEC):
        os.makedirs(path, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3g,mode=0700", "tmpfs", DATA],
                   check=True)
    subprocess.run(["modprobe", "overlay"], capture_output=True)
    started = time.monotonic()
    log = open(os.path.join(out, "dockerd.log"), "wb")
    dockerd = subprocess.Popen(
        [shutil.which("dockerd") or "/usr/sbin/dockerd", "--data-root", DATA, "--exec-root",
         EXEC, "--pidfile", f"{EXEC}/dockerd.pid", "-H", SOCKET, "--bridge=none",
         "--iptables=false", "--ip-masq=false", "--storage-driver=overlay2",
         "--exec-opt", "native.cgroupdriver=cgroupfs"],
        stdout=log, stderr=subprocess.STDOUT)
    while subprocess.run(["docker", "-H", SOCKET, "info"], capture_output=True).returncode:
        if dockerd.poll() is not None or time.monotonic() - started > 300:
            steps.note("dockerd", seconds=round(time.monotonic() - started, 1),
                       exit=dockerd.poll(), stdout="", stderr="did not answer")
            return None
        time.sleep(1)
    steps.note("dockerd", seconds=round(time.monotonic() - started, 1), exit=0, stdout="",
               stderr="")
    return dockerd


def main(out: str, tar: str, tag: str) -> int:
    steps = Steps(os.path.join(out, "worker.json"))
    with open("/proc/uptime") as f:
        steps.note("boot", seconds=round(float(f.read().split()[0]), 1), exit=0, stdout="",
                   stderr="")
    dockerd = start_dockerd(steps, out)
    if dockerd is None:
        return 0
    try:
        steps.run("docker load", ["docker", "load", "-i", tar])
        checks = os.path.join(os.path.dirname(os.path.abspath(__file__)), "worker_checks.py")
        steps.run("worker container", [
            "docker", "run", "--name", "worker", "--network", "host", "--cap-add", "SYS_ADMIN",
            "--cap-add", "NET_ADMIN", "--security-opt", "apparmor=unconfined",
            "--security-opt", "seccomp=unconfined",
            "--tmpfs", "/run/judgebox:rw,exec,nosuid,nodev,mode=0700",
            "-v", f"{checks}:/checks.py:ro", "--init", tag, "python3", "/checks.py"])
        steps.run("docker rm", ["docker", "rm", "-f", "worker"], timeout=300)
    finally:
        dockerd.terminate()
        dockerd.wait(120)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))

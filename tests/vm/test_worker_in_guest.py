"""The worker image on a cgroup v2 kernel: a Docker engine in the guest of tests/vm running the
worker image as docker-compose.yml does, with ``judgebox doctor``, A+B, a TLE and an MLE
(``guest_worker.py`` in the guest, ``worker_checks.py`` in the container).

The image is built here as tests/compose builds it (a Docker engine of the test's own, a
debootstrap base image, a wheelhouse; ``TOOLCHAINS="gcc python3"``), saved with ``docker
save`` into the guest's shared folder, and loaded by a ``dockerd`` in the guest. Opt-in
(``JUDGEBOX_GUEST_WORKER=1``; conftest.py deselects it otherwise): under emulation the image's
``docker load`` alone takes about 7 minutes, more than CI's budget has room for. Its figures
are in docs/deploy.md (host kinds).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

import vmkit
from deploy_kit import need

sys.path.insert(0, str(Path(__file__).parents[1] / "compose"))  # the compose test's kit
import composekit  # noqa: E402

pytestmark = [pytest.mark.vm, pytest.mark.compose, pytest.mark.guest_worker,
              pytest.mark.timeout(3600)]

TAG = f"judgebox-guest-worker-{os.getpid()}"
GUEST_TIMEOUT_S = 2400
GUEST_MEMORY = "3G"  # the engine's data root is a tmpfs: the image (700 MB) lives in memory


def _build_worker(shared: Path, workdir: Path, timings: dict[str, float]) -> None:
    """The worker image, built as tests/compose builds it, saved as shared/worker.tar."""
    engine = composekit.Engine(workdir / "dockerd.log")
    server = None
    try:
        started = time.monotonic()
        base = composekit.base_image(engine, f"{TAG}-base")
        server = composekit.Server(composekit.wheelhouse(workdir / "wheels"))
        timings["base image and wheelhouse"] = time.monotonic() - started
        started = time.monotonic()
        done = engine.docker(
            "build", "--network", "host", "-f", "deploy/worker.Dockerfile", "-t", TAG,
            "--build-arg", f"BASE_IMAGE={base}", "--build-arg", "PIP_NO_INDEX=1",
            "--build-arg", f"PIP_FIND_LINKS={server.url}",
            "--build-arg", "TOOLCHAINS=gcc python3", str(composekit.REPO),
            check=False, timeout=2400)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        timings["docker build (worker)"] = time.monotonic() - started
        started = time.monotonic()
        engine.docker("save", "-o", str(shared / "worker.tar"), TAG, timeout=600)
        timings["docker save"] = time.monotonic() - started
    finally:
        if server is not None:
            server.stop()
        left = engine.stop()
        assert not left, f"left behind: {left}"


@pytest.fixture(scope="module")
def guest(tmp_path_factory):
    """The image built and saved, then one boot of the guest running guest_worker.py:
    (its steps from worker.json, the build's timings, the boot)."""
    need("vm", "boot the cgroup v2 guest", vmkit.missing())
    need("compose", "build the worker image", composekit.missing())
    shared = vmkit.new_shared_folder()
    run = None
    try:
        timings: dict[str, float] = {}
        _build_worker(shared, tmp_path_factory.mktemp("guest-worker"), timings)
        run = vmkit.GuestRun([str(Path(__file__).with_name("guest_worker.py")), str(shared),
                              str(shared / "worker.tar"), TAG], shared, GUEST_MEMORY)
        booted = run.wait(GUEST_TIMEOUT_S)
        record = shared / "worker.json"
        assert record.exists(), (f"the guest recorded nothing (exit {booted.returncode} after "
                                 f"{booted.seconds:.0f} s); its console:\n"
                                 f"{booted.console[-6000:]}")
        yield json.loads(record.read_text()), timings, booted, shared
    finally:
        if run is not None:
            run.stop()
        shutil.rmtree(shared, ignore_errors=True)


def _step(steps: dict, name: str) -> dict:
    assert name in steps, f"the guest did not get to {name}: {json.dumps(steps)[-6000:]}"
    step = steps[name]
    assert step["exit"] == 0, f"{name} failed in the guest: {json.dumps(step, indent=1)}"
    return step


def test_the_worker_image_judges_in_a_container_on_the_v2_guest(guest, request):
    steps, timings, booted, shared = guest
    dockerd_log = shared / "dockerd.log"
    if dockerd_log.exists():
        request.node.add_report_section("call", "dockerd in the guest",
                                        dockerd_log.read_text(errors="replace")[-4000:])
    print("here: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))
    print("in the guest: " + ", ".join(f"{k} {v['seconds']:.0f} s" for k, v in steps.items())
          + f"; whole boot {booted.seconds:.0f} s")
    _step(steps, "dockerd")
    _step(steps, "docker load")
    # (the entrypoint's doctor prints first; the checks' record is the last line)
    checks = json.loads(_step(steps, "worker container")["stdout"].strip().splitlines()[-1])
    print(", ".join(f"{k} {v['seconds']:.0f} s" for k, v in checks.items() if k != "cgroup"))
    for name in ("doctor", "A+B", "TLE", "MLE"):
        assert checks[name]["exit"] == 0, (name, checks[name])
    assert "cgroups: v2" in checks["doctor"]["stdout"], checks["doctor"]
    assert checks["cgroup"].strip().endswith("::/judgebox-supervisor"), checks["cgroup"]
    verdicts = {name: json.loads(checks[name]["stdout"]) for name in ("A+B", "TLE", "MLE")}
    assert verdicts["A+B"]["status"] == "OK" and verdicts["A+B"]["stdout"] == "42\n", verdicts
    assert verdicts["TLE"]["status"] == "TLE", verdicts
    assert verdicts["MLE"]["status"] == "MLE" and verdicts["MLE"]["time"] < 2.0, verdicts

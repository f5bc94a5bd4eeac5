"""Runs inside the cgroup v2 guest of tests/vm (``python guest_main.py OUT HELPER -- ARGS``).

Records what the guest is (kernel, cgroup mounts, controllers, seconds since boot), puts the box
helper the host built where the sandbox looks for it (building it here, under emulation, would
take a minute), then runs pytest with ARGS the way a worker runs under systemd with
``Delegate=yes``: in a cgroup of its own whose subtree it owns, with the memory, pids, cpu and
cpuset controllers enabled above it. Everything goes to OUT (a folder shared with the host):
``guest.json``, ``junit.xml``, ``pytest.log``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

CGROUP = "/sys/fs/cgroup"
WORKER = "judgebox-worker.service"


def facts() -> dict:
    """What kind of host the tests are about to run on."""
    with open("/proc/uptime") as f:
        uptime = float(f.read().split()[0])
    with open("/proc/self/mountinfo") as f:
        cgroup_mounts = [line.split(" - ")[1].split()[0] + " " + line.split()[4]
                         for line in f if " - cgroup" in line]
    with open(os.path.join(CGROUP, "cgroup.controllers")) as f:
        controllers = f.read().split()
    return {"uptime_s": uptime, "release": os.uname().release, "cgroup_mounts": cgroup_mounts,
            "controllers": controllers}


def install_helper(helper: str) -> None:
    """The host's build of the box helper (the same source, the same static binary)."""
    run_dir = os.environ.get("JUDGEBOX_RUN_DIR", "/run/judgebox")
    os.makedirs(run_dir, mode=0o700, exist_ok=True)
    shutil.copy2(helper, os.path.join(run_dir, os.path.basename(helper)))


def delegate() -> str:
    """Move this process into a delegated cgroup, as systemd does for a Delegate=yes service."""
    with open(os.path.join(CGROUP, "cgroup.subtree_control"), "w") as f:
        f.write("+memory +pids +cpu +cpuset")
    path = os.path.join(CGROUP, WORKER)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "cgroup.procs"), "w") as f:
        f.write(str(os.getpid()))
    return "/" + WORKER


def main(argv: list[str]) -> int:
    out, helper, sep, *pytest_args = argv
    assert sep == "--", argv
    seen = facts()
    started = time.monotonic()
    install_helper(helper)
    # the loop device, for a test that needs a disk's file system: the guest's own are tmpfs,
    # overlay and 9p, and test_oom's thrashing tests make an ext4 image (fs-ext4 loads itself)
    subprocess.run(["modprobe", "loop"], capture_output=True)
    seen["worker_cgroup"] = delegate()
    with open(os.path.join(out, "pytest.log"), "wb") as log:
        done = subprocess.run([sys.executable, "-m", "pytest", *pytest_args],
                              stdout=log, stderr=subprocess.STDOUT)
    seen["pytest_exit"] = done.returncode
    seen["pytest_s"] = round(time.monotonic() - started, 1)
    with open(os.path.join(out, "guest.json"), "w") as f:
        json.dump(seen, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""A program over its memory limit is MLE whatever judge it runs under.

Two ways a judge's surroundings turned an MLE into a TLE, both inherited by every box: a judge
started with ``oom_score_adj`` -1000 (a service manager's or container runtime's protection)
handed that score to its programs, so the box cgroup's OOM killer found nothing it may kill and
the program retried its page fault until the CPU limit; and on cgroup v1 a new memory cgroup
takes ``oom_kill_disable`` from its parent, so beneath a judge whose cgroup has the OOM killer
off (``docker run --oom-kill-disable``) the program slept until the wall-time limit. Each box
program now sets its own score (1000) and each v1 box cgroup turns its OOM killer on.

Each case runs a judge of its own as a subprocess (the fork server, and with it every box,
inherits the judge's score and cgroup when it starts), with a CPU limit well above what an
OOM kill takes, so that a run to either limit fails the test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import Limits, SandboxSpec, Status, cgroups, run

pytestmark = [pytest.mark.usefixtures("clean_host"), pytest.mark.timeout(180)]

REPO = Path(__file__).resolve().parents[2]
HOG = """
#include <stdlib.h>
int main(void) {
    volatile char *p = malloc(512u << 20);  /* volatile: the stores are not elided */
    for (unsigned i = 0; i < (512u << 20); i += 4096) p[i] = 1;
    return 0;
}
"""
# One run of the hog in a box, by a judge of its own; its outcome as JSON on stdout.
JUDGE = """
import json, sys
from pathlib import Path
from sandbox import Limits, SandboxSpec, run
out = run(SandboxSpec(("/box/hog",), Limits(memory_kib=64 * 1024, cpu_time_ms=3000,
                                            wall_time_ms=6000),
                      files=(("hog", Path(sys.argv[1])),)))
print(json.dumps({"status": out.status.name, "oom_killed": out.oom_killed, "time": out.time,
                  "wall_time": out.wall_time, "memory_kib": out.memory_kib}))
"""


@pytest.fixture(scope="module")
def hog(cc) -> Path:
    return cc(HOG, "hog")


def _judge(hog: Path, preexec=None) -> dict:
    done = subprocess.run([sys.executable, "-c", JUDGE, str(hog)], cwd=REPO, preexec_fn=preexec,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def _assert_mle(outcome: dict) -> None:
    # an OOM kill at 64 MB takes a few hundredths of a second; the CPU limit is 3 s
    assert outcome["status"] == "MLE" and outcome["oom_killed"], outcome
    assert outcome["time"] < 1.0 and outcome["memory_kib"] >= 60 * 1024, outcome


def test_the_program_is_the_oom_killers_first_choice():
    with open("/proc/self/oom_score_adj") as f:
        judges = f.read()
    out = run(SandboxSpec(("/bin/sh", "-c", "cat /proc/self/oom_score_adj"), Limits()))
    assert out.status is Status.OK and out.stdout == b"1000\n", out
    with open("/proc/self/oom_score_adj") as f:
        assert f.read() == judges  # the judge's own is left as it was


def _protect() -> None:
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write("-1000")


def test_a_judge_with_oom_score_adj_minus_1000_still_gets_mle(hog):
    lowered = subprocess.run(["sh", "-c", "echo -1000 > /proc/self/oom_score_adj"],
                             capture_output=True)
    if lowered.returncode != 0:
        pytest.skip("lowering oom_score_adj needs CAP_SYS_RESOURCE, which root here lacks "
                    "(tests/vm runs this test in its guest)")
    _assert_mle(_judge(hog, preexec=_protect))


def test_a_judge_in_a_memory_cgroup_with_the_oom_killer_off_still_gets_mle(hog):
    backend = cgroups.backend()
    if backend.version != 1:
        pytest.skip("v2 has no oom_kill_disable")
    own = cgroups.own_cgroups()["memory"].strip("/")
    mount = cgroups.mountinfo_cgroups()[0]["memory"]
    cage = os.path.join(mount, own, f"judgebox-test-oomoff-{os.getpid()}")
    os.mkdir(cage)
    try:
        with open(os.path.join(cage, "memory.oom_control"), "w") as f:
            f.write("1")

        def enter() -> None:  # the judge's own memory cgroup: a child of this test's
            with open(os.path.join(cage, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))

        _assert_mle(_judge(hog, preexec=enter))
    finally:
        for dirpath, _dirs, _files in sorted(os.walk(cage), key=lambda w: -len(w[0])):
            os.rmdir(dirpath)  # the judge removed its box cgroups; anything left fails here

"""Fairness between concurrent boxes (issue 17): a box's processes share one CPU weight,
however many sessions they make. Each session of the root cpu group is an autogroup of its
own, weighted like a whole box: 64 spinners each in its own session took 64 shares against an
honest program's one in a box beside them, which then got a few percent of a core and TLE.
"""

from __future__ import annotations

import os
import re
import threading
import time

import pytest

from sandbox import Limits, SandboxSpec, Status, run
from sandbox.cgroups import backend

pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
              pytest.mark.timeout(60)]

# 64 processes, each in a session of its own, spinning for `seconds` of wall time.
SPINNERS = r"""
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}
int main(int argc, char **argv) {
    double until = now() + atof(argv[1]);
    for (int i = 0; i < 64; i++)
        if (fork() == 0) {
            setsid();
            volatile unsigned long spin = 0;
            while (now() < until)
                for (int j = 0; j < 100000; j++) spin++;
            _exit(0);
        }
    while (wait(NULL) > 0) {}
    return 0;
}
"""
# An honest program: 0.3 s of its own CPU time, then exit.
HONEST = r"""
#include <time.h>
int main(void) {
    struct timespec t;
    volatile unsigned long spin = 0;
    do {
        for (int j = 0; j < 100000; j++) spin++;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    } while (t.tv_sec * 1e9 + t.tv_nsec < 0.3e9);
    return 0;
}
"""


def test_a_box_of_many_sessions_takes_one_box_s_share_of_the_cpu(cc, settled_leftovers):
    """While a box's 64 spinners (each its own session) run for 8 s, an honest program in a
    box beside them, needing 0.3 s of CPU, gets a box's share of the CPU and ends within its
    6 s of wall time (64 sessions took 64 shares against its one: it got a few percent of a
    core, and TLE). On this busy host other sessions take shares too, hence the long wall
    limit. The spinners' box is fenced by its process limit (70) and a CPU limit; both boxes
    are gone afterwards."""
    spinners, honest = cc(SPINNERS, "spinners"), cc(HONEST, "honest")
    results = {}

    def flood() -> None:
        results["spinners"] = run(SandboxSpec(
            command=("/box/prog", "8"), files=(("prog", spinners),),
            limits=Limits(cpu_time_ms=20_000, wall_time_ms=10_000, processes=70)))

    thread = threading.Thread(target=flood)
    thread.start()
    try:
        time.sleep(1.0)  # the spinners are all running
        out = run(SandboxSpec(command=("/box/prog",), files=(("prog", honest),),
                              limits=Limits(cpu_time_ms=1_000, wall_time_ms=6_000)))
    finally:
        thread.join()
    assert out.status is Status.OK, out
    assert 0.28 < out.time < 0.5, out
    assert results["spinners"].status in (Status.OK, Status.TLE), results["spinners"]
    assert not settled_leftovers()


def test_each_box_has_a_cpu_weight_of_its_own(program_watch):
    """Where the weight lives: on v1 with cpu mounted apart (this host), the cpu cgroup of the
    box's slot, ``judgebox-cpu-<slot>``, which its keeper joins, so init and every program are
    in it (the program's cgroup as the host sees it); the box's processes leave it (it is
    kept for the slot's next box, maybe another judge's: the judge removes it when it
    exits)."""
    cgroups = backend()
    if cgroups.version != 1 or cgroups.share_dir(0) is None:
        pytest.skip("v2, or cpu mounted with the per-run controllers: each run's cgroup "
                    "has its weight")
    parent = os.path.dirname(cgroups.share_dir(0))

    def inspect(pid: str) -> tuple[list[str], list[str]]:
        with open(f"/proc/{pid}/cgroup") as f:
            found = [line.split(":", 2)[2] for line in f.read().splitlines()
                     if line.split(":")[1] == "cpu"]
        with open(f"/proc/{pid}/stat") as f:
            init = f.read().rsplit(")", 1)[1].split()[1]
        return found, [init, pid]

    watch = program_watch(("/bin/sleep", "0.517"), inspect, within_s=5)
    out = run(SandboxSpec(command=("/bin/sleep", "0.517"), limits=Limits(cpu_time_ms=1000)))
    seen, box_pids = watch.result() or ([], [])
    assert out.status is Status.OK and seen, out
    box = os.path.basename(seen[0])
    assert re.fullmatch(r"judgebox-cpu-\d+", box) and os.path.dirname(seen[0]) == \
        "/" + os.path.relpath(parent, "/sys/fs/cgroup/cpu").removeprefix(".")
    deadline = time.monotonic() + 5  # init may still be on its way out when run() returns
    while True:
        with open(os.path.join(parent, box, "tasks")) as f:
            left = set(f.read().split()) & set(box_pids)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert box_pids and not left, left  # nothing of the box is left in it

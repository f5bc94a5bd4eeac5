"""The sandbox on a cgroup v2 host with the memory and pids controllers: what differs from v1.

Memory limit and peak (``memory.max``, ``memory.peak``), an OOM kill seen as MLE through
``memory.events``, the pids limit, CPU time (``cpu.stat``), the kill of a whole box
(``cgroup.kill``), boxes nested beneath the judge's own (delegated) cgroup with the judge moved
into a ``judgebox-supervisor`` leaf, nothing left behind, the reusable box, and the compile step.

This host (the development machines) has v1 controllers, so here these tests are skipped;
tests/vm runs them in a virtual machine booted on Debian 12's kernel (6.1, cgroup v2 only),
and any v2 host runs them with a plain ``pytest tests/sandbox/test_cgroup_v2.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sandbox import Limits, SandboxSpec, Status, cgroups, open_box, run

pytestmark = [pytest.mark.usefixtures("clean_host"), pytest.mark.timeout(120)]

REPO = Path(__file__).resolve().parents[2]

PROG = r"""
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void touch(unsigned mb) {
    volatile char *p = malloc((size_t)mb << 20);
    if (!p) { puts("malloc failed"); exit(3); }
    for (size_t i = 0; i < ((size_t)mb << 20); i += 4096) p[i] = 1;
}

static void *spin(void *arg) {
    double want = *(double *)arg;
    struct timespec t;
    do clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); while (t.tv_sec + t.tv_nsec / 1e9 < want);
    return NULL;
}

int main(int argc, char **argv) {
    const char *mode = argv[1];
    if (!strcmp(mode, "hog")) { touch(atoi(argv[2])); puts("done"); return 0; }
    if (!strcmp(mode, "child-hog")) {   /* the parent waits while a child takes the memory */
        pid_t pid = fork();
        if (pid == 0) { touch(atoi(argv[2])); _exit(0); }
        for (;;) pause();
    }
    if (!strcmp(mode, "spin")) {        /* N threads, each spinning for S seconds of CPU */
        int n = atoi(argv[2]);
        double s = atof(argv[3]);
        pthread_t t[16];
        for (int i = 0; i < n; i++) pthread_create(&t[i], NULL, spin, &s);
        for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
        return 0;
    }
    if (!strcmp(mode, "fork")) {        /* N sleepers: how many could be made */
        int made = 0, n = atoi(argv[2]);
        for (int i = 0; i < n; i++) {
            pid_t p = fork();
            if (p == 0) { sleep(3); _exit(0); }
            if (p > 0) made++;
        }
        printf("%d\n", made);
        return 0;
    }
    if (!strcmp(mode, "bomb")) for (;;) fork();
    if (!strcmp(mode, "scatter")) {     /* children that leave the session and ignore TERM */
        for (int i = 0; i < 4; i++) {
            if (fork() == 0) {
                setsid();
                signal(SIGTERM, SIG_IGN);
                signal(SIGHUP, SIG_IGN);
                if (fork() == 0) for (;;) pause();
                for (;;) pause();
            }
        }
        puts("scattered");
        fflush(stdout);
        for (;;) pause();
    }
    return 2;
}
"""


@pytest.fixture(scope="module")
def v2():
    """The v2 backend of this host, or a skip saying why it is not one."""
    backend = cgroups.backend()
    if backend.version != 2:
        pytest.skip("this host's box cgroups are v1 (tests/vm runs these on a v2 kernel)")
    with open(os.path.join(backend.parent, "cgroup.controllers")) as f:
        missing = {"memory", "pids"} - set(f.read().split())
    if missing:
        pytest.skip(f"the judge's cgroup {backend.parent} lacks {sorted(missing)}")
    return backend


@pytest.fixture(scope="module")
def prog(v2, cc):
    return cc(PROG, "v2prog")


def box(prog, *args: str, **limits) -> "sandbox.Outcome":  # noqa: F821
    limits.setdefault("cpu_time_ms", 5000)
    limits.setdefault("wall_time_ms", 20000)  # a slow (emulated) machine starts slowly
    spec = SandboxSpec(("/box/prog", *args), Limits(**limits), files=(("prog", prog),))
    return run(spec)


def describe(out) -> str:
    return (f"{out.status} exit {out.exit_code} signal {out.signal} time {out.time} wall "
            f"{out.wall_time} memory {out.memory_kib} KiB killed_by {out.killed_by} oom "
            f"{out.oom_killed} message {out.message!r} stdout {out.stdout[:200]!r} stderr "
            f"{out.stderr[:500]!r}")


def test_memory_limit_holds_and_the_peak_is_memory_peak(prog):
    out = box(prog, "hog", "24", memory_kib=64 * 1024)
    assert out.status is Status.OK and out.stdout == b"done\n", describe(out)
    assert 24 * 1024 <= out.memory_kib < 64 * 1024, describe(out)
    small = box(prog, "hog", "1", memory_kib=64 * 1024)
    assert small.memory_kib < 16 * 1024, describe(small)  # a fresh cgroup's peak


def test_an_oom_kill_is_mle_read_from_memory_events(prog):
    out = box(prog, "hog", "400", memory_kib=64 * 1024)
    assert out.status is Status.MLE and out.oom_killed, describe(out)
    assert out.memory_kib <= 64 * 1024 + 64, describe(out)


def test_an_oom_kill_takes_the_whole_box(prog):
    """memory.oom.group: the OOM killer ends every process of the box, not only the child
    that took the memory; the waiting parent does not run on to the wall-time limit."""
    started = time.monotonic()
    out = box(prog, "child-hog", "400", memory_kib=64 * 1024, wall_time_ms=60000)
    assert out.status is Status.MLE and out.oom_killed, describe(out)
    assert out.killed_by is None and time.monotonic() - started < 50, describe(out)


def test_the_pids_limit_holds_and_a_fork_bomb_is_contained(prog, settled_leftovers):
    out = box(prog, "fork", "20", processes=8)
    assert out.status is Status.OK and int(out.stdout) < 8, describe(out)  # the fence first
    bomb = box(prog, "bomb", processes=16, cpu_time_ms=1000, wall_time_ms=3000)
    assert bomb.status is Status.TLE, describe(bomb)
    assert not settled_leftovers(5.0)


def test_cpu_time_is_the_whole_box_and_the_limit_kills(prog):
    one = box(prog, "spin", "1", "0.5")
    assert one.status is Status.OK and 0.45 <= one.time < 0.8, describe(one)
    two = box(prog, "spin", "2", "0.5")  # two threads: CPU time adds up
    assert two.status is Status.OK and 0.95 <= two.time < 1.5, describe(two)
    tle = box(prog, "spin", "1", "100", cpu_time_ms=1000)
    assert tle.status is Status.TLE and tle.killed_by == "cpu-time", describe(tle)
    assert 1.0 <= tle.time < 1.5, describe(tle)


def test_the_kill_of_a_box_reaches_processes_that_left_its_session(prog, box_processes):
    out = box(prog, "scatter", cpu_time_ms=1000, wall_time_ms=3000)
    assert out.status is Status.TLE and out.killed_by == "wall-time", describe(out)
    assert out.stdout == b"scattered\n", describe(out)
    assert not box_processes()  # cgroup.kill ended the session leaders and their children


def test_boxes_nest_beneath_the_judges_own_cgroup(prog, v2):
    """The judge's cgroup is its own subtree (delegated: Delegate=yes under systemd, a cgroup
    namespace in a container): box cgroups go beneath it, the judge itself sits in the
    judgebox-supervisor leaf (v2 allows no process beside controlled children), and the
    controllers are enabled there for the boxes."""
    seen: list[set[str]] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.append({n for n in v2.names() if n.startswith("judgebox-")})
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        out = run(SandboxSpec(("/bin/sh", "-c", "cat /proc/self/cgroup; sleep 1"),
                              Limits(wall_time_ms=20000)))
    finally:
        stop.set()
        watcher.join()
    assert out.status is Status.OK and out.stdout == b"0::/\n", describe(out)
    boxes = {n for names in seen for n in names if n != "judgebox-supervisor"}
    assert boxes, f"no box cgroup seen beneath {v2.parent}: {seen}"
    with open("/proc/self/cgroup") as f:
        own = f.read().strip().split(":", 2)[2]
    parent = os.path.normpath("/" + os.path.relpath(v2.parent, cgroups.mountinfo_cgroups()[1]))
    assert own in (parent, os.path.join(parent, "judgebox-supervisor")), (own, v2.parent)
    with open(os.path.join(v2.parent, "cgroup.subtree_control")) as f:
        assert {"memory", "pids"} <= set(f.read().split())


def test_a_pinned_box_s_runs_have_its_cpu_in_their_cgroups(v2):
    """A pinned box (sandbox.cpus) on v2: each run's cgroup gets ``cpuset.cpus`` (the
    controller enabled for the box cgroups when the judge's cgroup has it), and the program,
    born in it, may run on that CPU alone: its affinity, looked at from inside, and the
    cgroup's file, from the judge's side while it runs."""
    from sandbox import cpus, runner

    with open(os.path.join(v2.parent, "cgroup.controllers")) as f:
        if "cpuset" not in f.read().split():
            pytest.skip(f"the judge's cgroup {v2.parent} has no cpuset controller")
    cpu = cpus.acquire(runner._host().run_dir)
    seen: set[str] = set()
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            for name in v2.names():
                if name.startswith("judgebox-") and name != "judgebox-supervisor":
                    try:
                        with open(os.path.join(v2.parent, name, "cpuset.cpus")) as f:
                            seen.add(f.read().strip())
                    except OSError:
                        pass
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        assert cpu is not None, "no CPU lease on a machine with no other judge"
        with open_box() as warm:
            outs = [warm.run(SandboxSpec(("/bin/sh", "-c", "grep Cpus_allowed_list "
                                          "/proc/self/status; sleep 0.5"),
                                         Limits(wall_time_ms=20000))) for _ in range(2)]
    finally:
        stop.set()
        watcher.join()
        cpus.release()
    for out in outs:
        assert out.status is Status.OK, describe(out)
        assert out.stdout.split()[-1] == str(cpu).encode(), describe(out)
    seen.discard("")  # a cgroup read between its mkdir and its limits
    assert seen == {str(cpu)}, seen
    with open(os.path.join(v2.parent, "cgroup.subtree_control")) as f:
        assert "cpuset" in f.read().split()


def test_a_reused_box_measures_and_limits_each_run_on_its_own(prog):
    spec = lambda mb, limit_mb: SandboxSpec(  # noqa: E731
        ("/box/prog", "hog", str(mb)), Limits(memory_kib=limit_mb * 1024, wall_time_ms=20000),
        files=(("prog", prog),))
    with open_box() as warm:
        big = warm.run(spec(200, 48))
        small = warm.run(spec(1, 48))
        roomy = warm.run(spec(40, 96))
    assert big.status is Status.MLE and big.oom_killed, describe(big)
    assert small.status is Status.OK and not small.oom_killed, describe(small)
    assert small.memory_kib < 16 * 1024, describe(small)  # not the run before's peak
    assert roomy.status is Status.OK and 40 * 1024 <= roomy.memory_kib < 90 * 1024, \
        describe(roomy)


def test_the_compile_step_and_its_program(tmp_path, v2):
    from worker.core.compile import CompileLimits, compile_program, run_program
    from worker.core.languages import get_language

    roomy = CompileLimits(cpu_time_ms=120_000, wall_time_ms=180_000)  # an emulated machine

    source = b"#include <stdio.h>\nint main(void){int a,b;scanf(\"%d %d\",&a,&b);" \
             b"printf(\"%d\\n\",a+b);return 0;}\n"
    program = compile_program(get_language("c"), source, tmp_path, roomy, cache=False, pch=False)
    assert program.ok, program.report()
    (tmp_path / "in").write_text("2 40\n")
    out = run_program(program, Limits(wall_time_ms=20000), str(tmp_path / "in"))
    assert out.status is Status.OK and out.stdout == b"42\n", describe(out)
    broken = compile_program(get_language("c"), b"int main(void) { return }\n", tmp_path,
                             roomy, cache=False, pch=False)
    assert not broken.ok and "error" in broken.report()


@pytest.mark.timeout(300)  # a fresh Python process, on an emulated machine
def test_a_judge_started_in_the_supervisor_leaf_boxes_beside_it(prog, v2):
    """``judgebox sandbox`` started by a process that already sits in the supervisor leaf (a
    pool child, a CLI called from a worker) boxes beneath the judge's cgroup, not the leaf."""
    out = subprocess.run([sys.executable, "-m", "worker.cli", "sandbox", "--json",
                          "--memory-limit", "64", "--wall-time-limit", "60", "--ro-bind",
                          f"{prog}:/opt/prog", "--", "/opt/prog", "hog", "400"],
                         capture_output=True, text=True, timeout=280, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["status"] == "MLE", out.stdout


def test_nothing_is_left_beneath_the_judges_cgroup(prog, v2):
    """Once the process's boxes are closed (the pool's prepared boxes hold their first run's
    cgroup while idle: closing the pool removes them), no box cgroup is left."""
    from sandbox import box as boxes

    box(prog, "hog", "400", memory_kib=32 * 1024)
    boxes.close_pool()
    left = {n for n in v2.names() if n.startswith("judgebox-") and n != "judgebox-supervisor"}
    assert not left, left

#!/usr/bin/env python3
"""Per-test overhead inside one judgement: a reusable box (the warm path) against a fresh box
per test (the cold path) and bare fork+exec, on a problem with 100 tiny tests.

Every method runs the same static ``int main(void){return 0;}`` binary (``gcc -O2 -static``,
built into a temporary directory as bench/sandbox_overhead.py does) once per test, with the
test's input (a few bytes, a file per test) on stdin, all from this one process:

- bare: ``os.posix_spawn()`` of the binary with stdin from the test's file, ``os.waitpid()``
  (a vfork-style start: it does not copy this process's page tables, so this process's size,
  judgebox imported, does not slow it; as fast as fork+exec from a small C process, the
  floor, which is measured too for reference);
- cold: ``sandbox.run(spec)`` per test, the binary copied into ``/box`` each time;
- warm: one ``sandbox.open_box()`` per judgement, ``box.run(spec)`` per test (same spec).

A *judgement* is all the tests of one method back to back; the methods take turns, judgement
by judgement, so that a busy machine weighs on all of them alike. Per test, two figures: the
median of the tests' own times, and the judgement's whole wall time divided by the tests
(the warm box's opening and closing included). The last line compares warm with bare, both
measured here.

Usage (as root)::

    .venv/bin/python bench/warm_tests.py [--tests 100] [--judgements 5] [--json]

See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cpu_tree import tree_cpu_s  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SOURCE = "int main(void){return 0;}\n"
# The floor, for reference: the same loop in a small C process, timing itself (one line per
# test in ns, then the whole loop's ns and its CPU ns, its children's included).
FLOOR = r"""
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static long long now(clockid_t c) {
    struct timespec t; clock_gettime(c, &t); return t.tv_sec * 1000000000LL + t.tv_nsec;
}
static long long cpu(void) {
    struct rusage s, c; getrusage(RUSAGE_SELF, &s); getrusage(RUSAGE_CHILDREN, &c);
    return (s.ru_utime.tv_sec + s.ru_stime.tv_sec + c.ru_utime.tv_sec + c.ru_stime.tv_sec)
        * 1000000000LL + (s.ru_utime.tv_usec + s.ru_stime.tv_usec + c.ru_utime.tv_usec
        + c.ru_stime.tv_usec) * 1000LL;
}
int main(int argc, char **argv) {
    long long cpu0 = cpu(), start = now(CLOCK_MONOTONIC);
    for (int i = 2; i < argc; i++) {
        long long t = now(CLOCK_MONOTONIC);
        int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
        pid_t pid = fork();
        if (pid == 0) { dup2(fd, 0); execl(argv[1], argv[1], (char *)0); _exit(127); }
        close(fd);
        int st;
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) return 1;
        printf("%lld\n", now(CLOCK_MONOTONIC) - t);
    }
    printf("%lld\n%lld\n", now(CLOCK_MONOTONIC) - start, cpu() - cpu0);
    return 0;
}
"""


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolation percentile (q in 0..100)."""
    s = sorted(values)
    if not s:
        return float("nan")
    pos = (len(s) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def build(tmp: str, tests: int) -> tuple[str, str, list[str]]:
    """The static binary, the C floor's loop and one tiny input file per test."""
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        sys.exit("bench/warm_tests.py: needs gcc with a static libc")
    src = os.path.join(tmp, "true.c")
    Path(src).write_text(SOURCE)
    binary = os.path.join(tmp, "true-static")
    res = subprocess.run([gcc, "-O2", "-static", "-o", binary, src], capture_output=True,
                         text=True)
    if res.returncode != 0:
        sys.exit(f"bench/warm_tests.py: gcc -O2 -static failed:\n{res.stderr}")
    Path(src).write_text(FLOOR)
    loop = os.path.join(tmp, "floor")
    subprocess.run([gcc, "-O2", "-o", loop, src], check=True)
    inputs = []
    for i in range(tests):
        path = os.path.join(tmp, f"test-{i:03d}.in")
        Path(path).write_text(f"{i}\n")
        inputs.append(path)
    return binary, loop, inputs


def bare(binary: str, inputs: list[str]) -> tuple[list[float], float, float]:
    """Per-test ms, the whole judgement's ms and its CPU ms: posix_spawn from this process."""
    cpu0 = _self_cpu_s() + _children_cpu_s()
    samples = []
    start = time.perf_counter_ns()
    for path in inputs:
        t = time.perf_counter_ns()
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            pid = os.posix_spawn(binary, [binary], {},
                                 file_actions=[(os.POSIX_SPAWN_DUP2, fd, 0)])
        finally:
            os.close(fd)
        if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0:
            raise RuntimeError("the binary failed")
        samples.append((time.perf_counter_ns() - t) / 1e6)
    whole = (time.perf_counter_ns() - start) / 1e6
    return samples, whole, (_self_cpu_s() + _children_cpu_s() - cpu0) * 1000


def floor(loop: str, binary: str, inputs: list[str]) -> tuple[list[float], float, float]:
    """The same from a small C process (fork+exec), timing itself: the floor."""
    res = subprocess.run([loop, binary, *inputs], capture_output=True, text=True, check=True)
    values = [int(x) / 1e6 for x in res.stdout.split()]
    return values[:-2], values[-2], values[-1]


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _server_cpu_s() -> float:
    """CPU time of the fork server and of every process it forked, live (a prepared box's
    keeper and init) or reaped (keepers, and through them inits and programs)."""
    from sandbox import box, forkserver

    deadline = time.monotonic() + 5
    while box._pool.building and time.monotonic() < deadline:  # a box the pool is making
        time.sleep(0.002)
    box._reaper.drain()  # closed boxes gone and reaped: their time is in
    return tree_cpu_s(forkserver.server().process.pid)


def _self_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def boxed(binary: str, inputs: list[str], warm: bool) -> tuple[list[float], float, float]:
    """Per-test ms, the whole judgement's ms (box opening and closing included) and the CPU
    ms of every process involved (this one, the fork server and all it forked); the CPU of
    this thread (the supervisor's, which runs the tests) goes to ``SUPERVISOR_CPU``."""
    from sandbox import Limits, SandboxSpec, Status, open_box, run

    limits = Limits(cpu_time_ms=1000, memory_kib=64 * 1024, processes=4)
    specs = [SandboxSpec(command=("/box/prog",), limits=limits, stdin=path,
                         files=(("prog", Path(binary)),)) for path in inputs]
    samples = []
    cpu0 = _self_cpu_s() + _server_cpu_s()
    thread0 = time.thread_time()
    start = time.perf_counter_ns()
    box = open_box() if warm else None
    try:
        for spec in specs:
            t = time.perf_counter_ns()
            outcome = box.run(spec) if box is not None else run(spec)
            samples.append((time.perf_counter_ns() - t) / 1e6)
            if outcome.status is not Status.OK:
                raise RuntimeError(f"a box run failed: {outcome.summary()} {outcome.message}")
    finally:
        if box is not None:
            box.close()
    whole = (time.perf_counter_ns() - start) / 1e6
    SUPERVISOR_CPU["warm" if warm else "cold"].append(
        (time.thread_time() - thread0) * 1000 / len(inputs))
    return samples, whole, (_self_cpu_s() + _server_cpu_s() - cpu0) * 1000


# The supervisor's CPU ms per test of each boxed judgement (this thread's: not the pool's
# thread, which makes boxes ahead): where a test's wall time is about this, the loop waits
# for the supervisor, not for the box.
SUPERVISOR_CPU: dict[str, list[float]] = {"warm": [], "cold": []}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tests", type=int, default=100, help="tests per judgement (default 100)")
    ap.add_argument("--judgements", type=int, default=5,
                    help="timed judgements per method, taking turns (default 5)")
    ap.add_argument("--json", action="store_true",
                    help="one JSON object on stdout (the table goes to stderr)")
    args = ap.parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("bench/warm_tests.py: run as root (the sandbox needs it)")
    sys.path.insert(0, str(REPO))
    import sandbox

    with tempfile.TemporaryDirectory(prefix="judgebox-warm-") as tmp:
        os.chmod(tmp, 0o755)
        binary, loop, inputs = build(tmp, args.tests)
        sandbox.prepare()
        methods = {"floor": lambda: floor(loop, binary, inputs),
                   "bare": lambda: bare(binary, inputs),
                   "cold": lambda: boxed(binary, inputs, warm=False),
                   "warm": lambda: boxed(binary, inputs, warm=True)}
        with open("/proc/loadavg") as f:
            load = f.read().split()[:3]
        log(f"bench/warm_tests.py: {args.judgements} judgements of {args.tests} tests per "
            f"method, taking turns, after one untimed judgement each; loadavg {' '.join(load)}")
        for fn in methods.values():
            fn()
        tests: dict[str, list[float]] = {k: [] for k in methods}
        wholes: dict[str, list[float]] = {k: [] for k in methods}
        cpus: dict[str, list[float]] = {k: [] for k in methods}
        for j in range(args.judgements):
            for key, fn in methods.items():
                samples, whole, cpu = fn()
                tests[key] += samples
                wholes[key].append(whole / args.tests)
                cpus[key].append(cpu / args.tests)
    report = {"tests": args.tests, "judgements": args.judgements,
              "loadavg": [float(x) for x in load],
              "methods": {k: {"test_median_ms": percentile(tests[k], 50),
                              "test_p10_ms": percentile(tests[k], 10),
                              "test_p90_ms": percentile(tests[k], 90),
                              "per_test_ms": sum(wholes[k]) / len(wholes[k]),
                              "per_test_by_judgement_ms": wholes[k],
                              "cpu_per_test_ms": sum(cpus[k]) / len(cpus[k])}
                          for k in methods}}
    for key, values in SUPERVISOR_CPU.items():  # (the untimed judgement's first)
        timed = values[1:]
        report["methods"][key]["supervisor_cpu_per_test_ms"] = sum(timed) / len(timed)
    table = render(report)
    if args.json:
        log(table)
        print(json.dumps(report, indent=2))
    else:
        print(table)
    return 0


def render(report: dict) -> str:
    labels = {"floor": "fork+exec from a small C process",
              "bare": "bare: posix_spawn, this process",
              "cold": "cold: sandbox.run() per test", "warm": "warm: one open_box() per judgement"}
    out = [f"{'method':<36}{'median':>8}{'p10':>8}{'p90':>8}{'per-test':>10}{'CPU':>7}"
           "   (ms per test)", "-" * 81]
    m = report["methods"]
    for key, label in labels.items():
        r = m[key]
        out.append(f"{label:<36}{r['test_median_ms']:8.2f}{r['test_p10_ms']:8.2f}"
                   f"{r['test_p90_ms']:8.2f}{r['per_test_ms']:10.2f}"
                   f"{r['cpu_per_test_ms']:7.2f}")
    out.append("median/p10/p90: of the tests' own times; per-test: judgement wall time / tests "
               "(the warm box's open and close included), mean over the judgements; CPU: CPU "
               "time of every process involved / tests (kernel threads not included)")
    out.append(f"the supervisor's own CPU (its thread's) per test: warm "
               f"{m['warm']['supervisor_cpu_per_test_ms']:.2f}, cold "
               f"{m['cold']['supervisor_cpu_per_test_ms']:.2f} (a test's time near it: the loop "
               "waits for the supervisor, whose core is busy, not for the box)")
    warm, cold, base = (m[k]["per_test_ms"] for k in ("warm", "cold", "bare"))
    out.append(f"per-test ms: warm={warm:.2f} cold={cold:.2f} bare={base:.2f} "
               f"floor={m['floor']['per_test_ms']:.2f} warm_minus_bare={warm - base:.2f} "
               f"(warm and bare from this one process)")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())

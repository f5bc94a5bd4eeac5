#!/usr/bin/env python3
"""Stable times under load (issue 21, target 3): the reported CPU time of the same CPU-bound
program, judged again and again, on an idle machine and while another judgement runs beside
it, with the boxes pinned to CPUs and not.

The program is fixed work (a sieve of Eratosthenes over 2 MB, repeated: a typical contest
program's mix of arithmetic and memory), calibrated at the start to take about 0.3 s of CPU.
For each mode (``pinned``: each judging process's boxes on a CPU of their own, judgebox's
default, here with ``JUDGEBOX_CPUS`` naming the measuring process's CPU and the loading one's,
so that every phase is on the same CPU; ``unpinned``: ``JUDGEBOX_CPUS=off``), a measuring
process of its own judges it ``--runs``
times (one ``sandbox.run()`` each, as a worker judges a one-test problem), first with nothing
else judging (``idle``), then while a second process judges the same program in a loop, box
after box (``loaded``: another worker process on the other core). Both processes run with the
mode's setting. Per phase: the mean of the reported CPU times, their coefficient of variation
(standard deviation over mean), and the loaded mean against the idle one; also the wall time's
and which CPUs the program ran on (it prints ``sched_getcpu()`` as it ends).

Usage (as root, from the checkout)::

    .venv/bin/python bench/timing_load.py [--runs 30] [--modes pinned,unpinned] [--json]

The last line: ``timing under load: pinned cv=A% vs_idle=B% ... unpinned cv=C% vs_idle=D%``
(the loaded phases). See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_S = 0.3

WORK = r"""
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define N (2 * 1024 * 1024)
static char composite[N];
/* alu: integer arithmetic in registers; sieve: a sieve of Eratosthenes over 2 MB (memory) */
int main(int argc, char **argv) {
    long rounds = atol(argv[2]);
    unsigned long found = 1;
    if (!strcmp(argv[1], "alu")) {
        for (long i = 0; i < rounds * 1000000; i++) {
            found = found * 6364136223846793005UL + 1442695040888963407UL;
            found ^= found >> 17;
        }
    } else {
        for (long r = 0; r < rounds; r++) {
            memset(composite, 0, N);
            for (long i = 2; i * i < N; i++)
                if (!composite[i])
                    for (long j = i * i; j < N; j += i) composite[j] = 1;
            for (long i = 2; i < N; i++) found += !composite[i];
        }
    }
    cpu_set_t set;
    sched_getaffinity(0, sizeof set, &set);
    printf("%lu %d %d\n", found, sched_getcpu(), CPU_COUNT(&set));
    return 0;
}
"""


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def loadavg() -> float:
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def build(tmp: str) -> Path:
    src = Path(tmp) / "work.c"
    src.write_text(WORK)
    out = Path(tmp) / "work"
    subprocess.run(["gcc", "-O2", "-static", "-o", str(out), str(src)], check=True)
    out.chmod(0o755)
    return out


def judge(binary: Path, work: list[str]) -> tuple[float, float, int, int]:
    """One judgement of the program (a box of its own, as a worker judges a one-test problem):
    the reported CPU and wall time, the CPU it ended on, how many CPUs it was allowed."""
    from sandbox import Limits, SandboxSpec, Status, run

    out = run(SandboxSpec(command=("/box/work", *work), files=(("work", binary),),
                          limits=Limits(cpu_time_ms=10_000, wall_time_ms=30_000)))
    if out.status is not Status.OK:
        raise RuntimeError(f"the program failed: {out.summary()} {out.message}")
    _found, cpu, allowed = out.stdout.split()
    return out.time, out.wall_time, int(cpu), int(allowed)


def bare(binary: Path, work: list[str], cpu: int | None) -> float:
    """The same program outside any box (the bench's own binary), on ``cpu`` if given: its CPU
    time from rusage, the machine's own noise for this program."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([str(binary), *work], stdout=subprocess.DEVNULL, check=True,
                   preexec_fn=None if cpu is None else lambda: os.sched_setaffinity(0, {cpu}))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


# ---------------------------------------------------------------------------- child processes

def child_measure(binary: Path, work: list[str], runs: int) -> int:
    """Judge ``runs`` times, each followed by a bare run; one JSON line per run on stdout."""
    sys.path.insert(0, str(REPO))
    import sandbox

    sandbox.prepare()
    judge(binary, work)  # untimed: the process's first box
    for _ in range(runs):
        cpu, wall, on, allowed = judge(binary, work)
        print(json.dumps({"cpu": cpu, "wall": wall, "on": on, "allowed": allowed,
                          "bare": bare(binary, work, on if allowed == 1 else None)}),
              flush=True)
    return 0


def child_load(binary: Path, work: list[str]) -> int:
    """Judge in a loop until SIGTERM; says ``ready`` after the first judgement."""
    sys.path.insert(0, str(REPO))
    import sandbox

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    sandbox.prepare()
    judge(binary, work)
    print("ready", flush=True)
    count = 0
    while not stop:
        judge(binary, work)
        count += 1
    print(count, flush=True)
    return 0


# ---------------------------------------------------------------------------- the orchestrator

def _env(mode: str, which: int) -> dict[str, str]:
    """The environment of a measuring (``which`` 0) or loading (1) process: pinned, each on a
    CPU of its own, the same in every phase (the measuring one on the first CPU this process
    may use, the loading one on the next: the other core); unpinned, neither."""
    env = dict(os.environ)
    mine = sorted(os.sched_getaffinity(0))
    env["JUDGEBOX_CPUS"] = "off" if mode == "unpinned" else str(mine[which % len(mine)])
    return env


def _me(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *args]


def _cv(values: list[float]) -> float:
    return statistics.pstdev(values) / statistics.mean(values)


def phase(binary: Path, work: list[str], runs: int, mode: str, loaded: bool) -> dict:
    """One phase: a measuring process (and, when ``loaded``, a loading one)."""
    loader = None
    try:
        if loaded:
            loader = subprocess.Popen(_me("--child-load", str(binary), *work),
                                      env=_env(mode, 1), stdout=subprocess.PIPE, text=True)
            if loader.stdout.readline().strip() != "ready":
                raise RuntimeError("the loading process did not start")
        done = subprocess.run(_me("--child-measure", str(binary), str(runs), *work),
                              env=_env(mode, 0), capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"the measuring process failed:\n{done.stderr}")
    finally:
        background = None
        if loader is not None:
            loader.send_signal(signal.SIGTERM)
            out, _ = loader.communicate(timeout=60)
            background = int(out.split()[-1]) if out.split() else 0
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    cpu, wall, bare_cpu = ([r[k] for r in rows] for k in ("cpu", "wall", "bare"))
    return {"mode": mode, "loaded": loaded, "runs": len(rows),
            "cpu_mean_s": statistics.mean(cpu), "cpu_cv": _cv(cpu),
            "cpu_min_s": min(cpu), "cpu_max_s": max(cpu),
            "wall_mean_s": statistics.mean(wall), "wall_cv": _cv(wall),
            "bare_mean_s": statistics.mean(bare_cpu), "bare_cv": _cv(bare_cpu),
            "cpus_seen": sorted({r["on"] for r in rows}),
            "allowed": sorted({r["allowed"] for r in rows}),
            "background_judgements": background, "cpu_s": cpu, "bare_s": bare_cpu}


def calibrate(binary: Path, kind: str) -> list[str]:
    """The program's arguments for about TARGET_S of CPU (from idle judgements of 3 rounds)."""
    sys.path.insert(0, str(REPO))
    cpu = min(judge(binary, [kind, "3"])[0] for _ in range(3))
    return [kind, str(max(1, round(TARGET_S / (cpu / 3))))]


def render(report: dict) -> str:
    out = [f"{'mode':<10}{'phase':<8}{'runs':>5}{'CPU mean s':>12}{'CV %':>7}{'vs idle %':>11}"
           f"{'min s':>8}{'max s':>8}{'wall CV %':>11}{'bare CV %':>11}  CPUs (allowed)",
           "-" * 104]
    summary = []
    for mode in report["modes"]:
        idle = next(p for p in report["phases"] if p["mode"] == mode and not p["loaded"])
        for p in (q for q in report["phases"] if q["mode"] == mode):
            vs = (p["cpu_mean_s"] / idle["cpu_mean_s"] - 1) * 100
            p["vs_idle_pct"] = vs
            cpus = ",".join(map(str, p["cpus_seen"]))
            out.append(f"{mode:<10}{'loaded' if p['loaded'] else 'idle':<8}{p['runs']:>5}"
                       f"{p['cpu_mean_s']:>12.4f}{p['cpu_cv'] * 100:>7.2f}{vs:>+11.2f}"
                       f"{p['cpu_min_s']:>8.4f}{p['cpu_max_s']:>8.4f}{p['wall_cv'] * 100:>11.2f}"
                       f"{p['bare_cv'] * 100:>11.2f}  {cpus} "
                       f"({','.join(map(str, p['allowed']))})")
            if p["loaded"]:
                summary.append(f"{mode} cv={p['cpu_cv'] * 100:.2f}% vs_idle={vs:+.2f}% "
                               f"idle_cv={idle['cpu_cv'] * 100:.2f}%")
    out.append(f"CPU: the box's reported CPU time of `{' '.join(report['work'])}`; CV: standard "
               "deviation / mean; loaded: another process judging the same program meanwhile; "
               "bare: the same program outside any box after each judgement (the machine's own "
               f"noise); loadavg {report['loadavg_start']} at the start, "
               f"{report['loadavg_end']} at the end")
    out.append(f"timing under load ({report['work'][0]}): " + "; ".join(summary))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child-measure"]:
        return child_measure(Path(argv[1]), argv[3:], int(argv[2]))
    if argv[:1] == ["--child-load"]:
        return child_load(Path(argv[1]), argv[2:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=30, help="judgements per phase (default 30)")
    ap.add_argument("--modes", default="pinned,unpinned",
                    help="comma-separated: pinned (the default setting), unpinned "
                         "(JUDGEBOX_CPUS=off)")
    ap.add_argument("--program", choices=("alu", "sieve"), default="alu",
                    help="alu: arithmetic in registers (default); sieve: a sieve over 2 MB")
    ap.add_argument("--rounds", type=int, default=0,
                    help="the program's rounds (default: calibrated to about 0.3 s)")
    ap.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = ap.parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("bench/timing_load.py: run as root (the sandbox needs it)")
    modes = [m for m in args.modes.split(",") if m]
    if any(m not in ("pinned", "unpinned") for m in modes):
        sys.exit("--modes: pinned and/or unpinned")
    with tempfile.TemporaryDirectory(prefix="judgebox-timing-load-") as tmp:
        os.chmod(tmp, 0o755)
        binary = build(tmp)
        work = [args.program, str(args.rounds)] if args.rounds else \
            calibrate(binary, args.program)
        report = {"runs": args.runs, "work": work, "modes": modes,
                  "loadavg_start": loadavg(), "cpus": os.cpu_count(), "phases": []}
        log(f"bench/timing_load.py: {args.runs} judgements per phase of `{' '.join(work)}` "
            f"(about {TARGET_S} s of CPU), loadavg {report['loadavg_start']}")
        for mode in modes:
            for loaded in (False, True):
                started = time.monotonic()
                report["phases"].append(phase(binary, work, args.runs, mode, loaded))
                log(f"  {mode} {'loaded' if loaded else 'idle'}: "
                    f"{time.monotonic() - started:.0f} s, loadavg {loadavg()}")
        report["loadavg_end"] = loadavg()
    table = render(report)
    if args.json:
        log(table)
        print(json.dumps(report, indent=2))
    else:
        print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""What a program pays for many small writes: to a pipe (how a box's stdout and stderr reach
the judge today) against a file on a tmpfs, bare and in a box.

The program (C, ``gcc -O2 -static``, built into a temporary directory) makes ``--writes``
``write(2, "e\\n", 2)`` calls, as an unbuffered ``std::cerr`` or ``fprintf(stderr, ...)`` does
per call, then prints its own CPU time (``getrusage(RUSAGE_SELF)``: user + system, this
process alone, whoever reads the other end) and its wall time (from its first write to its
last) on stdout. Methods, each run ``--rounds`` times, taking turns so that a busy machine
weighs on all alike:

- ``bare, stderr to a file``: ``posix_spawn`` from this process, stderr an unlinked file on
  ``/dev/shm`` (a tmpfs);
- ``bare, stderr to a pipe``: stderr a pipe that this process drains as the judge's watch
  does (``poll``, then ``read`` of up to 64 KiB; this process stands for the judge);
- ``box, stderr to the judge's pipe``: ``sandbox.run()`` (its watch reads stderr, keeping the
  first ``stderr_kib`` and dropping the rest);
- ``box, stderr to a file on the box's /tmp``: ``sandbox.run()`` of ``/bin/sh -c 'exec
  /box/prog 2>/tmp/err'`` (the program's figures are its own, so the shell does not count).

The box's figures are the program's own report and, beside them, judgebox's ``time`` (the
CPU of the box's run cgroup: the program, plus the shell in the last method).

Usage (as root)::

    .venv/bin/python bench/output_writes.py [--writes 300000] [--rounds 7] [--json]

See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PROGRAM = r"""
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 300000;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++)
        if (write(2, "e\n", 2) != 2) return 3;
    clock_gettime(CLOCK_MONOTONIC, &b);
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    printf("%.6f %.6f %.6f\n", u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6,
           u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6,
           (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    return 0;
}
"""


def build(tmp: str) -> str:
    src, out = os.path.join(tmp, "writes.c"), os.path.join(tmp, "writes")
    Path(src).write_text(PROGRAM)
    gcc = shutil.which("gcc") or sys.exit("bench/output_writes.py: needs gcc with static libc")
    res = subprocess.run([gcc, "-O2", "-static", "-o", out, src], capture_output=True, text=True)
    if res.returncode:
        sys.exit(f"gcc failed:\n{res.stderr}")
    return out


def parse(line: bytes) -> dict:
    user, system, wall = (float(x) for x in line.split())
    return {"cpu_s": user + system, "user_s": user, "sys_s": system, "wall_s": wall}


def bare(binary: str, writes: int, to_pipe: bool) -> dict:
    """The program spawned from here; its stderr a tmpfs file, or a pipe drained as the watch
    drains one."""
    out_r, out_w = os.pipe()
    if to_pipe:
        err_r, err_w = os.pipe()
    else:
        err_w = os.open("/dev/shm", os.O_TMPFILE | os.O_WRONLY, 0o600)
        err_r = -1
    actions = [(os.POSIX_SPAWN_DUP2, out_w, 1), (os.POSIX_SPAWN_DUP2, err_w, 2)]
    pid = os.posix_spawn(binary, [binary, str(writes)], {}, file_actions=actions)
    os.close(out_w)
    os.close(err_w)
    received, out = 0, b""
    readers = [out_r] + ([err_r] if err_r >= 0 else [])
    poller = select.poll()
    for fd in readers:
        poller.register(fd, select.POLLIN)
    while readers:
        for fd, _ in poller.poll():
            chunk = os.read(fd, 65536)
            if not chunk:
                poller.unregister(fd)
                readers.remove(fd)
                os.close(fd)
            elif fd == out_r:
                out += chunk
            else:
                received += len(chunk)
    os.waitpid(pid, 0)
    figures = parse(out)
    if to_pipe and received != 2 * writes:
        raise RuntimeError(f"the pipe carried {received} bytes, not {2 * writes}")
    return figures


def boxed(binary: str, writes: int, to_file: bool) -> dict:
    from sandbox import Limits, SandboxSpec, Status, run

    limits = Limits(cpu_time_ms=20000, output_kib=4 * writes // 1024 + 64)
    command = ("/bin/sh", "-c", f"exec /box/prog {writes} 2>/tmp/err") if to_file else \
        ("/box/prog", str(writes))
    outcome = run(SandboxSpec(command=command, files=(("prog", Path(binary)),), limits=limits))
    if outcome.status is not Status.OK:
        raise RuntimeError(f"box: {outcome.status.value} {outcome.message} {outcome.stderr[:200]!r}")
    figures = parse(outcome.stdout)
    figures["judged_cpu_s"] = outcome.time
    return figures


METHODS = {
    "bare_file": ("bare, stderr to a file on /dev/shm", lambda b, n: bare(b, n, False)),
    "bare_pipe": ("bare, stderr to a pipe read as it comes", lambda b, n: bare(b, n, True)),
    "box_pipe": ("box, stderr to the judge's pipe", lambda b, n: boxed(b, n, False)),
    "box_file": ("box, stderr to a file on the box's /tmp", lambda b, n: boxed(b, n, True)),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--writes", type=int, default=300000)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench/output_writes.py: run as root (the box needs it)")
    tmp = tempfile.mkdtemp(prefix="judgebox-writes-")
    os.chmod(tmp, 0o755)
    try:
        binary = build(tmp)
        samples: dict[str, list[dict]] = {k: [] for k in METHODS}
        for key, (_, fn) in METHODS.items():  # warm-up
            fn(binary, 1000)
        for r in range(args.rounds):
            keys = list(METHODS)
            keys = keys[r % len(keys):] + keys[:r % len(keys)]
            for key in keys:
                samples[key].append(METHODS[key][1](binary, args.writes))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report = {"writes": args.writes, "rounds": args.rounds, "load": os.getloadavg()[0],
              "methods": {}}
    for key, runs in samples.items():
        row = {f: statistics.median(s[f] for s in runs) for f in runs[0]}
        report["methods"][key] = row
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{args.writes} writes of 2 bytes to stderr, median of {args.rounds} rounds "
          f"(load {report['load']:.1f}); the program's own figures (getrusage, its clock)")
    print(f"{'method':<42}{'CPU s':>8}{'user':>8}{'sys':>8}{'wall s':>8}{'judged':>8}")
    for key, row in report["methods"].items():
        judged = f"{row['judged_cpu_s']:8.3f}" if "judged_cpu_s" in row else "       -"
        print(f"{METHODS[key][0]:<42}{row['cpu_s']:8.3f}{row['user_s']:8.3f}"
              f"{row['sys_s']:8.3f}{row['wall_s']:8.3f}{judged}")
    m = report["methods"]
    print(f"box pipe / bare file CPU: {m['box_pipe']['cpu_s'] / m['bare_file']['cpu_s']:.2f}; "
          f"box pipe / box file CPU: {m['box_pipe']['cpu_s'] / m['box_file']['cpu_s']:.2f}; "
          f"bare pipe / bare file CPU: {m['bare_pipe']['cpu_s'] / m['bare_file']['cpu_s']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

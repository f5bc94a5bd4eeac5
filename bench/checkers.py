#!/usr/bin/env python3
"""What checking a big output costs the judge: time and memory of the default validator
(``worker.core.checkers.default``) and of the Judge0 API's comparisons (the same module's
``same_tokens`` and ``same_lines``) on 64 MB of output made of two-byte tokens (22 million of
them), the worst case for a checker that makes an object per token.

Each case runs in a process of its own, which builds the output and the answer file first
and then reports the check's wall time, its CPU time (less moved by other load) and how much its peak RSS grew during the check
(``VmHWM`` reset through ``/proc/self/clear_refs`` just before, minus the RSS then: the output
itself, already in memory, is not counted; the answer file is mapped, and its pages count
while mapped, though they are the page cache's and not copies).

Cases: the default validator accepting (answer one token a line, output one line), the same
with a float tolerance, with ``space_change_sensitive`` (the first difference is found at
once), a wrong last token (found after comparing everything); Judge0's ``tokens`` and
``lines`` comparisons accepting, and ``lines`` with a trailing space on every line.

Usage::

    .venv/bin/python bench/checkers.py [--mb 64] [--json]

See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CASES = ["default", "default-float", "default-space-change", "default-wrong-last",
         "judge0-tokens", "judge0-lines", "judge0-lines-trailing-space"]
CHILD = r"""
import json, sys, tempfile, time
sys.path.insert(0, sys.argv[1])
case, size = sys.argv[2], int(sys.argv[3]) << 20
from pathlib import Path
from worker.core.checkers import default
from worker.core.checkers import CheckOptions, get_checker
def rss(field):
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) * 1024 for l in status if l.startswith(field + ":"))
output = b"ab " * (size // 3)
answer = output.replace(b" ", b"\n")
if case == "default-wrong-last":
    output = output[:-3] + b"ac "
if case == "judge0-lines":
    output = bytes(bytearray(answer))
if case == "judge0-lines-trailing-space":
    output = answer.replace(b"\n", b" \n")
with tempfile.NamedTemporaryFile(suffix=".ans") as f:
    f.write(answer)
    f.flush()
    if not case.startswith("judge0"):
        del answer
    flags = {"default-float": ("float_tolerance", "1e-6"),
             "default-space-change": ("space_change_sensitive",)}.get(case, ())
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # the peak RSS (VmHWM) starts again from here
    before = rss("VmRSS")
    started, cpu = time.perf_counter(), time.process_time()
    if case == "judge0-tokens":
        verdict = default.same_tokens(output, answer)
    elif case.startswith("judge0-lines"):
        verdict = default.same_lines(output, answer)
    else:
        verdict = get_checker("default")(output, Path(f.name), CheckOptions(flags=flags)).verdict
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = rss("VmHWM")
print(json.dumps({"case": case, "verdict": str(verdict), "seconds": seconds, "cpu": cpu,
                  "grew_mb": max(0, peak - before) / 1e6, "output_mb": len(output) / 1e6}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=64, help="output size in MiB (default 64)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    rows = []
    for case in CASES:
        done = subprocess.run([sys.executable, "-c", CHILD, str(REPO), case, str(args.mb)],
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            sys.exit(f"bench/checkers.py: {case} failed:\n{done.stderr[-2000:]}")
        rows.append(json.loads(done.stdout))
    out = sys.stderr if args.json else sys.stdout
    print(f"bench/checkers.py: {args.mb} MiB of two-byte tokens; loadavg "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", file=out)
    print(f"{'case':32} {'verdict':8} {'seconds':>8} {'CPU s':>6} {'RSS grew (MB)':>14}",
          file=out)
    for row in rows:
        print(f"{row['case']:32} {row['verdict']:8} {row['seconds']:8.2f} {row['cpu']:6.2f} "
              f"{row['grew_mb']:14.1f}", file=out)
    worst = max(rows, key=lambda r: r["seconds"])
    print(f"slowest: {worst['case']} {worst['seconds']:.2f} s; most memory: "
          f"{max(r['grew_mb'] for r in rows):.1f} MB", file=out)
    if args.json:
        print(json.dumps({"mb": args.mb, "rows": rows}))


if __name__ == "__main__":
    main()

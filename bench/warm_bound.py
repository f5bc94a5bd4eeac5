#!/usr/bin/env python3
"""How close a warm run could get to bare fork+exec if the next run's preparation cost its
path nothing: a bound, measured before moving that preparation anywhere (issue 21, target 2).

Three methods, on the static ``int main(void){return 0;}`` binary that bench/warm_tests.py
runs, from this one process, in rounds that alternate:

- as is: ``box.run(spec)`` in one warm box; each run's cgroup and ``/box`` for the next run
  are made while it runs (``sandbox.box._Ahead``), as a judgement's tests are;
- no preparation on the path: the same box, but the cgroups and ``/box``es of all the round's
  runs are made before the round's clock starts, and each run takes one of them (the box's
  preparation step is switched off for the round): what is left is the run itself, the box's
  reset and the supervisor's order and collection;
- bare: ``os.posix_spawn()`` of the binary (copied to ``/dev/shm``) and ``os.waitpid()``.

It reaches into the box's internals (``_Ahead.start``/``take``): a measurement, not an API.

Usage (as root)::

    .venv/bin/python bench/warm_bound.py [--runs 200] [--rounds 5] [--json]

The last line: ``per-run ms (medians of the rounds): as_is=A no_prep=N bare=B
as_is_minus_bare=A-B no_prep_minus_bare=N-B``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sandbox  # noqa: E402
from sandbox import runner  # noqa: E402


def build(directory: Path) -> Path:
    source = directory / "t.c"
    source.write_text("int main(void){return 0;}\n")
    binary = directory / "t"
    subprocess.run(["gcc", "-O2", "-static", "-o", str(binary), str(source)], check=True)
    return binary


def as_is(box: sandbox.Box, spec: sandbox.SandboxSpec, runs: int) -> float:
    started = time.perf_counter()
    for _ in range(runs):
        box.run(spec)
    return (time.perf_counter() - started) / runs * 1000


def no_prep(box: sandbox.Box, spec: sandbox.SandboxSpec, runs: int) -> float:
    ahead, host = box._ahead, runner._host()
    # each made whole (no kept group: those are reset when a run's cgroup is made, which
    # here is long before the run)
    ready = [runner.prepare_run(spec, box._slot, host, ahead.names()[0], cpu=box._cpu)
             for _ in range(runs)]
    real_start, real_take = ahead.start, ahead.take
    ahead.start = lambda spec: None
    ahead.take = lambda spec: ready.pop()
    try:
        started = time.perf_counter()
        for _ in range(runs):
            box.run(spec)
        return (time.perf_counter() - started) / runs * 1000
    finally:
        ahead.start, ahead.take = real_start, real_take
        for prepared in ready:  # none, unless a run failed
            prepared.close()
            ahead.retire(prepared.cg)
        ahead._remove_retired()


def bare(binary: str, runs: int) -> float:
    started = time.perf_counter()
    for _ in range(runs):
        os.waitpid(os.posix_spawn(binary, [binary], {}), 0)
    return (time.perf_counter() - started) / runs * 1000


def parse_args(doc: str) -> argparse.Namespace:
    """``--runs``, ``--rounds`` and ``--json`` (also bench/warm_floor.py's), as root only."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="runs per method and round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root (the sandbox needs it)")
    return args


def main() -> None:
    args = parse_args(__doc__)
    directory = Path(tempfile.mkdtemp(prefix="warm-bound-"))
    shm = Path(tempfile.mkdtemp(prefix="warm-bound-", dir="/dev/shm"))
    try:
        binary = build(directory)
        shutil.copy(binary, shm / "t")
        stdin = directory / "in"
        stdin.write_text("1 2\n")
        spec = sandbox.SandboxSpec(command=("/box/t",), files=(("t", binary),),
                                   stdin=str(stdin))
        rounds: dict[str, list[float]] = {"as_is": [], "no_prep": [], "bare": []}
        with sandbox.open_box() as box:
            for _ in range(50):  # warm-up
                box.run(spec)
            for _ in range(args.rounds):
                rounds["as_is"].append(as_is(box, spec, args.runs))
                rounds["no_prep"].append(no_prep(box, spec, args.runs))
                rounds["bare"].append(bare(str(shm / "t"), args.runs))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        shutil.rmtree(shm, ignore_errors=True)
    medians = {name: statistics.median(values) for name, values in rounds.items()}
    if args.json:
        print(json.dumps({"rounds": rounds, "medians": medians, "load": os.getloadavg()[0]}))
        return
    for name, values in rounds.items():
        print(f"{name:8} " + " ".join(f"{v:.2f}" for v in values), file=sys.stderr)
    print(f"per-run ms (medians of the rounds): as_is={medians['as_is']:.2f} "
          f"no_prep={medians['no_prep']:.2f} bare={medians['bare']:.2f} "
          f"as_is_minus_bare={medians['as_is'] - medians['bare']:.2f} "
          f"no_prep_minus_bare={medians['no_prep'] - medians['bare']:.2f}")


if __name__ == "__main__":
    main()

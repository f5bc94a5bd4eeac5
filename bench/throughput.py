"""Submissions judged per minute on this machine, for worker concurrencies 1, 2, 3...

For each concurrency a fresh stack is started (``e2e_latency.BenchStack``: a private
redis-server, one ``judgebox worker --concurrency=N``, gunicorn), a few submissions warm it
up, then ``--n`` submissions of a realistic mix are posted at once over HTTP (the native API)
and the store is watched until every one is done. Throughput is the number judged over the
time from the first POST to the last judgement stored; each submission's latency (created ->
finished, store times) is summarised too, since more processes than cores trade latency and
timing fidelity for throughput.

The mix (``--mix``, weights): A+B in C++ with 10 ad-hoc tests (a distinct source each time,
so every one compiles: no compile cache answers) and A+B in Python with 10 ad-hoc tests.

Run as root from the checkout: ``.venv/bin/python bench/throughput.py [--concurrency 1,2,3]``.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e_latency import BenchStack, load_average, percentile  # noqa: E402

LANGUAGES = {"cpp": "cpp17", "py": "python3"}


def parse_mix(text: str) -> list[tuple[str, int]]:
    """``cpp:1,py:1`` -> [("cpp17", 1), ("python3", 1)]."""
    out = []
    for part in text.split(","):
        name, _, weight = part.partition(":")
        out.append((LANGUAGES.get(name, name), int(weight or 1)))
    return out


def plan(mix: list[tuple[str, int]], n: int, seed: int = 4) -> list[str]:
    """``n`` languages in the mix's proportions, shuffled the same way every run."""
    wheel = [language for language, weight in mix for _ in range(weight)]
    chosen = [wheel[i % len(wheel)] for i in range(n)]
    random.Random(seed).shuffle(chosen)
    return chosen


def cpu_times() -> tuple[int, int]:
    """(idle, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return fields[3] + fields[4], sum(fields[:8])


def run_level(directory: Path, cache: Path, concurrency: int, languages: list[str],
              warmup: int, queue: str) -> dict:
    """Judge ``languages`` (one submission each) on a fresh stack; the figures."""
    from worker.store import submissions

    stack = BenchStack(directory / f"c{concurrency}", concurrency=concurrency,
                       cache_dir=cache, cpu_cgroup=True)
    stack.directory.mkdir(parents=True)
    try:
        stack.start()
        warm = [stack.submit("adhoc", lang, True, queue) for lang in languages[:warmup]]
        _wait_all(stack, warm)
        load = load_average()
        idle0, total0 = cpu_times()
        cpu0 = stack.cpu_ns()
        started = time.time()
        tokens = [stack.submit("adhoc", lang, True, queue) for lang in languages]
        posted = time.time() - started
        _wait_all(stack, tokens)
        idle1, total1 = cpu_times()
        cpu1 = stack.cpu_ns()
        rows = [submissions.get(stack.store, t, results=False) for t in tokens]
    finally:
        stack.stop()
    ends = [r.finished_at.timestamp() for r in rows]
    latencies = [(r.finished_at - r.created_at).total_seconds() for r in rows]
    elapsed = max(ends) - min(r.created_at.timestamp() for r in rows)
    verdicts = sorted({r.verdict for r in rows})
    return {"concurrency": concurrency, "n": len(rows), "elapsed": elapsed,
            "per_min": 60 * len(rows) / elapsed, "posted_s": posted,
            "latency_p50": statistics.median(latencies),
            "latency_p90": percentile(latencies, 0.9), "verdicts": verdicts, "load": load,
            "idle": (idle1 - idle0) / max(1, total1 - total0),
            "cpu_per": (cpu1 - cpu0) / 1e9 / len(rows), "cores": (cpu1 - cpu0) / 1e9 / elapsed}


def programs_cpu(languages: list[str], rounds: int = 3) -> dict[str, float]:
    """CPU seconds of what a judgement runs, per language, measured in their boxes (the box
    cgroups' own figures): the compile of a distinct source (no compile cache; the language's
    PCH if it has one, as the worker) and the 10 ad-hoc tests in one box, in this process
    without the service. What a judgement costs beyond that is the judge's."""
    from e2e_latency import aplusb_tests, source
    from sandbox import Limits
    from worker.core.compile import compile_program, program_box, run_program
    from worker.core.languages import get_language

    out = {}
    with tempfile.TemporaryDirectory(prefix="judgebox-bench-programs-") as tmp:
        inputs = []
        for i, (given, _answer) in enumerate(aplusb_tests()):
            path = Path(tmp, f"{i}.in")
            path.write_text(given)
            inputs.append(str(path))
        for language in sorted(set(languages)):
            spent = []
            for r in range(rounds + 1):
                workdir = Path(tmp, f"{language}-{r}")
                workdir.mkdir()
                program = compile_program(get_language(language),
                                          source(language, True).encode(), workdir, cache=False)
                assert program.ok, program.report()
                total = program.outcome.time if program.outcome else 0.0
                with program_box(program) as box:
                    for stdin in inputs:
                        total += run_program(program, Limits(cpu_time_ms=2000), stdin,
                                             box=box).time
                if r:  # the first is a warm-up
                    spent.append(total)
            out[language] = statistics.median(spent)
    return out


def _wait_all(stack: BenchStack, tokens: list[str], timeout: float = 3600) -> None:
    from worker.store import submissions

    deadline = time.monotonic() + timeout
    left = set(tokens)
    while left:
        rows = submissions.get_many(stack.store, list(left))
        left -= {t for t, row in rows.items() if row.state == "done"}
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(left)} submissions not judged in {timeout} s")
        time.sleep(0.1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", default="1,2,3", help="worker processes to try")
    parser.add_argument("--n", type=int, default=60, help="timed submissions per level")
    parser.add_argument("--warmup", type=int, default=4, help="untimed submissions first")
    parser.add_argument("--mix", default="cpp:1,py:1", help="language weights")
    parser.add_argument("--queue", default="interactive", help="interactive or batch")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)
    languages = plan(parse_mix(args.mix), args.n)
    directory = Path(tempfile.mkdtemp(prefix="judgebox-bench-tput-"))
    cache = directory / "cache"
    print(f"load average at start: {load_average()}  ({time.strftime('%H:%M:%S')} UTC, "
          f"{os.cpu_count()} cores; mix {args.mix}, {args.n} submissions per level, "
          f"dir {directory})")
    results = []
    try:
        for level in (int(c) for c in args.concurrency.split(",")):
            result = run_level(directory, cache, level, languages, args.warmup, args.queue)
            results.append(result)
            print(f"  concurrency {level}: {result['per_min']:.0f}/min "
                  f"({result['n']} in {result['elapsed']:.1f} s; latency p50 "
                  f"{result['latency_p50']:.2f} s p90 {result['latency_p90']:.2f} s; "
                  f"worker CPU {result['cpu_per']:.2f} s a judgement, {result['cores']:.2f} "
                  f"cores; machine idle {100 * result['idle']:.0f}%; load {result['load']})",
                  flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(directory, ignore_errors=True)
    print("\n| worker processes | judged per minute | latency p50 s | p90 s | worker CPU s "
          "a judgement | cores the worker used | machine idle | verdicts | load average "
          "before |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['concurrency']} | {r['per_min']:.0f} | {r['latency_p50']:.2f} | "
              f"{r['latency_p90']:.2f} | {r['cpu_per']:.3f} | {r['cores']:.2f} | "
              f"{100 * r['idle']:.0f}% | {', '.join(r['verdicts'])} | {r['load']} |")
    cpu = statistics.median(r["cpu_per"] for r in results)
    cores = os.cpu_count() or 1
    print(f"ceiling on {cores} dedicated cores: {60 * cores / cpu:.0f} judgements a minute "
          f"({cpu:.3f} CPU s each, the median over the levels)")
    programs = programs_cpu(languages)
    floor = sum(programs[lang] for lang in languages) / len(languages)
    print(f"what the judgements run, in their boxes (compile and 10 tests, no service): "
          + ", ".join(f"{lang} {sec:.3f} s" for lang, sec in sorted(programs.items()))
          + f"; {floor:.3f} CPU s a judgement of the mix, so the judge's own share is "
          f"{cpu - floor:.3f} s ({100 * (cpu - floor) / cpu:.0f}%); with none of it, at most "
          f"{60 * cores / floor:.0f} a minute on {cores} cores")
    best = max(results, key=lambda r: r["per_min"])
    levels = ", ".join(f"c{r['concurrency']}={r['per_min']:.0f}" for r in results)
    print(f"throughput: best {best['per_min']:.0f}/min at concurrency {best['concurrency']} "
          f"({levels}); load average at end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

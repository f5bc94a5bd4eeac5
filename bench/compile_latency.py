"""Compile latency of judgebox's compile step, per language (issue 8, compile speed).

Run as root from the checkout:  .venv/bin/python bench/compile_latency.py [--runs N] [--lang ID]...

What one sample is: the wall time of one ``worker.core.compile.compile_program`` call, as a worker
pays it (box set-up, the compiler, copy-out of the artifact, writing it to a work dir), taken
with ``time.perf_counter`` around the call; each figure is the median of ``--runs`` samples after
one untimed warm-up of the same mode. Modes:

- ``plain``: no compile cache, no precompiled header (the compile as it was before issue 8);
- ``pch``: no compile cache, with the language's precompiled header (C++ only: the ``[pch]``
  table of its language file; built first in the benchmark's own cache dir, its build time
  shown);
- ``cached``: a compile cache hit (the same source compiled once before, untimed).

Programs: every enabled language's self-test program (``selftest`` of its language file: hello
world, then copies stdin); for the slow compilers (Scala, Kotlin, GHC, Rust, Java, Groovy, D,
Nim, Crystal, TypeScript; Swift is not in Debian 12) a typical contest solution, the row
``contest`` (:data:`SLOW_PROGRAMS`; ``--slow`` measures only these languages and C++); and for
C++ two contest files that include ``<bits/stdc++.h>``: a
typical one (:data:`CONTEST_CPP`: test cases, a vector, sort, accumulate, iostreams; the row
``bits/stdc++`` and the issue's figure) and one that instantiates more of the library
(:data:`STL_HEAVY_CPP`: BFS over adjacency vectors, queue, map, set of pairs; the row
``stdc++ + STL``), whose own template instantiation and code generation the PCH cannot save.
The runs of the modes are interleaved (plain, pch, cached, plain...) so that a load change on
the machine touches all of them alike.

Beside the wall times, ``cpu plain`` and ``cpu pch`` are the compile box's CPU time (its
cgroup's figure, all the compiler's processes): load on the machine stretches wall time far
more than CPU time. The last line is the issue's figure, for ``cpp17``::

    bits/stdc++ compile ms: plain=A pch=B cached=C speedup_pch=A/B
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CONTEST_CPP = rb"""#include <bits/stdc++.h>
using namespace std;
typedef long long ll;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    int t;
    cin >> t;
    while (t--) {
        int n;
        cin >> n;
        vector<ll> a(n);
        for (auto &x : a) cin >> x;
        sort(a.begin(), a.end());
        ll sum = accumulate(a.begin(), a.end(), 0LL);
        ll best = 0;
        for (int i = 0; i < n; i++) best = max(best, a[i] * (n - i));
        cout << sum << ' ' << best << '\n';
    }
    return 0;
}
"""

STL_HEAVY_CPP = rb"""#include <bits/stdc++.h>
using namespace std;
typedef long long ll;
typedef pair<int, int> pii;
const int MAXN = 200005;
ll a[MAXN], pre[MAXN];
vector<int> adj[MAXN];
int dist_[MAXN];

void bfs(int s, int n) {
    fill(dist_, dist_ + n + 1, -1);
    queue<int> q;
    q.push(s);
    dist_[s] = 0;
    while (!q.empty()) {
        int u = q.front(); q.pop();
        for (int v : adj[u]) if (dist_[v] < 0) { dist_[v] = dist_[u] + 1; q.push(v); }
    }
}

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    int n, m;
    cin >> n >> m;
    for (int i = 1; i <= n; i++) { cin >> a[i]; pre[i] = pre[i - 1] + a[i]; }
    for (int i = 0; i < m; i++) {
        int u, v;
        cin >> u >> v;
        adj[u].push_back(v);
        adj[v].push_back(u);
    }
    bfs(1, n);
    vector<ll> v(a + 1, a + n + 1);
    sort(v.begin(), v.end());
    map<ll, int> cnt;
    for (ll x : v) cnt[x]++;
    set<pii> seen;
    for (int i = 1; i <= n; i++) seen.insert({dist_[i], i});
    ll best = *max_element(v.begin(), v.end());
    cout << best << ' ' << cnt.size() << ' ' << seen.size() << ' ' << pre[n] << '\n';
    return 0;
}
"""


# The slow compilers (issue 18): a typical contest solution in each (read n numbers, sort them,
# print their sum and the largest gap), the row ``contest``. ``--slow`` measures only these.
SLOW_PROGRAMS: dict[str, bytes] = {
    "scala": b"""object Main {
  def main(args: Array[String]): Unit = {
    val in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in))
    val n = in.readLine().trim.toInt
    val a = in.readLine().trim.split(" ").map(_.toLong).sorted
    val gaps = a.zip(a.tail).map { case (x, y) => y - x }
    println(s"${a.sum} ${if (gaps.isEmpty) 0 else gaps.max}")
  }
}
""",
    "kotlin": b"""fun main() {
    val n = readLine()!!.trim().toInt()
    val a = readLine()!!.trim().split(" ").map { it.toLong() }.sorted()
    val gap = (1 until n).map { a[it] - a[it - 1] }.max() ?: 0L
    println("${a.sum()} $gap")
}
""",
    "haskell": b"""import Data.List (sort)

main :: IO ()
main = do
  _ <- getLine
  a <- sort . map read . words <$> getLine :: IO [Integer]
  let gaps = zipWith (-) (drop 1 a) a
  putStrLn (show (sum a) ++ " " ++ show (if null gaps then 0 else maximum gaps))
""",
    "rust": b"""use std::io::{self, Read};

fn main() {
    let mut s = String::new();
    io::stdin().read_to_string(&mut s).unwrap();
    let mut it = s.split_whitespace().map(|x| x.parse::<i64>().unwrap());
    let n = it.next().unwrap() as usize;
    let mut a: Vec<i64> = it.take(n).collect();
    a.sort();
    let gap = a.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
    println!("{} {}", a.iter().sum::<i64>(), gap);
}
""",
    "java": b"""import java.io.*;
import java.util.*;

public class Main {
    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        int n = Integer.parseInt(in.readLine().trim());
        long[] a = Arrays.stream(in.readLine().trim().split(" ")).mapToLong(Long::parseLong)
            .sorted().toArray();
        long gap = 0;
        for (int i = 1; i < n; i++) gap = Math.max(gap, a[i] - a[i - 1]);
        System.out.println(Arrays.stream(a).sum() + " " + gap);
    }
}
""",
    "groovy": b"""def input = System.in.newReader()
def n = input.readLine().trim() as int
def a = input.readLine().trim().split(" ").collect { it as long }.sort()
def gaps = (1..<n).collect { a[it] - a[it - 1] }
println "${a.sum()} ${gaps ? gaps.max() : 0}"
""",
    "d": b"""import std.algorithm, std.array, std.conv, std.stdio, std.string;

void main() {
    readln();
    auto a = readln.split.map!(to!long).array.sort.array;
    long gap = 0;
    foreach (i; 1 .. a.length) gap = max(gap, a[i] - a[i - 1]);
    writeln(a.sum, " ", gap);
}
""",
    "nim": b"""import algorithm, sequtils, strutils

discard stdin.readLine
var a = stdin.readLine.splitWhitespace.map(parseBiggestInt)
a.sort
var gap = 0'i64
for i in 1 ..< a.len: gap = max(gap, a[i] - a[i - 1])
echo a.foldl(a + b, 0'i64), " ", gap
""",
    "crystal": b"""gets
a = gets.not_nil!.split.map(&.to_i64).sort
gap = (1...a.size).map { |i| a[i] - a[i - 1] }.max? || 0
puts "#{a.sum} #{gap}"
""",
    "typescript": b"""const lines: string[] = require("fs").readFileSync(0, "utf8").split("\\n");
const a: number[] = lines[1].trim().split(" ").map(Number).sort((x, y) => x - y);
let gap = 0;
for (let i = 1; i < a.length; i++) gap = Math.max(gap, a[i] - a[i - 1]);
console.log(`${a.reduce((x, y) => x + y, 0)} ${gap}`);
""",
}


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def measure(language, source: bytes, modes: list[str], runs: int, store, workdir: Path
            ) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall ms of ``compile_program`` per mode (interleaved, one warm-up each), and
    the median CPU ms of its compile box (the cgroup's figure: what load barely changes)."""
    from worker.core.compile import CompileLimits, compile_program

    options = {"plain": {"cache": False, "pch": False}, "pch": {"cache": False, "pch": True},
               "cached": {"cache": store, "pch": True}}
    samples: dict[str, list[float]] = {m: [] for m in modes}
    cpu: dict[str, list[float]] = {m: [] for m in modes}
    for index in range(runs + 1):
        for mode in modes:
            out = workdir / f"{language.id}-{mode}-{index}-{len(source)}"
            out.mkdir()
            started = time.perf_counter()
            program = compile_program(language, source, out, CompileLimits(), **options[mode])
            elapsed = time.perf_counter() - started
            if not program.ok:
                raise SystemExit(f"{language.id} ({mode}) did not compile: {program.report()}")
            if mode == "cached" and index > 0 and not program.cached:
                raise SystemExit(f"{language.id}: no cache hit")
            if index > 0:  # the first round warms up (and fills the cache)
                samples[mode].append(elapsed)
                cpu[mode].append(program.outcome.time if program.outcome and
                                 not program.cached else 0.0)
    return ({mode: _median_ms(values) for mode, values in samples.items()},
            {mode: _median_ms(values) for mode, values in cpu.items()})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per mode (default 5)")
    parser.add_argument("--lang", action="append", default=[],
                        help="only these language ids (default: every enabled one)")
    parser.add_argument("--slow", action="store_true",
                        help=f"only the slow compilers ({', '.join(SLOW_PROGRAMS)}) and C++")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("compile_latency: run as root (the sandbox needs it)", file=sys.stderr)
        return 2

    from worker.core import compile_cache, pch
    from worker.core.compile_cache import CompileCache, private_dir
    from worker.core.languages import get_language
    from worker.core.selftest import language_statuses

    with tempfile.TemporaryDirectory(prefix="judgebox-bench-compile-") as tmp:
        root = Path(tmp) / "cache"
        root.mkdir(mode=0o700)
        pch.configure(root)
        compile_cache.configure(None)  # "plain" and "pch" never touch a cache
        store = CompileCache(private_dir(root / "compile"), 1024 * 1024 * 1024)
        wanted = args.lang or ([*SLOW_PROGRAMS, "cpp17"] if args.slow else None)
        statuses = language_statuses(ids=wanted)
        enabled = [s for s in statuses if s.enabled]
        for status in statuses:
            if not status.enabled:
                print(f"# {status.id}: disabled ({status.reason})")
        load = os.getloadavg()[0]
        print(f"# {len(enabled)} languages, median of {args.runs} runs, load average "
              f"{load:.2f} at the start, {os.cpu_count()} CPUs")
        built = {}
        for status in enabled:
            language = get_language(status.id)
            if pch.spec(language) is not None:
                started = time.perf_counter()
                built[language.id] = pch.build(language)
                print(f"# PCH of {language.id}: "
                      f"{'built' if built[language.id] else 'FAILED (see the log)'} in "
                      f"{time.perf_counter() - started:.1f} s")
        workdir = Path(tmp) / "work"
        workdir.mkdir()
        print(f"{'language':<12} {'program':<14} {'plain ms':>9} {'pch ms':>9} {'cached ms':>10}"
              f" {'plain/pch':>10} {'cpu plain':>10} {'cpu pch':>8}")
        figure = figure_cpu = None
        slow: dict[str, float] = {}
        for status in enabled:
            language = get_language(status.id)
            has_pch = built.get(language.id) is not None
            programs = [("hello world", language.selftest.encode())]
            if language.id.startswith("cpp"):
                programs += [("bits/stdc++", CONTEST_CPP), ("stdc++ + STL", STL_HEAVY_CPP)]
            if language.id in SLOW_PROGRAMS:
                programs.append(("contest", SLOW_PROGRAMS[language.id]))
            for name, source in programs:
                modes = ["plain", "pch", "cached"] if has_pch else ["plain", "cached"]
                ms, cpu = measure(language, source, modes, args.runs, store, workdir)
                pch_ms = f"{ms['pch']:9.0f}" if has_pch else f"{'-':>9}"
                ratio = f"{ms['plain'] / ms['pch']:9.2f}x" if has_pch else f"{'-':>10}"
                cpu_pch = f"{cpu['pch']:8.0f}" if has_pch else f"{'-':>8}"
                print(f"{language.id:<12} {name:<14} {ms['plain']:9.0f} {pch_ms} "
                      f"{ms['cached']:10.1f} {ratio} {cpu['plain']:10.0f} {cpu_pch}", flush=True)
                if language.id == "cpp17" and name == "bits/stdc++" and has_pch:
                    figure, figure_cpu = ms, cpu
                if name == "contest":
                    slow[language.id] = ms["plain"]
        if slow:
            print("slow compilers, contest program, median compile ms: " +
                  " ".join(f"{i}={ms:.0f}" for i, ms in slow.items()))
        if figure is None:
            print("bits/stdc++ compile ms: cpp17 with its PCH was not measured")
            return 1
        print(f"# CPU of the compile box (ms): plain={figure_cpu['plain']:.0f} "
              f"pch={figure_cpu['pch']:.0f} ratio={figure_cpu['plain'] / figure_cpu['pch']:.2f}")
        print(f"bits/stdc++ compile ms: plain={figure['plain']:.0f} pch={figure['pch']:.0f} "
              f"cached={figure['cached']:.1f} speedup_pch={figure['plain'] / figure['pch']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

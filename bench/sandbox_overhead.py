#!/usr/bin/env python3
"""Per-run overhead of judgebox's box against plain fork+exec, unshare(1) and bubblewrap.

Every method runs the same static ``int main(void){return 0;}`` binary (built here with
``gcc -O2 -static`` into a temporary directory), N times each after a warm-up, and the wall time
of one whole run (start to reaped) is measured from this process with ``perf_counter_ns``.
A last, separately timed pass instruments judgebox from the outside (wrappers around its
supervisor functions, and the box helper's own clock readings from its records) to split one
box run into phases. Nothing under ``sandbox/`` is modified.

Usage (as root)::

    .venv/bin/python bench/sandbox_overhead.py [--runs N] [--warmup W] [--json] [--interleave]
                                       [--no-cli] [--breakdown-runs K]
                                       [--idle-gap S] [--idle-runs K] [--ballast-mib M]

See bench/README.md for what each row means and the caveats.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cpu_tree import tree_cpu_s  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SOURCE = "int main(void){return 0;}\n"
BIN_NAME = "true-static"
# The floor: the same fork+exec+waitpid loop from a small C process, timing itself.
LOOP_SOURCE = r"""
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static long long now(void) {
    struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}
int main(int argc, char **argv) {
    int warmup = atoi(argv[2]), runs = atoi(argv[3]);
    for (int i = 0; i < warmup + runs; i++) {
        long long t = now();
        pid_t pid = fork();
        if (pid == 0) { execl(argv[1], argv[1], (char *)0); _exit(127); }
        int st;
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) return 1;
        if (i >= warmup) printf("%lld\n", now() - t);
    }
    return 0;
}
"""
LOOP_NAME = "forkexec-loop"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------ statistics

def percentile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolation percentile (q in 0..100) of an already sorted list."""
    if not sorted_values:
        return float("nan")
    pos = (len(sorted_values) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def summarize(samples_ms: list[float]) -> dict[str, float]:
    s = sorted(samples_ms)
    return {
        "n": len(s),
        "median_ms": percentile(s, 50),
        "p10_ms": percentile(s, 10),
        "p90_ms": percentile(s, 90),
        "min_ms": s[0] if s else float("nan"),
        "max_ms": s[-1] if s else float("nan"),
        "mean_ms": sum(s) / len(s) if s else float("nan"),
    }


# ------------------------------------------------------------------------------------ methods

@dataclass
class Method:
    key: str
    label: str
    run: Callable[[], None]  # one run; raises RuntimeError when the run did not succeed
    note: str = ""
    batch: Callable[[int, int], list[float]] | None = None  # (warmup, runs) -> samples, own clock
    samples_ms: list[float] = field(default_factory=list)
    skipped: str | None = None
    cpu_ms: float | None = None  # CPU per run of every process involved (timed runs, in all)
    around: Callable[[], object] | None = None  # a context its runs are measured in
    before: Callable[[], None] | None = None  # before each timed run, not timed (CPU counted)


def _exit_code(status: int) -> int:
    return os.waitstatus_to_exitcode(status)


def _spawn_wait(argv: list[str], quiet: bool = False) -> int:
    """posix_spawn ``argv`` (absolute argv[0]) and reap it; the exit code."""
    actions = []
    if quiet:
        actions = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                   (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    return _exit_code(os.waitpid(pid, 0)[1])


def _must(code: int, what: str) -> None:
    if code != 0:
        raise RuntimeError(f"{what} exited with {code}")


def fork_exec(path: str) -> None:
    """os.fork + os.execv + waitpid: what the sandbox's own forks are built from."""
    pid = os.fork()
    if pid == 0:
        try:
            os.execv(path, [path])
        finally:
            os._exit(127)
    _must(_exit_code(os.waitpid(pid, 0)[1]), "fork+exec")


def c_loop(loop: str, binary: str, warmup: int, runs: int) -> list[float]:
    res = subprocess.run([loop, binary, str(warmup), str(runs)], capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"{loop} exited with {res.returncode}")
    return [int(x) / 1e6 for x in res.stdout.split()]


def baseline_methods(binary: str, bindir: str, loop: str | None) -> list[Method]:
    """Methods that do not need judgebox (measured before ``import sandbox``)."""
    methods = [
        Method("fork_exec", "plain fork+exec (os.fork/execv+waitpid)",
               lambda: fork_exec(binary)),
        Method("c_fork_exec", "fork+exec from a small C process (floor)", lambda: None,
               note=f"{LOOP_NAME}: the same loop in C, timed by itself",
               batch=lambda w, n: c_loop(loop, binary, w, n),
               skipped=None if loop else "could not build the C loop"),
        Method("posix_spawn", "os.posix_spawn + waitpid",
               lambda: _must(_spawn_wait([binary]), "posix_spawn")),
        Method("subprocess", "subprocess.run(close_fds=True)",
               lambda: _must(subprocess.run([binary], close_fds=True).returncode,
                             "subprocess")),
    ]
    unshare = shutil.which("unshare")
    argv = [unshare or "unshare", "--mount", "--pid", "--ipc", "--uts", "--net", "--fork", binary]
    methods.append(Method("unshare", "unshare --mount --pid --ipc --uts --net --fork",
                          lambda: _must(_spawn_wait(argv), "unshare"),
                          note=" ".join(argv)))
    if unshare is None:
        methods[-1].skipped = "util-linux unshare not found"
    bwrap = shutil.which("bwrap")
    bargv = [bwrap or "bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/usr", "/usr",
             "--ro-bind", bindir, "/prog", "--proc", "/proc", "--dev", "/dev", "--",
             f"/prog/{BIN_NAME}"]
    methods.append(Method("bwrap", "bubblewrap --unshare-all, ro /usr, /proc, /dev",
                          lambda: _must(_spawn_wait(bargv), "bwrap"), note=" ".join(bargv)))
    if bwrap is None:
        methods[-1].skipped = "bwrap not found"
    return methods


def judgebox_methods(binary: str, bindir: str, with_cli: bool) -> list[Method]:
    """Methods that use judgebox (measured after ``import sandbox``)."""
    from sandbox import Mount, SandboxSpec, Status, run

    files_spec = SandboxSpec(command=("/box/prog",), files=(("prog", Path(binary)),))
    mount_spec = SandboxSpec(command=(f"/prog/{BIN_NAME}",), mounts=(Mount(bindir, "/prog"),))

    def lib(spec: SandboxSpec) -> None:
        outcome = run(spec)
        if outcome.status is not Status.OK:
            raise RuntimeError(f"judgebox run: {outcome.status.value} {outcome.message}")

    methods = [
        Method("fork_exec_after_import", "plain fork+exec, after `import sandbox`",
               lambda: fork_exec(binary),
               note="same as the first row, from this process once judgebox is imported"),
        Method("judgebox_lib", "judgebox sandbox.run() (files=, binary copied)",
               lambda: lib(files_spec), note="SandboxSpec(('/box/prog',), files=(('prog', "
               "Path(binary)),)): the binary is read and written into /box every run; in a "
               "box the pool prepared (docs/sandbox.md)"),
        Method("judgebox_lib_ready", "judgebox sandbox.run(), the pool refilled before it",
               lambda: lib(files_spec), before=pool_ready,
               note="the same, each run started once the pool has a box ready again (untimed "
               "wait; its CPU is counted): the first run of a judgement on a worker that is "
               "not saturated"),
        Method("judgebox_lib_nopool", "judgebox sandbox.run(), no pool (box made for it)",
               lambda: lib(files_spec), around=no_pool,
               note="the same with JUDGEBOX_POOL=0: the box is made for the run"),
        Method("judgebox_lib_mount", "judgebox sandbox.run() (binary ro-bound)",
               lambda: lib(mount_spec),
               note=f"SandboxSpec(('/prog/{BIN_NAME}',), mounts=(Mount(bindir, '/prog'),))"),
    ]
    cli = _cli_argv(bindir)
    methods.append(Method("judgebox_cli", "judgebox CLI (whole process, Python start)",
                          lambda: _must(_spawn_wait(cli, quiet=True), "judgebox CLI"),
                          note=" ".join(cli)))
    if not with_cli:
        methods[-1].skipped = "--no-cli"
    return methods


@contextlib.contextmanager
def no_pool():
    """judgebox's pool of prepared boxes off (as JUDGEBOX_POOL=0) for a method's runs."""
    from sandbox import box

    kept = os.environ.get("JUDGEBOX_POOL")
    os.environ["JUDGEBOX_POOL"] = "0"
    box.close_pool()
    try:
        yield
    finally:
        if kept is None:
            del os.environ["JUDGEBOX_POOL"]
        else:
            os.environ["JUDGEBOX_POOL"] = kept


def pool_ready(kind: tuple = ("default", ())) -> None:
    """Wait (up to 5 s) until the pool holds its full share of boxes of ``kind`` and is not
    starting one, and the reaper has ended the closed ones: the state a worker is in between
    two judgements."""
    from sandbox import box

    full = min(box.pool_per_kind(), box.pool_max())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with box._pool._lock:
            ready = len(box._pool._idle.get(kind, ())) >= full
        if ready and not box._pool.building:
            break
        time.sleep(0.001)
    box._reaper.drain()


def _cli_argv(bindir: str) -> list[str]:
    exe = Path(sys.executable).parent / "judgebox"
    head = [str(exe)] if exe.exists() else [sys.executable, "-m", "worker.cli"]
    return head + ["sandbox", "--json", "--ro-bind", f"{bindir}:/prog", "--",
                   f"/prog/{BIN_NAME}"]


def check_cli(bindir: str) -> None:
    """One CLI run with its JSON read back: the timed runs only check the exit code."""
    res = subprocess.run(_cli_argv(bindir), capture_output=True, text=True, cwd=REPO)
    try:
        status = json.loads(res.stdout)["status"]
    except (ValueError, KeyError):
        raise RuntimeError(f"judgebox CLI printed no JSON: {res.stdout!r} {res.stderr!r}")
    if status != "OK":
        raise RuntimeError(f"judgebox CLI: {status} {res.stderr.strip()}")


def cpu_s() -> float:
    """CPU time of this process (its threads), of its children reaped, and of the box helper
    (judgebox's fork server) and all it forked, live (the pool's prepared boxes) or reaped:
    every process a method involves."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    server = sys.modules.get("sandbox.forkserver")
    if server is not None and server._server is not None and server._server.alive():
        total += tree_cpu_s(server._server.process.pid)  # live prepared boxes included
    return total


def measure(methods: list[Method], runs: int, warmup: int, interleave: bool) -> None:
    """Warm each method up (a failure skips it), then time ``runs`` runs of each."""
    live = []
    for m in methods:
        if interleave and m.around and not m.skipped:
            m.skipped = "not with --interleave (its runs need a setting of their own)"
        if m.skipped:
            continue
        if m.batch is not None:  # times itself
            try:
                m.samples_ms = m.batch(warmup, runs)
            except (OSError, RuntimeError) as exc:
                m.skipped = str(exc)
            continue
        if interleave:
            try:
                for _ in range(max(1, warmup)):
                    m.run()
                live.append(m)
            except Exception as exc:  # noqa: BLE001 (judgebox's own errors too: show, go on)
                m.skipped = f"failed in warm-up: {type(exc).__name__}: {exc}"
                log(f"  skip {m.key}: {m.skipped}")
            continue
        with (m.around() if m.around else contextlib.nullcontext()):
            try:
                for _ in range(max(1, warmup)):
                    m.run()
            except Exception as exc:  # noqa: BLE001 (judgebox's own errors too: show, go on)
                m.skipped = f"failed in warm-up: {type(exc).__name__}: {exc}"
                log(f"  skip {m.key}: {m.skipped}")
                continue
            settle()
            cpu0 = cpu_s()
            for _ in range(runs):
                once(m)
            settle()
            m.cpu_ms = (cpu_s() - cpu0) * 1000 / runs
    if interleave:  # round-robin, the starting method rotating, so drift hits all alike
        for i in range(runs):
            for j in range(len(live)):
                once(live[(i + j) % len(live)])


def once(m: Method) -> None:
    """One timed run."""
    if m.before is not None:
        m.before()
    t0 = time.perf_counter_ns()
    m.run()
    m.samples_ms.append((time.perf_counter_ns() - t0) / 1e6)


def settle() -> None:
    """Wait until judgebox's closed boxes are gone (the reaper's), so that their CPU is in."""
    box = sys.modules.get("sandbox.box")
    if box is not None:
        deadline = time.monotonic() + 5
        while box._pool.building and time.monotonic() < deadline:  # a box the pool is making
            time.sleep(0.002)
        box._reaper.drain()


# ------------------------------------------------------------------------------------ breakdown

# One box run is split at stamps taken from the outside: wrappers around judgebox's supervisor
# functions, and the child half's own clock readings (the box helper's T record just before
# seccomp and exec, init's X record at the program's end), read from the supervisor's record of
# the run. The phase table follows the stamps in
# the order they happen (median offset from the start), so it needs no change when judgebox
# reorders its steps; a gap between two stamps that is not one wrapped call is shown as "other".

# wrapped call -> (what it does, process it runs in)
CALLS = {
    "slots.acquire": ("take a slot (flock)", "supervisor"),
    "cg.create": ("cgroup mkdir", "supervisor"),
    "cg.apply_limits": ("cgroup limits", "supervisor"),
    "_prepare_box": ("/box tmpfs + copy files", "supervisor"),
    "cg.attach_fds": ("open cgroup fds", "supervisor"),
    "spawn": ("send the plan, helper forks the keeper", "supervisor"),
    "child": ("order sent -> exec: init's last mounts, program set-up, seccomp", "helper"),
    "exec": ("exec + program + exit, reaped by init", "program"),
    "teardown": ("init/keeper exit, pipes EOF", "supervisor"),
    "reap": ("kill, waitpid keeper, close fds", "supervisor"),
    "_collect": ("collect files", "supervisor"),
    "cg.stats": ("cgroup stats", "supervisor"),
    "cg.remove": ("cgroup rmdir", "supervisor"),
}
WRAPPED = [c for c in CALLS if c not in ("child", "exec", "teardown", "reap")]
# Stamps that mark the critical path. The child half is the box helper (C): it builds the box's
# namespaces and root while the supervisor prepares the run (cgroup, /box), so those steps are
# not on the path unless the helper is slower; its own records give two stamps, "setup" (just
# after seccomp, just before exec, the T line) and "exit" (init saw the program end, the X line).
EXTRA_STAMPS = ["run:start", "run:end", "setup", "exit", "_watch:start", "_watch:end",
                "run_in_box:start", "run_in_box:end"]
SPANS = {"child": ("_watch:start", "setup"), "exec": ("setup", "exit"),
         "teardown": ("exit", "_watch:end"), "reap": ("_watch:end", "_collect:start")}
STAMP_PROCESS = {"run": "supervisor", "setup": "program", "exit": "init",
                 "_watch": "supervisor", "run_in_box": "supervisor"}


SMALL_GAP_MS = 0.1  # "other" gaps with a smaller median are summed into one row


def _stamp_names() -> list[str]:
    names = set(EXTRA_STAMPS)
    for call in WRAPPED:
        names |= {f"{call}:start", f"{call}:end"}
    return sorted(names)


def _process_of(stamp: str) -> str:
    if stamp in STAMP_PROCESS:
        return STAMP_PROCESS[stamp]
    base = stamp.rsplit(":", 1)[0]
    return STAMP_PROCESS.get(base) or CALLS.get(base, ("", "?"))[1]


class Stamps:
    """int64 monotonic stamps by name."""

    def __init__(self, names: list[str]) -> None:
        self.index = {n: i for i, n in enumerate(names)}
        self.values = [0] * len(names)
        self.active = False

    def stamp(self, name: str, value: int | None = None) -> None:
        if self.active:
            self.values[self.index[name]] = time.monotonic_ns() if value is None else value

    def take(self) -> dict[str, int]:
        values, self.values = self.values, [0] * len(self.index)
        return {n: values[i] for n, i in self.index.items()}


def instrument(stamps: Stamps) -> Callable[[], None]:
    """Wrap judgebox's supervisor functions from the outside; returns the undo."""
    import sandbox.runner as runner
    from sandbox import cgroups, forkserver, slots

    undo: list[tuple[object, str, object]] = []

    def patch(owner: object, attr: str, new: object) -> None:
        # a module attribute is put back; a wrapper set on an instance is deleted
        undo.append((owner, attr, getattr(owner, attr)
                     if isinstance(owner, (types.ModuleType, type)) else None))
        setattr(owner, attr, new)

    def wrap(owner: object, attr: str, label: str) -> None:
        orig = getattr(owner, attr)

        @functools.wraps(orig)
        def wrapper(*args, **kwargs):
            stamps.stamp(label + ":start")
            try:
                return orig(*args, **kwargs)
            finally:
                stamps.stamp(label + ":end")

        patch(owner, attr, wrapper)

    backend = cgroups.backend()
    wrap(slots, "acquire", "slots.acquire")
    for verb in ("create", "apply_limits", "attach_fds", "stats", "remove"):
        wrap(backend, verb, f"cg.{verb}")
    for name in ("_prepare_box", "run_in_box", "_collect"):
        wrap(runner, name, name)
    from sandbox.watchdog import Watchdog
    wrap(Watchdog, "watch", "_watch")
    wrap(forkserver.ForkServer, "spawn", "spawn")
    orig_decide = runner._decide

    def decide(spec, watch, stats, files, too_big=None, reclaim=None):  # the helper's clocks
        stamps.stamp("setup", watch.exec_ns or 0)
        stamps.stamp("exit", watch.end_ns or 0)
        return orig_decide(spec, watch, stats, files, too_big, reclaim)

    patch(runner, "_decide", decide)

    def restore() -> None:
        stamps.active = False
        for owner, attr, orig in reversed(undo):
            if orig is None:
                delattr(owner, attr)
            else:
                setattr(owner, attr, orig)

    return restore


def _label(a: str, b: str) -> tuple[str, str]:
    """What happens between stamps a and b, and in which process."""
    base_a, _, edge_a = a.rpartition(":")
    base_b, _, edge_b = b.rpartition(":")
    if base_a == base_b and base_a in CALLS and (edge_a, edge_b) == ("start", "end"):
        return CALLS[base_a]
    for span, (x, y) in SPANS.items():
        if (a, b) == (x, y):
            return CALLS[span]

    def short(s: str) -> str:
        base, _, edge = s.rpartition(":")
        return base if base and edge in ("start", "end") else s

    return f"other: {short(a)} -> {short(b)}", _process_of(b)


def breakdown(binary: str, runs: int, warmup: int, gap_s: float = 0.0) -> dict:
    """Instrumented runs of the in-process box (files= variant): per-phase figures."""
    from sandbox import SandboxSpec, Status, run

    stamps = Stamps(_stamp_names())
    restore = instrument(stamps)
    spec = SandboxSpec(command=("/box/prog",), files=(("prog", Path(binary)),))
    rows: list[dict[str, int]] = []
    try:
        for i in range(warmup + runs):
            if gap_s:
                time.sleep(gap_s)
            stamps.take()
            stamps.active = True
            stamps.stamp("run:start")
            outcome = run(spec)
            stamps.stamp("run:end")
            stamps.active = False
            if outcome.status is not Status.OK:
                raise RuntimeError(f"instrumented run: {outcome.status.value} {outcome.message}")
            if i >= warmup:
                rows.append(stamps.take())
    finally:
        restore()
    # The critical path: every stamp seen in every run, in the order of its median offset,
    # less the ones that happen in parallel with it.
    parallel = {"run_in_box:start", "run_in_box:end"}
    seen = [n for n in stamps.index if n not in parallel and all(r[n] for r in rows)]
    order = sorted(seen, key=lambda n: percentile(sorted(r[n] - r["run:start"] for r in rows), 50))
    order = order[order.index("run:start"):order.index("run:end") + 1]
    totals = sorted((r["run:end"] - r["run:start"]) / 1e6 for r in rows)
    cut = percentile(totals, 90)
    slow = [r for r in rows if (r["run:end"] - r["run:start"]) / 1e6 >= cut]
    phases = []
    small: list[tuple[str, str]] = []  # "other" gaps too small to list one by one
    for a, b in zip(order, order[1:]) if rows else ():
        label, who = _label(a, b)
        ms = [(r[b] - r[a]) / 1e6 for r in rows]
        if label.startswith("other") and percentile(sorted(ms), 50) < SMALL_GAP_MS:
            small.append((a, b))
            continue
        slow_ms = [(r[b] - r[a]) / 1e6 for r in slow]
        phases.append({"phase": label, "process": who, "from": a, "to": b, **summarize(ms),
                       "slowest10_mean_ms": sum(slow_ms) / len(slow_ms)})
    if small:
        def glue(r: dict[str, int]) -> float:
            return sum(r[b] - r[a] for a, b in small) / 1e6
        phases.append({"phase": f"other, {len(small)} small gaps together", "process": "all",
                       "gaps": [f"{a} -> {b}" for a, b in small],
                       **summarize([glue(r) for r in rows]),
                       "slowest10_mean_ms": sum(map(glue, slow)) / len(slow)})
    phases.append({"phase": "whole sandbox.run()", "process": "", "from": "run:start",
                   "to": "run:end", **summarize(totals),
                   "slowest10_mean_ms": sum(totals[len(totals) - len(slow):]) / len(slow)
                   if slow else None})
    return {"runs": len(rows), "gap_s": gap_s, "phases": phases}


# ------------------------------------------------------------------------------------ host facts

def host_facts(binary: str) -> dict[str, object]:
    def version(argv: list[str]) -> str | None:
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=10)
            return (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):  # a missing tool: no version
            return None

    model = None
    try:
        with open("/proc/cpuinfo") as f:
            model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")),
                         None)
    except OSError:
        pass
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    return {
        "kernel": platform.release(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "bwrap": version(["bwrap", "--version"]) if shutil.which("bwrap") else None,
        "unshare": version(["unshare", "--version"]) if shutil.which("unshare") else None,
        "gcc": version(["gcc", "--version"]),
        "binary_bytes": os.path.getsize(binary),
        "loadavg": [float(x) for x in load],
    }


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


# ------------------------------------------------------------------------------------ output

def _fmt(x: float) -> str:
    return f"{x:8.2f}"


def render(report: dict) -> str:
    h = report["host"]
    out = [
        f"bench/sandbox_overhead.py: {report['runs']} timed runs per method after {report['warmup']} "
        f"warm-up, {'interleaved' if report['interleave'] else 'one method at a time'}",
        f"host: Linux {h['kernel']} {h['machine']}, {h['cpus']} CPUs ({h['cpu_model']}), "
        f"Python {h['python']}, {h['bwrap']}, {h['unshare']}; loadavg at start "
        f"{' '.join(map(str, h['loadavg']))}",
        f"binary: static `return 0`, {h['binary_bytes'] // 1024} KiB; bench process RSS "
        f"{report['rss_kib']['before_import']} KiB before `import sandbox`, "
        f"{report['rss_kib']['after_import']} KiB after"
        + (f" (with {report['ballast_mib']} MiB of ballast)" if report["ballast_mib"] else ""),
        "",
    ]
    width = max(len(m["label"]) for m in report["methods"]) + 2
    out.append(f"{'method':<{width}}{'median':>8}{'p10':>8}{'p90':>8}{'+plain':>8}{'CPU':>8}"
               "   (ms)")
    out.append("-" * (width + 40))
    base = report["plain_median_ms"]
    for m in report["methods"]:
        if m.get("skipped"):
            out.append(f"{m['label']:<{width}}  skipped: {m['skipped']}")
            continue
        extra = "       -" if m["key"] == "fork_exec" or base is None else \
            f"{m['median_ms'] - base:+8.2f}"
        cpu = f"{m['cpu_ms']:8.2f}" if m.get("cpu_ms") is not None else "       -"
        out.append(f"{m['label']:<{width}}{_fmt(m['median_ms'])}{_fmt(m['p10_ms'])}"
                   f"{_fmt(m['p90_ms'])}{extra}{cpu}")
    out.append("CPU: per run, every process involved (this one and its threads, its children, "
               "the box helper and all it forked), the timed runs back to back")
    for bd in report.get("breakdowns", []):
        out += ["", f"judgebox sandbox.run() without the pool, by phase: {bd['runs']} "
                "instrumented runs"
                + (f", {bd['gap_s']} s idle before each" if bd["gap_s"] else "")
                + " (critical path; wrappers add a few us; the child half is the C helper,"
                + " timed by its own T and X records)"]
        w = max(len(p["phase"]) for p in bd["phases"]) + 2
        total = bd["phases"][-1]["median_ms"]
        out.append(f"{'phase':<{w}}{'process':<14}{'median':>8}{'p10':>8}{'p90':>8}"
                   f"{'share':>8}{'slow10%':>9}")
        out.append("-" * (w + 55))
        for p in bd["phases"]:
            if p is bd["phases"][-1]:
                out.append("-" * (w + 55))
            share = f"{100 * p['median_ms'] / total:7.1f}%" if total else " " * 8
            slow = p["slowest10_mean_ms"]
            out.append(f"{p['phase']:<{w}}{p['process']:<14}{_fmt(p['median_ms'])}"
                       f"{_fmt(p['p10_ms'])}{_fmt(p['p90_ms'])}{share}"
                       + (f"{slow:9.2f}" if slow is not None else ""))
        out.append("share: of the whole run's median; slow10%: mean of the phase over the "
                   "slowest tenth of the runs (where the tail comes from)")
    return "\n".join(out)


# ------------------------------------------------------------------------------------ main

def build_binary(tmp: str) -> str:
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        sys.exit("bench/sandbox_overhead.py: needs gcc (or cc) with static libc (apt-get install gcc)")
    src = os.path.join(tmp, "true.c")
    with open(src, "w") as f:
        f.write(SOURCE)
    out = os.path.join(tmp, BIN_NAME)
    res = subprocess.run([gcc, "-O2", "-static", "-o", out, src], capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"bench/sandbox_overhead.py: gcc -O2 -static failed:\n{res.stderr}")
    os.chmod(tmp, 0o755)  # the box's uid must be able to reach the ro-bound copy
    return out


def build_loop(tmp: str) -> str | None:
    src = os.path.join(tmp, "loop.c")
    with open(src, "w") as f:
        f.write(LOOP_SOURCE)
    out = os.path.join(tmp, LOOP_NAME)
    gcc = shutil.which("gcc") or shutil.which("cc")
    res = subprocess.run([gcc, "-O2", "-o", out, src], capture_output=True, text=True)
    return out if res.returncode == 0 else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=200, help="timed runs per method (default 200)")
    ap.add_argument("--warmup", type=int, default=20, help="untimed runs first (default 20)")
    ap.add_argument("--json", action="store_true",
                    help="print one JSON object on stdout (the table goes to stderr)")
    ap.add_argument("--interleave", action="store_true",
                    help="round-robin over the methods instead of each one's runs back to back")
    ap.add_argument("--no-cli", action="store_true", help="skip the judgebox CLI row")
    ap.add_argument("--breakdown-runs", type=int, default=None,
                    help="instrumented box runs for the phase table (default: --runs; 0: none)")
    ap.add_argument("--idle-gap", type=float, default=0.0, metavar="S",
                    help="also break down box runs that each follow S seconds idle (default: "
                         "off; 0.1 shows what a judge with real programs pays)")
    ap.add_argument("--ballast-mib", type=int, default=0, metavar="M",
                    help="first grow this process by M MiB of touched memory, to see a fat "
                         "worker's forks (default 0)")
    ap.add_argument("--idle-runs", type=int, default=30,
                    help="instrumented runs for --idle-gap (default 30)")
    args = ap.parse_args(argv)
    if args.runs < 1 or args.warmup < 0:
        ap.error("--runs must be positive and --warmup not negative")
    if os.geteuid() != 0:
        sys.exit("bench/sandbox_overhead.py: run as root (judgebox boxes, unshare and cgroups need it)")
    sys.path.insert(0, str(REPO))  # this checkout's judgebox, whatever the venv holds
    os.chdir(REPO)

    ballast = bytearray(args.ballast_mib << 20)
    ballast[::4096] = b"\1" * len(range(0, len(ballast), 4096))  # touch every page

    tmp = tempfile.mkdtemp(prefix="judgebox-bench-")
    try:
        binary = build_binary(tmp)
        os.makedirs(os.path.join(tmp, "tools"))
        loop = build_loop(os.path.join(tmp, "tools"))  # not in the dir the boxes see
        report: dict = {"runs": args.runs, "warmup": args.warmup,
                        "interleave": args.interleave, "host": host_facts(binary),
                        "ballast_mib": args.ballast_mib,
                        "rss_kib": {"before_import": rss_kib()}}
        log(f"[1/3] baselines ({args.runs} runs each, before importing judgebox)")
        first = baseline_methods(binary, tmp, loop)
        measure(first, args.runs, args.warmup, args.interleave)

        import sandbox  # noqa: F401  (only now: a bigger parent forks slower)
        from sandbox import seccomp
        seccomp.compile_filter()  # built once per process, as a worker would
        report["rss_kib"]["after_import"] = rss_kib()
        second = judgebox_methods(binary, tmp, not args.no_cli)
        if not args.no_cli:
            try:
                check_cli(tmp)
            except (OSError, RuntimeError) as exc:
                second[-1].skipped = str(exc)
        log(f"[2/3] judgebox ({args.runs} runs each"
            + (", the CLI takes a while)" if not args.no_cli else ")"))
        measure(second, args.runs, args.warmup, args.interleave)

        methods = first[:2] + second[:1] + first[2:] + second[1:]
        report["methods"] = [{"key": m.key, "label": m.label, "command": m.note,
                              "skipped": m.skipped, "cpu_ms": m.cpu_ms,
                              **(summarize(m.samples_ms) if m.samples_ms else {})}
                             for m in methods]
        plain = next((m for m in report["methods"] if m["key"] == "fork_exec"), None)
        report["plain_median_ms"] = plain.get("median_ms") if plain else None

        report["breakdowns"] = []
        k = args.runs if args.breakdown_runs is None else args.breakdown_runs
        with no_pool():  # the phases of a box made for its run
            if k > 0:
                log(f"[3/3] instrumented box runs ({k}, no pool)")
                report["breakdowns"].append(breakdown(binary, k, min(args.warmup, 10)))
            if args.idle_gap > 0:
                log(f"      and {args.idle_runs} runs after {args.idle_gap} s idle each")
                report["breakdowns"].append(breakdown(binary, args.idle_runs, 0, args.idle_gap))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    table = render(report)
    if args.json:
        print(table, file=sys.stderr)
        print(json.dumps(report, indent=2))
    else:
        print(table)
        print(summary_line(report))
    return 0


def summary_line(report: dict) -> str:
    """The closing line: judgebox, bubblewrap and bare fork+exec medians, measured together."""
    medians = {m["key"]: m.get("median_ms") for m in report["methods"]}
    box, bwrap, bare = medians.get("judgebox_lib"), medians.get("bwrap"), medians.get("fork_exec")
    made = medians.get("judgebox_lib_nopool")
    ready = medians.get("judgebox_lib_ready")

    def ratio(a, b):
        return f"{a / b:.2f}" if a and b else "n/a"

    def ms(v):
        return f"{v:.2f}" if v else "n/a"

    return (f"per-run ms: judgebox={ms(box)} judgebox_ready={ms(ready)} "
            f"judgebox_no_pool={ms(made)} bwrap={ms(bwrap)} bare={ms(bare)} "
            f"ratio_judgebox_bwrap={ratio(box, bwrap)} ratio_ready_bwrap={ratio(ready, bwrap)} "
            f"ratio_no_pool_bwrap={ratio(made, bwrap)}")


if __name__ == "__main__":
    sys.exit(main())

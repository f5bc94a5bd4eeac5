"""End-to-end latency of one submission through the whole service, phase by phase.

A real stack is started in a temp dir: a private redis-server, one real Celery worker
(``judgebox worker``, as root: the sandbox needs it) and the web app under gunicorn (gthread),
each on a free port, each stopped by its pid at the end. Then A+B in C++ is submitted one at a
time over HTTP (the native API), ``--n`` times per kind:

- ``adhoc``: 10 ad-hoc tests sent with the submission (checked token by token);
- ``problem``: a submission to a 10-test A+B problem package (uploaded first; the package's
  default validator checks each test);
- ``judge0`` (on request): Judge0's ``POST /submissions?wait=true`` with one test, the
  answer being the finished submission.

Each native submission is polled (``GET /api/v1/submissions/<id>`` every ``--poll-ms``) until
done. ``--trees A,B`` compares two checkouts under the same load: a stack each, started side
by side, their submissions taking turns.
Where the time went comes from three sources, all on this host's clock:

- the client: when the POST was sent, its answer came, and when ``done`` was first seen;
- the store: ``created_at``, ``enqueued_at``, ``started_at`` (the claim), ``finished_at``;
- the worker's own phase timings (``worker.service.metrics``: ``queue``, ``claim``, ``compile``,
  ``run``, ``check``, ``store``; box set-up inside ``run``), read from Redis before and after
  each submission (one submission at a time, so the difference is that submission's).

Run as root from the checkout: ``.venv/bin/python bench/e2e_latency.py [--n 20]``; the last
line of each case is ``e2e ms: total=A compile=B runs=C overhead=A-B-C``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "service"))

import redis  # noqa: E402
import requests  # noqa: E402

import jbstack  # noqa: E402

CPP_APLUSB = ("#include <iostream>\n"
              "int main() { long long a, b; std::cin >> a >> b; std::cout << a + b << '\\n'; }\n")
PY_APLUSB = "a, b = map(int, input().split())\nprint(a + b)\n"
METRICS = "judgebox:metrics:"
PROBLEM = "aplusb10"


def aplusb_tests(count: int = 10, seed: int = 8) -> list[tuple[str, str]]:
    """``count`` A+B tests (input, answer), the same every run."""
    rng = random.Random(seed)
    tests = [("1 2\n", "3\n"), ("0 0\n", "0\n")]
    while len(tests) < count:
        a, b = rng.randint(-10**12, 10**12), rng.randint(-10**12, 10**12)
        tests.append((f"{a} {b}\n", f"{a + b}\n"))
    return tests[:count]


def aplusb_package(count: int = 10) -> bytes:
    """A legacy-layout A+B package with ``count`` tests (2 samples) and a 1 s time limit."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("problem.yaml", "name: A plus B, 10 tests\nvalidation: default\n"
                                         "limits:\n  memory: 256\n")
        archive.writestr(".timelimit", "1\n")
        for i, (given, answer) in enumerate(aplusb_tests(count), 1):
            folder = "sample" if i <= 2 else "secret"
            archive.writestr(f"data/{folder}/{i:02d}.in", given)
            archive.writestr(f"data/{folder}/{i:02d}.ans", answer)
    return buffer.getvalue()


def source(language: str, distinct: bool) -> str:
    """The A+B source; ``distinct`` adds a unique comment (a compile cache cannot answer)."""
    text = CPP_APLUSB if language.startswith("cpp") else PY_APLUSB
    if distinct:
        mark = uuid.uuid4().hex
        text += f"// bench {mark}\n" if language.startswith("cpp") else f"# bench {mark}\n"
    return text


# --- the stack ---------------------------------------------------------------------------

@dataclass
class BenchStack:
    """redis-server, ``concurrency``-process worker and gunicorn, in ``directory``."""

    directory: Path
    concurrency: int = 1
    languages: str = "cpp17,python3"
    web_threads: int = 8
    cache_dir: Path | None = None  # shared between stacks: the languages' self-test cache
    repo: Path = REPO              # the checkout whose worker and web app run
    cpu_cgroup: bool = False       # the worker in a cpuacct cgroup of its own (cpu_ns())
    procs: list = field(default_factory=list)

    def start(self) -> "BenchStack":
        from worker.store import Store

        self.redis = jbstack.RedisServer(self.directory / "redis")
        self.redis_url = self.redis.url(0)
        self.env = jbstack.service_env(
            self.directory, self.redis_url, JUDGEBOX_WORKER_LANGUAGES=self.languages,
            JUDGEBOX_LEASE_MARGIN="15", JUDGEBOX_RECONCILE_INTERVAL="30",
            JUDGEBOX_QUEUED_TIMEOUT="300", JUDGEBOX_RATELIMIT_SUBMIT="100000/minute",
            JUDGEBOX_RATELIMIT_SUBMIT_ANONYMOUS="100000/minute",
            JUDGEBOX_QUOTA_ANONYMOUS_MB_PER_MINUTE="100000",
            JUDGEBOX_RATELIMIT_DEFAULT="1000000/minute", JUDGEBOX_MAX_QUEUE_SIZE="100000",
            **({"JUDGEBOX_CACHE_DIR": str(self.cache_dir)} if self.cache_dir else {}))
        self.env["PYTHONPATH"] = str(self.repo)
        self.store = Store(self.env["DATABASE_URL"])
        self.worker_name = f"bench-{os.getpid()}@{jbstack.socket.gethostname()}"
        self.cgroup = _make_cgroup(self.directory.name) if self.cpu_cgroup else None
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "worker.cli", "worker", f"--concurrency={self.concurrency}",
             f"--hostname={self.worker_name}", "--loglevel=INFO"], env=self.env,
            cwd=self.repo, stdout=open(self.directory / "worker.log", "ab"),
            stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=(lambda: _join_cgroup(self.cgroup)) if self.cgroup else None)
        self.procs.append(self.worker)
        self.port = jbstack.free_port()
        self.web_log = open(self.directory / "gunicorn.log", "wb")
        self.web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config",
             str(self.repo / "deploy" / "gunicorn.conf.py"), "--bind",
             f"127.0.0.1:{self.port}", "--workers", "1", "--threads", str(self.web_threads),
             "web:create_app()"],
            cwd=self.repo, env=dict(self.env, JUDGEBOX_LOG_FORMAT="text"), stdout=self.web_log,
            stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(self.web)
        self.url = f"http://127.0.0.1:{self.port}"
        self.http = requests.Session()
        jbstack.wait_until(self._web_answers, 120, 0.2, what="gunicorn")
        jbstack.wait_for_worker(self.store, self.worker_name, self.worker, timeout=1800)
        self.metrics = redis.Redis.from_url(self.redis_url)
        return self

    def _web_answers(self) -> bool:
        if self.web.poll() is not None:
            raise RuntimeError((self.directory / "gunicorn.log").read_text())
        try:
            return self.http.get(f"{self.url}/healthz", timeout=5).status_code == 200
        except (requests.ConnectionError, requests.Timeout):
            return False

    def stop(self) -> None:
        """Stop what :meth:`start` started, by pid (whatever part of it did start)."""
        for proc in reversed(self.procs):
            jbstack.stop_process(proc)
        if getattr(self, "redis", None) is not None:
            self.redis.stop()
        if getattr(self, "cgroup", None) is not None:
            _remove_cgroup(self.cgroup)

    def cpu_ns(self) -> int:
        """CPU time used so far by the worker and everything below it (its pool, the boxes,
        the compilers): its cgroup's ``cpuacct.usage``, which counts child cgroups too."""
        return int((self.cgroup / "cpuacct.usage").read_text())

    def upload_problem(self) -> None:
        from worker.store.tokens import create_token

        _row, secret = create_token(self.store, f"bench-{uuid.uuid4().hex[:8]}", scopes=["admin"])
        response = self.http.post(f"{self.url}/api/v1/problems", data={"name": PROBLEM},
                                  files={"package": ("aplusb10.zip", aplusb_package())},
                                  headers={"X-Auth-Token": secret}, timeout=60)
        if response.status_code != 201:
            raise RuntimeError(f"upload: {response.status_code} {response.text}")

    def submit(self, kind: str, language: str, distinct: bool, queue: str = "interactive"
               ) -> str:
        body = {"language": language, "source": source(language, distinct), "queue": queue}
        if kind == "problem":
            body["problem"] = PROBLEM
        else:
            body["tests"] = [{"stdin": i, "expected": a} for i, a in aplusb_tests()]
        response = self.http.post(f"{self.url}/api/v1/submissions", json=body, timeout=30)
        if response.status_code != 202:
            raise RuntimeError(f"submit: {response.status_code} {response.text}")
        return response.json()["id"]

    def submit_judge0_wait(self, language: str, distinct: bool) -> dict:
        """Judge0's ``POST /submissions?wait=true`` with one A+B test: the finished one."""
        ids = {"cpp17": 54, "python3": 71}
        response = self.http.post(f"{self.url}/submissions?wait=true", json={
            "source_code": source(language, distinct), "language_id": ids[language],
            "stdin": "1 2\n", "expected_output": "3"}, timeout=60)
        if response.status_code != 201:
            raise RuntimeError(f"submit: {response.status_code} {response.text}")
        body = response.json()
        body["verdict"] = body["status"]["description"]
        return body

    def done(self, token: str) -> dict | None:
        body = self.http.get(f"{self.url}/api/v1/submissions/{token}", timeout=30).json()
        return body if body["state"] == "done" else None

    def counters(self) -> dict[str, float]:
        """The worker's phase sums (s) and counts, box set-up, judgements: all so far."""
        out: dict[str, float] = {}
        for key, value in self.metrics.hgetall(METRICS + "latency").items():
            phase, _, what = key.decode().partition("|")
            if what in ("sum", "count"):
                out[f"{phase}.{what}"] = float(value)
        for key, value in self.metrics.hgetall(METRICS + "box_setup").items():
            if key.decode() in ("sum", "count"):
                out[f"box_setup.{key.decode()}"] = float(value)
        out["judgements"] = float(sum(int(v) for v in
                                      self.metrics.hgetall(METRICS + "judgements").values()))
        return out


# --- the worker's own cgroup (cgroup v1 cpuacct), for its CPU time ---------------------------

def _make_cgroup(name: str) -> Path:
    """A cpuacct cgroup beneath this process's own (the sandbox makes the boxes' cgroups
    beneath the worker's, so the usage counts them too)."""
    line = next(l for l in Path("/proc/self/cgroup").read_text().splitlines()
                if "cpuacct" in l.split(":")[1].split(","))
    base = next(p for p in (Path("/sys/fs/cgroup/cpuacct"), Path("/sys/fs/cgroup/cpu,cpuacct"))
                if p.is_dir())
    path = base / line.split(":", 2)[2].lstrip("/") / f"judgebox-bench-{name}"
    path.mkdir()
    return path


def _join_cgroup(path: Path) -> None:
    with open(path / "cgroup.procs", "w") as f:  # in the child, before exec
        f.write(str(os.getpid()))


def _remove_cgroup(path: Path) -> None:
    for child in sorted((p for p in path.rglob("*") if p.is_dir()), reverse=True):
        child.rmdir()  # boxes' groups a killed worker left (empty once its processes died)
    path.rmdir()


# --- one submission ------------------------------------------------------------------------

def _epoch(value) -> float:
    """A stored naive-UTC datetime as epoch seconds."""
    import datetime as dt

    return value.replace(tzinfo=dt.timezone.utc).timestamp()


def measure_one(stack: BenchStack, kind: str, language: str, distinct: bool,
                poll_s: float) -> dict:
    """Submit one, wait for it, and return its phases in milliseconds."""
    from worker.store import submissions

    before = stack.counters()
    t_post = time.time()
    if kind == "judge0":  # one test, and the POST itself waits for the verdict
        body = stack.submit_judge0_wait(language, distinct)
        token, t_answer = body["token"], time.time()
        t_seen = t_answer
    else:
        token = stack.submit(kind, language, distinct)
        t_answer = time.time()
        while True:
            body = stack.done(token)
            if body is not None:
                t_seen = time.time()
                break
            time.sleep(poll_s)
    deadline = time.monotonic() + 10  # the worker records its metrics right after storing
    while stack.counters().get("judgements", 0) <= before.get("judgements", 0):
        if time.monotonic() > deadline:
            raise RuntimeError(f"no metrics for {token}")
        time.sleep(0.005)
    after = stack.counters()
    row = submissions.get(stack.store, token, results=False)

    def delta(name: str) -> float:
        return 1000 * (after.get(f"{name}.sum", 0.0) - before.get(f"{name}.sum", 0.0))

    ms = {
        "verdict": body["verdict"], "tests": len(body.get("tests") or [1]),
        "total": 1000 * (t_seen - t_post),
        "post": 1000 * (t_answer - t_post),
        "to_claim": 1000 * (_epoch(row.started_at) - _epoch(row.created_at)),
        "judging": 1000 * (_epoch(row.finished_at) - _epoch(row.started_at)),
        "seen": 1000 * (t_seen - _epoch(row.finished_at)),
    }
    for phase in ("queue", "claim", "compile", "run", "check", "store"):
        ms[phase] = delta(phase)
    ms["box_setup"] = delta("box_setup")
    ms["runs"] = ms["run"]
    ms["worker_other"] = ms["judging"] - sum(ms[p] for p in ("claim", "compile", "run",
                                                            "check", "store"))
    ms["overhead"] = ms["total"] - ms["compile"] - ms["runs"]
    return ms


# --- the report -----------------------------------------------------------------------------

ROWS = [
    ("total", "client: POST sent -> done seen"),
    ("post", "  the POST's round trip (validate, store, send the task; judge0: all)"),
    ("to_claim", "  created -> claimed (store: created_at -> started_at)"),
    ("queue", "    worker's queue phase (enqueued_at -> claim)"),
    ("claim", "  claim + read the submission"),
    ("compile", "  compile"),
    ("runs", "  runs (host wall around each box, set-up included)"),
    ("box_setup", "    of which box set-up and tear-down"),
    ("check", "  checks"),
    ("store", "  store writes (progress, results, judgement)"),
    ("worker_other", "  judging, the rest (claimed -> finished minus claim ... store)"),
    ("seen", "  finished -> done seen by the client (polling, or the wait=true answer)"),
    ("overhead", "overhead: total - compile - runs"),
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def table(title: str, samples: list[dict], out=sys.stdout) -> dict:
    """Print the phase table of ``samples`` (median, p90); returns the medians."""
    print(f"\n{title} ({len(samples)} submissions; verdicts: "
          f"{', '.join(sorted({s['verdict'] for s in samples}))})", file=out)
    print("| phase | median ms | p90 ms |", file=out)
    print("|---|---|---|", file=out)
    medians = {}
    for key, label in ROWS:
        values = [s[key] for s in samples]
        medians[key] = statistics.median(values)
        print(f"| {label} | {medians[key]:.1f} | {percentile(values, 0.9):.1f} |", file=out)
    print(f"e2e ms: total={medians['total']:.0f} compile={medians['compile']:.0f} "
          f"runs={medians['runs']:.0f} overhead={medians['overhead']:.0f}  ({title})",
          file=out)
    return medians


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="submissions per case (default 20)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed submissions first")
    parser.add_argument("--kinds", default="adhoc,problem",
                        help="adhoc, problem, judge0 (one test, POST ?wait=true), comma-separated")
    parser.add_argument("--compile", default="cold,warm",
                        help="cold: distinct sources (no compile cache hit); warm: the same "
                             "source every time (a compile cache may answer); comma-separated "
                             "(default: both)")
    parser.add_argument("--language", default="cpp17")
    parser.add_argument("--poll-ms", type=float, default=20.0, help="client poll interval")
    parser.add_argument("--concurrency", type=int, default=1, help="worker processes")
    parser.add_argument("--trees", default=None,
                        help="A,B: compare two checkouts (a stack each, started side by "
                             "side; their submissions alternate, so load weighs on both)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, db)")
    parser.add_argument("--json", action="store_true", help="samples as JSON on stdout")
    args = parser.parse_args(argv)
    report = sys.stderr if args.json else sys.stdout
    directory = Path(tempfile.mkdtemp(prefix="judgebox-bench-e2e-"))
    print(f"load average at start: {load_average()}  ({time.strftime('%H:%M:%S')} UTC, "
          f"{os.cpu_count()} cores, dir {directory})", file=report)
    trees = [Path(t).resolve() for t in args.trees.split(",")] if args.trees else [REPO]
    stacks = []
    for i, tree in enumerate(trees):
        (directory / f"s{i}").mkdir()
        stacks.append(BenchStack(directory / f"s{i}", concurrency=args.concurrency,
                                 repo=tree))
    results = {}
    try:
        for stack in stacks:
            stack.start()
            stack.upload_problem()
        for kind in args.kinds.split(","):
            for mode in args.compile.split(","):
                if mode not in ("cold", "warm"):
                    parser.error(f"--compile {mode}: cold or warm")
                distinct = mode == "cold"
                for _ in range(args.warmup):
                    for stack in stacks:
                        measure_one(stack, kind, args.language, distinct, args.poll_ms / 1000)
                samples: list[list[dict]] = [[] for _ in stacks]
                for _ in range(args.n):  # the stacks take turns, submission by submission
                    for stack, mine in zip(stacks, samples):
                        mine.append(measure_one(stack, kind, args.language, distinct,
                                                args.poll_ms / 1000))
                for stack, mine in zip(stacks, samples):
                    title = f"{kind}, {mode} compile" + (f", {stack.repo}" if args.trees
                                                         else "")
                    results[title] = mine
                    table(title, mine, report)
    finally:
        for stack in stacks:
            stack.stop()
        if not args.keep:
            import shutil

            shutil.rmtree(directory, ignore_errors=True)
    print(f"\nload average at end: {load_average()}", file=report)
    if args.json:
        json.dump(results, sys.stdout, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Load: a burst of submissions through both APIs while readers poll, then an audit.

A real stack is started in a temp dir (or ``--url`` points at a running one): a private
redis-server, one real Celery worker (``judgebox worker --concurrency N``, one box per core by
default, as root: the sandbox needs it) and the web app under gunicorn (gthread, as
``deploy/gunicorn.conf.py`` runs it), each on a free port, each stopped by its pid at the end.

1. warm-up: one submission of each kind, judged, then the worker's memory is sampled;
2. the burst: ``--submissions`` small programs (A+B in C and Python, three in four right and
   one in four wrong, each source distinct) posted by ``--clients`` threads as fast as the
   server answers: Judge0 ``POST /submissions`` (half with base64), Judge0
   ``POST /submissions/batch`` (5 at a time), native ``POST /api/v1/submissions`` (2 ad-hoc
   tests) and a few native submissions to a problem (``examples/aplusb``, 6 tests);
3. meanwhile a reader polls as clients do, every ``--read-gap`` s, until the queue is drained:
   one submission (Judge0 ``GET /submissions/{token}?fields=*`` or native
   ``GET /api/v1/submissions/{id}``), a list (Judge0 ``GET /submissions?per_page=20`` or native
   ``GET /api/v1/submissions?limit=50``) and a Judge0 batch ``GET /submissions/batch`` of 20;
4. a monitor counts judged submissions (in the store) and samples the worker's resident memory
   (``/proc/<pid>/statm`` of the worker's main process and of its pool processes, found by the
   pid the script started) every tenth of the burst;
5. the audit, in the store: every accepted submission is ``done``, claimed once
   (``attempt`` 1), has one result per test it ran (no index twice, none missing), and the
   verdict its program deserves; no submission exists that the clients did not create.

Prints a table (rich) and ends with one summary line; ``--json`` prints one object instead.
Run as root from the checkout: ``.venv/bin/python bench/load.py [--submissions 1000]``.
``--url`` needs ``--database-url`` for the audit (and the server's rate limits raised, or a
``--token`` whose limit allows the burst); ``--worker-pid`` for the memory samples.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import queue
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "service"))

import requests  # noqa: E402

import jbstack  # noqa: E402

PROBLEM = "aplusb"
JUDGE0_IDS = {"c": 50, "python3": 71}
BATCH_SIZE = 5
PAGE = os.sysconf("SC_PAGE_SIZE")


# --- what is submitted ------------------------------------------------------------------------

def source(language: str, right: bool, mark: str) -> str:
    """A+B (or A+B+1 when not ``right``), made distinct by ``mark``."""
    plus = "" if right else " + 1"
    if language == "c":
        return ("#include <stdio.h>\nint main(void) {\n    long long a, b;\n"
                "    if (scanf(\"%lld %lld\", &a, &b) != 2) return 1;\n"
                f"    printf(\"%lld\\n\", a + b{plus});\n    return 0;\n}}\n/* {mark} */\n")
    return f"a, b = map(int, input().split())\nprint(a + b{plus})\n# {mark}\n"


@dataclass
class Job:
    """One submission of the burst and what became of it."""

    index: int
    api: str          # judge0 | judge0-batch | native | problem
    language: str     # c | python3
    right: bool
    b64: bool = False
    token: str | None = None
    status: int | None = None
    error: str = ""

    @property
    def expected(self) -> str:
        return "AC" if self.right else "WA"

    def judge0_body(self) -> dict:
        a, b = self.index, 7 * self.index + 3
        text = {"source_code": source(self.language, self.right, f"load {self.index}"),
                "stdin": f"{a} {b}\n", "expected_output": f"{a + b}\n"}
        if self.b64:
            text = {k: base64.b64encode(v.encode()).decode() for k, v in text.items()}
        return text | {"language_id": JUDGE0_IDS[self.language], "cpu_time_limit": 2}

    def native_body(self) -> dict:
        body = {"language": self.language,
                "source": source(self.language, self.right, f"load {self.index}")}
        if self.api == "problem":
            return body | {"problem": PROBLEM}
        a = self.index
        return body | {"tests": [{"stdin": f"{a} {a}\n", "expected": f"{2 * a}\n"},
                                 {"stdin": f"-{a} 5\n", "expected": f"{5 - a}\n"}],
                       "limits": {"time_limit": 2}}


def plan(count: int, seed: int, problems: bool = True) -> list[Job]:
    """``count`` jobs, the same for a seed: about 35% Judge0, 25% Judge0 batches, 35% native
    ad-hoc, 5% native on a problem; half C, half Python; a quarter wrong."""
    rng = random.Random(seed)
    weights = {"judge0": 35, "judge0-batch": 25, "native": 35, "problem": 5 if problems else 0}
    jobs = []
    for i in range(count):
        api = rng.choices(list(weights), list(weights.values()))[0]
        jobs.append(Job(i, api, rng.choice(["c", "python3"]), rng.random() >= 0.25,
                        b64=rng.random() < 0.5))
    return jobs


def units(jobs: list[Job]) -> list[list[Job]]:
    """What one POST sends: a job, or up to BATCH_SIZE Judge0 batch jobs."""
    out, batch = [], []
    for job in jobs:
        if job.api != "judge0-batch":
            out.append([job])
            continue
        batch.append(job)
        if len(batch) == BATCH_SIZE:
            out.append(batch)
            batch = []
    if batch:
        out.append(batch)
    return out


# --- the stack ---------------------------------------------------------------------------------

class LoadStack:
    """redis-server, a ``concurrency``-process worker and gunicorn, in ``directory``; or, with
    ``url``, a running server (``database_url`` for the audit, ``worker_pids`` for memory)."""

    def __init__(self, directory: Path | None = None, concurrency: int | None = None,
                 web_workers: int = 2, web_threads: int = 16, url: str | None = None,
                 database_url: str | None = None, worker_pids: tuple[int, ...] = (),
                 token: str | None = None) -> None:
        self.directory = directory
        # ours: one box per core unless told; a running server's: what we are told
        self.concurrency = concurrency if url else (concurrency or os.cpu_count() or 1)
        self.web_workers, self.web_threads = web_workers, web_threads
        self.url, self.database_url = url, database_url
        self.worker_pids, self.token = tuple(worker_pids), token
        self.procs: list[subprocess.Popen] = []
        self.redis = None
        self.store = None

    def start(self) -> "LoadStack":
        """Start what is ours to start; connect to the store."""
        from worker.store import Store

        if self.url is None:
            self._start_own()
        if self.database_url:
            self.store = Store(self.database_url)
        return self

    def _start_own(self) -> None:
        from worker.store import Store
        from worker.store.tokens import create_token

        self.redis = jbstack.RedisServer(self.directory / "redis")
        env = jbstack.service_env(
            self.directory, self.redis.url(0), JUDGEBOX_LEASE_MARGIN="15",
            JUDGEBOX_RECONCILE_INTERVAL="30", JUDGEBOX_QUEUED_TIMEOUT="300",
            JUDGEBOX_RATELIMIT_SUBMIT="1000000/minute",
            JUDGEBOX_RATELIMIT_SUBMIT_ANONYMOUS="1000000/minute",
            JUDGEBOX_RATELIMIT_DEFAULT="1000000/minute", JUDGEBOX_MAX_QUEUE_SIZE="100000")
        self.database_url = env["DATABASE_URL"]
        store = Store(self.database_url)
        store.migrate()
        self.token = create_token(store, f"load-{uuid.uuid4().hex[:8]}", scopes=["admin"])[1]
        name = f"load-{os.getpid()}@{jbstack.socket.gethostname()}"
        worker = jbstack.start_worker(env, name, self.directory, self.concurrency)
        self.procs.append(worker)
        self.worker_pids = (worker.pid,)
        port = jbstack.free_port()
        self.web_log = open(self.directory / "gunicorn.log", "wb")
        self.procs.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config",
             str(REPO / "deploy" / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
             "--workers", str(self.web_workers), "--threads", str(self.web_threads),
             "--access-logfile", "/dev/null", "web:create_app()"],
            cwd=REPO, env=env, stdout=self.web_log, stderr=subprocess.STDOUT,
            start_new_session=True))
        self.url = f"http://127.0.0.1:{port}"
        jbstack.wait_until(self._web_answers, 120, 0.2, what="gunicorn")
        jbstack.wait_for_worker(store, name, worker, timeout=1800)

    def _web_answers(self) -> bool:
        if self.procs[-1].poll() is not None:
            raise RuntimeError((self.directory / "gunicorn.log").read_text())
        try:
            return requests.get(f"{self.url}/healthz", timeout=5).status_code == 200
        except (requests.ConnectionError, requests.Timeout):
            return False

    def headers(self) -> dict:
        return {"X-Auth-Token": self.token} if self.token else {}

    def stop(self) -> None:
        """Stop what this script started, by pid."""
        for proc in reversed(self.procs):
            jbstack.stop_process(proc)
        if self.redis is not None:
            self.redis.stop()


# --- memory ------------------------------------------------------------------------------------

def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE // 1024
    except OSError:
        return 0


def _pss_kib(pid: int) -> int:
    """Proportional set size: shared pages split between the processes sharing them (a
    forked pool shares most of its parent's), so the PSS of a group adds up."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return next((int(line.split()[1]) for line in f if line.startswith("Pss:")), 0)
    except OSError:
        return 0


@dataclass
class MemorySample:
    """The worker's memory after ``judged`` judgements of the burst: RSS of its main process,
    of its pool processes, of the pool's fork servers (``helpers``), and the PSS of them all."""

    judged: int
    main_kib: int
    pool_kib: int
    helpers_kib: int
    pss_kib: int
    pool_pids: list[int]

    @property
    def total_kib(self) -> int:
        """Main and pool processes (what the growth is computed on)."""
        return self.main_kib + self.pool_kib


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


def sample_memory(worker_pids: tuple[int, ...], judged: int) -> MemorySample:
    """RSS of each worker's main process, of its pool processes (children forked from it:
    the same command line) and of the sandbox's fork servers (its other children, the main
    one's from the languages' self-test, and the pool's; the boxes are forked from those and
    never counted)."""
    pool, helpers = [], []
    for pid in worker_pids:
        for child in jbstack.children(pid):
            (pool if _cmdline(child) == _cmdline(pid) else helpers).append(child)
    helpers += [child for pid in pool for child in jbstack.children(pid)]
    everything = [*worker_pids, *pool, *helpers]
    return MemorySample(judged, sum(_rss_kib(p) for p in worker_pids),
                        sum(_rss_kib(p) for p in pool), sum(_rss_kib(p) for p in helpers),
                        sum(_pss_kib(p) for p in everything), sorted(pool))


# --- the run -----------------------------------------------------------------------------------

@dataclass
class Timings:
    """Latencies (ms) of one kind of request, and its non-2xx answers."""

    samples: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)

    def add(self, ms: float, status: int) -> None:
        self.samples.append(ms)
        if not 200 <= status < 300:
            self.errors[status] += 1

    def summary(self) -> dict:
        if not self.samples:
            return {"n": 0, "p50": None, "p99": None, "max": None, "errors": dict(self.errors)}
        ordered = sorted(self.samples)
        return {"n": len(ordered), "p50": round(percentile(ordered, 50), 1),
                "p99": round(percentile(ordered, 99), 1), "max": round(ordered[-1], 1),
                "errors": dict(self.errors)}


def percentile(ordered: list[float], p: float) -> float:
    """Linear interpolation between closest ranks."""
    if len(ordered) == 1:
        return ordered[0]
    k = (len(ordered) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


class Burst:
    """Posts the jobs, reads while the queue drains, watches the count and the memory."""

    def __init__(self, stack: LoadStack, jobs: list[Job], clients: int, read_gap: float,
                 timeout: float) -> None:
        self.stack, self.jobs, self.clients = stack, jobs, clients
        self.read_gap, self.timeout = read_gap, timeout
        self.timings = {k: Timings() for k in ("post judge0", "post judge0 batch",
                                               "post native", "get one", "get list",
                                               "get judge0 batch")}
        self.lock = threading.Lock()
        self.posted: list[Job] = []          # accepted, in the order answered
        self.drained = threading.Event()
        self.memory: list[MemorySample] = []

    # -- posting --

    def _post(self, http: requests.Session, unit: list[Job]) -> None:
        first = unit[0]
        if first.api == "judge0-batch":
            kind = "post judge0 batch"
            b64 = "true" if first.b64 else "false"
            for job in unit:
                job.b64 = first.b64
            url = f"{self.stack.url}/submissions/batch?base64_encoded={b64}"
            body = {"submissions": [job.judge0_body() for job in unit]}
        elif first.api == "judge0":
            kind = "post judge0"
            url = (f"{self.stack.url}/submissions?base64_encoded="
                   f"{'true' if first.b64 else 'false'}")
            body = first.judge0_body()
        else:
            kind, url, body = "post native", f"{self.stack.url}/api/v1/submissions", \
                first.native_body()
        started = time.perf_counter()
        try:
            response = http.post(url, json=body, headers=self.stack.headers(), timeout=60)
        except requests.RequestException as exc:
            for job in unit:
                job.error = f"{exc.__class__.__name__}: {exc}"
            return
        ms = (time.perf_counter() - started) * 1000
        with self.lock:
            self.timings[kind].add(ms, response.status_code)
        self._accepted(unit, response)

    def _accepted(self, unit: list[Job], response: requests.Response) -> None:
        for job in unit:
            job.status = response.status_code
        if response.status_code not in (201, 202):
            for job in unit:
                job.error = response.text[:200]
            return
        data = response.json()
        if unit[0].api == "judge0-batch":
            answers = data
        elif unit[0].api == "judge0":
            answers = [data]
        else:
            answers = [{"token": data["id"]}]
        for job, answer in zip(unit, answers):
            if "token" in answer:
                job.token = answer["token"]
            else:
                job.error = json.dumps(answer)[:200]
        with self.lock:
            self.posted += [job for job in unit if job.token]

    def _client(self, work: queue.Queue) -> None:
        http = requests.Session()
        while True:
            try:
                unit = work.get_nowait()
            except queue.Empty:
                return
            self._post(http, unit)

    # -- reading --

    def _reader(self) -> None:
        http = requests.Session()
        rng = random.Random(7)
        step = 0
        while not self.drained.is_set():
            with self.lock:
                posted = list(self.posted)
            judge0 = [j for j in posted if j.api.startswith("judge0")]
            if not posted:
                time.sleep(0.01)
                continue
            kind, url = self._read_request(step, rng, posted, judge0)
            step += 1
            started = time.perf_counter()
            try:
                response = http.get(url, headers=self.stack.headers(), timeout=60)
                status = response.status_code
            except requests.RequestException:
                status = 599
            with self.lock:
                self.timings[kind].add((time.perf_counter() - started) * 1000, status)
            time.sleep(self.read_gap)

    def _read_request(self, step: int, rng: random.Random, posted: list[Job],
                      judge0: list[Job]) -> tuple[str, str]:
        base = self.stack.url
        what = step % 3
        if what == 0:
            job = rng.choice(posted)
            if job.api.startswith("judge0"):
                return "get one", (f"{base}/submissions/{job.token}?base64_encoded=true"
                                   "&fields=*")
            return "get one", f"{base}/api/v1/submissions/{job.token}"
        if what == 1:
            if step % 2:
                return "get list", f"{base}/submissions?per_page=20&base64_encoded=true"
            return "get list", f"{base}/api/v1/submissions?limit=50"
        tokens = [j.token for j in rng.sample(judge0, min(20, len(judge0)))] if judge0 else \
            ["none"]
        return "get judge0 batch", (f"{base}/submissions/batch?tokens={','.join(tokens)}"
                                    "&base64_encoded=true&fields=token,status")

    # -- watching --

    def _judged(self, since_id: int) -> int:
        from sqlalchemy import func, select

        from worker.store.db import DONE, Submission

        with self.stack.store.read() as session:
            return session.scalar(select(func.count()).select_from(Submission).where(
                Submission.id > since_id, Submission.state == DONE))

    def _monitor(self, since_id: int, posting: threading.Event) -> None:
        total = len(self.jobs)
        marks = sorted({max(1, round(total * k / 10)) for k in range(1, 11)})
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            judged = self._judged(since_id)
            while marks and judged >= marks[0]:
                marks.pop(0)
                if self.stack.worker_pids:
                    self.memory.append(sample_memory(self.stack.worker_pids, judged))
            with self.lock:
                accepted = len(self.posted)
            if not posting.is_set() and judged >= accepted:
                break
            time.sleep(0.2)
        self.drained.set()

    def run(self, since_id: int) -> dict:
        """The burst; returns its wall times."""
        work: queue.Queue = queue.Queue()
        for unit in units(self.jobs):
            work.put(unit)
        posting = threading.Event()
        posting.set()
        started = time.monotonic()
        monitor = threading.Thread(target=self._monitor, args=(since_id, posting), daemon=True)
        reader = threading.Thread(target=self._reader, daemon=True)
        clients = [threading.Thread(target=self._client, args=(work,), daemon=True)
                   for _ in range(self.clients)]
        for thread in (*clients, reader, monitor):
            thread.start()
        for thread in clients:
            thread.join()
        posted_s = time.monotonic() - started
        posting.clear()
        monitor.join()
        drained_s = time.monotonic() - started
        reader.join()
        return {"post_s": posted_s, "drain_s": drained_s,
                "timed_out": self._judged(since_id) < len(self.posted)}


# --- the audit ---------------------------------------------------------------------------------

def audit(store, jobs: list[Job], since_id: int) -> dict:
    """What the store says about the burst: lost, duplicated, re-claimed, wrong verdicts."""
    from sqlalchemy import func, select

    from worker.store.db import DONE, Submission, TestResult

    tokens = {j.token: j for j in jobs if j.token}
    with store.read() as session:
        rows = session.execute(select(
            Submission.id, Submission.token, Submission.state, Submission.attempt,
            Submission.verdict, Submission.judge0_status, Submission.test_count)
            .where(Submission.id > since_id)).all()
        results = session.execute(select(
            TestResult.submission_id, TestResult.index, func.count())
            .where(TestResult.submission_id > since_id)
            .group_by(TestResult.submission_id, TestResult.index)).all()
    indices: dict[int, list[int]] = {}
    duplicated_results = 0
    for sid, index, n in results:
        indices.setdefault(sid, []).append(index)
        duplicated_results += n - 1
    seen = {r.token for r in rows}
    out = {"accepted": len(tokens), "refused": sum(1 for j in jobs if not j.token),
           "stored": len(rows), "unknown": len(seen - set(tokens)),
           "lost": len(set(tokens) - seen), "not_done": 0, "attempts": Counter(),
           "duplicated_results": duplicated_results, "bad_result_sets": 0,
           "wrong_verdicts": 0, "verdicts": Counter(), "examples": []}
    for row in rows:
        job = tokens.get(row.token)
        if job is None:
            continue
        out["attempts"][row.attempt] += 1
        if row.state != DONE:
            out["not_done"] += 1
            continue
        got = row.verdict if not job.api.startswith("judge0") else \
            {3: "AC", 4: "WA"}.get(row.judge0_status, f"status {row.judge0_status}")
        out["verdicts"][f"{job.api} {job.language} {got}"] += 1
        if got != job.expected:
            out["wrong_verdicts"] += 1
            if len(out["examples"]) < 5:
                out["examples"].append(f"{job.api} {job.language} {row.token}: {got}, "
                                       f"expected {job.expected}")
        ran = sorted(indices.get(row.id, []))
        # every test ran when right; a wrong one stops at its first failure
        complete = ran == list(range(1, len(ran) + 1)) and len(ran) >= 1 and (
            len(ran) == row.test_count if job.right else len(ran) <= row.test_count)
        if not complete:
            out["bad_result_sets"] += 1
            if len(out["examples"]) < 5:
                out["examples"].append(f"{row.token}: results {ran} of {row.test_count}")
    out["attempts"] = {str(k): v for k, v in sorted(out["attempts"].items())}
    out["verdicts"] = dict(sorted(out["verdicts"].items()))
    out["ok"] = (out["lost"] == out["unknown"] == out["not_done"] == out["refused"] ==
                 out["duplicated_results"] == out["bad_result_sets"] ==
                 out["wrong_verdicts"] == 0 and set(out["attempts"]) == {"1"})
    return out


# --- warm-up and the whole run ---------------------------------------------------------------

def upload_problem(stack: LoadStack) -> bool:
    """Upload examples/aplusb (needs a token); True when the problem is there."""
    if not stack.token:
        return False
    response = requests.post(f"{stack.url}/api/v1/problems", data={"name": PROBLEM},
                             files={"package": (f"{PROBLEM}.zip", jbstack.example_zip(PROBLEM))},
                             headers=stack.headers(), timeout=120)
    return response.status_code in (201, 409)


def last_id(store) -> int:
    from sqlalchemy import func, select

    from worker.store.db import Submission

    with store.read() as session:
        return session.scalar(select(func.max(Submission.id))) or 0


def warm_up(stack: LoadStack, problems: bool) -> None:
    """One submission of each kind, judged (the first compile, the package unpacked)."""
    jobs = [Job(-1, "judge0", "c", True), Job(-2, "judge0", "python3", True),
            Job(-3, "native", "c", True), Job(-4, "native", "python3", True)]
    if problems:
        jobs.append(Job(-5, "problem", "python3", True))
    burst = Burst(stack, jobs, clients=1, read_gap=0.1, timeout=300)
    since = last_id(stack.store)
    burst.run(since)
    failed = [j for j in jobs if not j.token]
    if failed or burst._judged(since) < len(jobs):
        raise RuntimeError(f"warm-up failed: {[(j.api, j.status, j.error) for j in failed]}")


def growth_per_100(samples: list[MemorySample]) -> float | None:
    """Least-squares slope of the worker's RSS (KiB per 100 judgements), from the first
    tenth on (the start-up allocations are behind it by then)."""
    points = [(s.judged, s.total_kib) for s in samples]
    if len(points) < 2:
        return None
    xs, ys = zip(*points)
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mx) ** 2 for x in xs)
    if var == 0:
        return None
    return 100 * sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var


def run_load(stack: LoadStack, submissions: int = 1000, clients: int = 4,
             read_gap: float = 0.02, seed: int = 9, timeout: float = 3600) -> dict:
    """Warm up, burst, audit: every figure of the run as one dict."""
    load_before = os.getloadavg()[0]
    problems = upload_problem(stack)
    warm_up(stack, problems)
    baseline = sample_memory(stack.worker_pids, 0) if stack.worker_pids else None
    jobs = plan(submissions, seed, problems)
    since = last_id(stack.store)
    burst = Burst(stack, jobs, clients, read_gap, timeout)
    wall = burst.run(since)
    checked = audit(stack.store, jobs, since)
    samples = ([baseline] if baseline else []) + burst.memory
    judged = checked["accepted"] - checked["not_done"]
    return {
        "submissions": submissions, "clients": clients, "concurrency": stack.concurrency,
        "mix": dict(Counter(f"{j.api} {j.language}" for j in jobs)),
        "load_average_at_start": round(load_before, 2), "cpus": os.cpu_count(),
        "post_s": round(wall["post_s"], 2), "drain_s": round(wall["drain_s"], 2),
        "timed_out": wall["timed_out"],
        "judgements_per_minute": round(judged / wall["drain_s"] * 60, 1),
        "requests": {k: t.summary() for k, t in burst.timings.items()},
        "reads": _merged(burst, ("get one", "get list", "get judge0 batch")),
        "posts": _merged(burst, ("post judge0", "post judge0 batch", "post native")),
        "memory": [asdict(s) | {"total_kib": s.total_kib} for s in samples],
        "rss_growth_kib_per_100": _rounded(growth_per_100(burst.memory)),
        # the second half alone: a leak keeps its slope, a warm-up flattens out
        "rss_growth_kib_per_100_second_half": _rounded(growth_per_100(
            [m for m in burst.memory if m.judged >= len(jobs) / 2])),
        "audit": checked,
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _merged(burst: Burst, kinds: tuple[str, ...]) -> dict:
    merged = Timings()
    for kind in kinds:
        merged.samples += burst.timings[kind].samples
        merged.errors.update(burst.timings[kind].errors)
    return merged.summary()


# --- output ------------------------------------------------------------------------------------

def summary_line(r: dict) -> str:
    a = r["audit"]
    growth, late = r["rss_growth_kib_per_100"], r["rss_growth_kib_per_100_second_half"]
    memory = "n/a" if growth is None else (
        f"{growth / 1024:+.2f} MiB/100 judgements"
        + ("" if late is None else f" ({late / 1024:+.2f} in the second half)"))
    return (f"load: {a['accepted']} accepted of {r['submissions']}, "
            f"{a['accepted'] - a['not_done']} judged, lost {a['lost']}, "
            f"duplicated results {a['duplicated_results']}, re-claimed "
            f"{sum(v for k, v in a['attempts'].items() if k != '1')}, wrong verdicts "
            f"{a['wrong_verdicts']}; drain {r['drain_s']:.1f} s "
            f"({r['judgements_per_minute']:.0f}/min); reads p50 {r['reads']['p50']} ms "
            f"p99 {r['reads']['p99']} ms; posts p50 {r['posts']['p50']} ms p99 "
            f"{r['posts']['p99']} ms; worker RSS {memory}; "
            f"{'OK' if a['ok'] and not r['timed_out'] else 'FAILED'}")


def print_tables(r: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"{r['submissions']} submissions, {r['clients']} clients, worker "
                        f"concurrency {r['concurrency']}, load average "
                        f"{r['load_average_at_start']} at the start")
    for column in ("request", "n", "p50 ms", "p99 ms", "max ms", "non-2xx"):
        table.add_column(column, justify="left" if column == "request" else "right")
    rows = list(r["requests"].items()) + [("all reads", r["reads"]), ("all posts", r["posts"])]
    for name, s in rows:
        table.add_row(name, str(s["n"]), str(s["p50"]), str(s["p99"]), str(s["max"]),
                      ", ".join(f"{k}: {v}" for k, v in s["errors"].items()) or "0")
    console.print(table)
    memory = Table(title="worker memory (RSS; PSS of all its processes)")
    for column in ("judged", "main MiB", "pool MiB", "main+pool MiB", "fork servers MiB",
                   "PSS MiB"):
        memory.add_column(column, justify="right")
    for s in r["memory"]:
        memory.add_row(*(str(s["judged"]), *(f"{s[k] / 1024:.1f}" for k in (
            "main_kib", "pool_kib", "total_kib", "helpers_kib", "pss_kib"))))
    console.print(memory)
    pools = {tuple(s["pool_pids"]) for s in r["memory"]}
    if len(pools) > 1:
        console.print(f"pool processes changed during the run: {sorted(pools)}")
    a = r["audit"]
    console.print(f"posted in {r['post_s']} s, drained in {r['drain_s']} s "
                  f"({r['judgements_per_minute']} judgements/minute); attempts "
                  f"{a['attempts']}; verdicts {a['verdicts']}")
    for example in a["examples"]:
        console.print(f"  {example}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", "-n", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4, help="posting threads")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="worker processes (default: one per core)")
    parser.add_argument("--read-gap", type=float, default=0.02,
                        help="seconds between the reader's requests")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--url", help="a running judgebox instead of a stack of our own")
    parser.add_argument("--database-url", help="its store, for the audit (with --url)")
    parser.add_argument("--token", help="an API token (with --url)")
    parser.add_argument("--worker-pid", type=int, action="append", default=[],
                        help="a worker's main process, for memory (with --url)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args(argv)
    if args.url and not args.database_url:
        parser.error("--url needs --database-url: the audit reads the store")
    if args.url is None and os.geteuid() != 0:
        parser.error("run as root: the worker judges in the real sandbox")
    # stopped by a signal (a timeout's SIGTERM, a hang-up): leave through the finally below,
    # which stops the stack this started (its processes lead sessions of their own)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda number, _frame: sys.exit(128 + number))
    with tempfile.TemporaryDirectory(prefix="judgebox-load-") as tmp:
        stack = LoadStack(Path(tmp), args.concurrency, url=args.url,
                          database_url=args.database_url, worker_pids=tuple(args.worker_pid),
                          token=args.token)
        try:
            stack.start()
            result = run_load(stack, args.submissions, args.clients, args.read_gap, args.seed,
                              args.timeout)
        finally:
            stack.stop()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_tables(result)
    print(summary_line(result), file=sys.stderr if args.json else sys.stdout)
    return 0 if result["audit"]["ok"] and not result["timed_out"] else 1


if __name__ == "__main__":
    sys.exit(main())

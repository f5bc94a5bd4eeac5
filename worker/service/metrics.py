"""Judging metrics, kept in Redis so that every worker process on every host adds to the same
numbers, and exported by the web app at ``/metrics`` (``web.metrics``).

Why Redis and not prometheus-client's multiprocess mode: that mode sums files that the
processes of *one host* write to a shared directory, and each host would then need its own
scrape target (a worker host serves no HTTP). Workers here may run on many hosts that share
only Redis, the database and the web API; so each judgement's observations go to Redis (one
pipelined round trip after the judgement: counters with ``HINCRBY``, histogram buckets with
``HINCRBY`` and their sums with ``HINCRBYFLOAT``, all atomic), and any web process reads the
cluster's totals. Gauges (queue lengths, live workers) are read at scrape time from Redis and
the database. A restarted Redis starts the counters again from zero, which Prometheus treats
as a counter reset (``rate()`` copes); with Redis persistence on they survive restarts.

Metrics never fail a judgement: a Redis error while recording is logged and the observations
are dropped.

Layout (all under ``judgebox:metrics:``): ``judgements`` (field ``verdict|language``),
``latency`` (fields ``phase|<bucket index>``, ``phase|sum``, ``phase|count``) and
``box_setup`` (fields ``<bucket index>``, ``sum``, ``count``); bucket counts are stored per
bucket and made cumulative when exported.
"""

from __future__ import annotations

import bisect
import logging
from collections import Counter
from dataclasses import dataclass, field

import redis

__all__ = ["Observations", "record", "read", "PHASES", "LATENCY_BUCKETS", "BOX_SETUP_BUCKETS",
           "KEY_PREFIX"]

log = logging.getLogger(__name__)

KEY_PREFIX = "judgebox:metrics:"
# queue: enqueued -> claimed; claim: claiming and reading the submission; store: the
# judgement's other writes (progress, results, the verdict), batched
# (worker.service.pipeline.Reporter)
PHASES = ("queue", "claim", "compile", "run", "check", "store")
# seconds: a queue wait or a compile may take minutes, a check milliseconds
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                   120.0, 300.0, 600.0)
BOX_SETUP_BUCKETS = (0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0)
_clients: dict[str, redis.Redis] = {}


@dataclass
class Observations:
    """What one judgement observed, sent to Redis at once by :func:`record`."""

    latency: list[tuple[str, float]] = field(default_factory=list)  # (phase, seconds)
    box_setup: list[float] = field(default_factory=list)           # seconds per box
    judgements: Counter = field(default_factory=Counter)            # (verdict, language)

    def phase(self, name: str, seconds: float) -> None:
        """One phase took ``seconds`` (``name`` in :data:`PHASES`)."""
        self.latency.append((name, max(0.0, seconds)))

    def box(self, host_wall_s: float, program_wall_s: float) -> None:
        """One box: the host's wall time around the whole run minus the program's own wall
        time is what setting the box up (and tearing it down) cost."""
        self.box_setup.append(max(0.0, host_wall_s - program_wall_s))

    def judgement(self, verdict: str, language: str) -> None:
        """A judgement was stored."""
        self.judgements[(verdict, language)] += 1

    def summary(self) -> str:
        """Milliseconds per phase (summed over the judgement) and box set-up, for a log line:
        ``queue=12 claim=2 compile=840 run=95 check=1 store=3 box_setup=60``."""
        totals: dict[str, float] = {}
        for name, seconds in self.latency:
            totals[name] = totals.get(name, 0.0) + seconds
        if self.box_setup:
            totals["box_setup"] = sum(self.box_setup)
        return " ".join(f"{name}={1000 * seconds:.0f}" for name, seconds in totals.items())


def _client(url: str) -> redis.Redis:
    # one client (and connection pool) per URL and process; redis-py resets a pool that was
    # inherited through fork, so Celery's prefork pool processes get their own connections
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    return _clients[url]


def _bucket(buckets: tuple[float, ...], value: float) -> int:
    return bisect.bisect_left(buckets, value)  # len(buckets) is +Inf


def record(url: str, seen: Observations) -> None:
    """Add one judgement's observations to the cluster's totals in Redis at ``url``."""
    if not (seen.latency or seen.box_setup or seen.judgements):
        return
    try:
        pipe = _client(url).pipeline(transaction=False)
        for (verdict, language), n in seen.judgements.items():
            pipe.hincrby(KEY_PREFIX + "judgements", f"{verdict}|{language}", n)
        for phase, seconds in seen.latency:
            key = KEY_PREFIX + "latency"
            pipe.hincrby(key, f"{phase}|{_bucket(LATENCY_BUCKETS, seconds)}", 1)
            pipe.hincrby(key, f"{phase}|count", 1)
            pipe.hincrbyfloat(key, f"{phase}|sum", seconds)
        for seconds in seen.box_setup:
            key = KEY_PREFIX + "box_setup"
            pipe.hincrby(key, str(_bucket(BOX_SETUP_BUCKETS, seconds)), 1)
            pipe.hincrby(key, "count", 1)
            pipe.hincrbyfloat(key, "sum", seconds)
        pipe.execute()
    except (redis.RedisError, OSError) as exc:
        log.warning("metrics not recorded (Redis): %s", exc)


def _histogram(fields: dict[str, str], buckets: tuple[float, ...]
               ) -> tuple[list[tuple[str, float]], float, int]:
    counts = [int(fields.get(str(i), 0)) for i in range(len(buckets) + 1)]
    cumulative, running = [], 0
    for bound, n in zip((*(str(b) for b in buckets), "+Inf"), counts):
        running += n
        cumulative.append((bound, running))
    return cumulative, float(fields.get("sum", 0.0)), int(fields.get("count", 0))


def read(url: str) -> dict:
    """The cluster's totals: ``{"judgements": {(verdict, language): n}, "latency": {phase:
    (cumulative buckets, sum, count)}, "box_setup": (cumulative buckets, sum, count)}``."""
    client = _client(url)
    raw = {name: {k.decode(): v.decode() for k, v in client.hgetall(KEY_PREFIX + name).items()}
           for name in ("judgements", "latency", "box_setup")}
    judgements = {tuple(k.split("|", 1)): int(v) for k, v in raw["judgements"].items()}
    by_phase: dict[str, dict[str, str]] = {}
    for key, value in raw["latency"].items():
        phase, _, rest = key.partition("|")
        by_phase.setdefault(phase, {})[rest] = value
    return {"judgements": judgements,
            "latency": {p: _histogram(by_phase.get(p, {}), LATENCY_BUCKETS)
                        for p in (*PHASES, *sorted(set(by_phase) - set(PHASES)))},
            "box_setup": _histogram(raw["box_setup"], BOX_SETUP_BUCKETS)}

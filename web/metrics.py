"""``GET /metrics``: the cluster's metrics in Prometheus' text format (prometheus-client).

Everything is read at scrape time: the judging counters and histograms that every worker
process adds to Redis (``worker.service.metrics`` says why there and not in prometheus-client's
multiprocess files), the queue lengths (Redis lists), the live workers and the submissions in
each state (the store). So every web process answers the same cluster-wide numbers, and any
one of them may be scraped. The endpoint is open like ``/healthz``: restrict it at the proxy
(docs/deploy.md).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from worker.service import metrics
from worker.service.celery_app import queue_lengths
from worker.store import registry, submissions

from ._store import store
from .quota import limiter

__all__ = ["bp"]

log = logging.getLogger(__name__)
bp = Blueprint("metrics", __name__)


class _ClusterCollector:
    """A prometheus-client collector over the cluster's state (one per scrape)."""

    def __init__(self, app) -> None:
        self.app = app

    def collect(self):
        """Yield every metric family (what cannot be read is left out, and counted)."""
        config = self.app.config
        errors = GaugeMetricFamily("judgebox_metrics_scrape_errors",
                                   "Sources that could not be read in this scrape",
                                   labels=["source"])
        failed: set[str] = set()
        for name, source in (("redis", self._judging), ("queues", self._queues),
                             ("store", self._store)):
            try:
                if name == "queues" and "redis" in failed:  # the broker is that Redis: do not
                    raise ConnectionError("Redis did not answer")  # wait for kombu's retries
                yield from source(config)
                errors.add_metric([name], 0)
            except Exception as exc:  # one broken source must not hide the others
                log.warning("metrics: %s unreadable: %s", name, exc)
                failed.add(name)
                errors.add_metric([name], 1)
        yield errors

    def _judging(self, config):
        totals = metrics.read(config["REDIS_URL"])
        judged = CounterMetricFamily("judgebox_judgements", "Judgements stored, by verdict and "
                                     "language", labels=["verdict", "language"])
        se = CounterMetricFamily("judgebox_system_errors", "Judgements that ended SE")
        for (verdict, language), n in sorted(totals["judgements"].items()):
            judged.add_metric([verdict, language], n)
        se.add_metric([], sum(n for (v, _), n in totals["judgements"].items() if v == "SE"))
        latency = HistogramMetricFamily(
            "judgebox_phase_seconds", "Time per phase: queue (enqueued to claimed), claim "
            "(taking and reading the submission), compile (one compile box), run (one run of "
            "one test, box included), check (one output check), store (one write)",
            labels=["phase"])
        for phase, (buckets, total, _) in totals["latency"].items():
            latency.add_metric([phase], buckets, total)
        buckets, total, _ = totals["box_setup"]
        setup = HistogramMetricFamily(
            "judgebox_box_setup_seconds", "Per box: the host's wall time around a run minus "
            "the program's own wall time (setting the box up and tearing it down)")
        setup.add_metric([], buckets, total)
        yield from (judged, se, latency, setup)

    def _queues(self, config):
        gauge = GaugeMetricFamily("judgebox_queue_length", "Tasks waiting in each queue",
                                  labels=["queue"])
        lengths = queue_lengths(self.app.extensions["celery"], list(config["QUEUES"]))
        for queue, n in lengths.items():
            gauge.add_metric([queue], n)
        yield gauge

    def _store(self, config):
        live = registry.live_workers(store(), float(config["WORKER_STALE"]))
        workers = GaugeMetricFamily("judgebox_workers_alive", "Workers heard from within "
                                    "WORKER_STALE seconds")
        workers.add_metric([], len(live))
        slots = GaugeMetricFamily("judgebox_worker_processes", "Judging processes (boxes at "
                                  "once) of the live workers")
        slots.add_metric([], sum(w.concurrency or 0 for w in live))
        states = GaugeMetricFamily("judgebox_submissions", "Submissions in each state",
                                   labels=["state"])
        for state, n in sorted(submissions.counts(store()).items()):
            states.add_metric([state], n)
        yield from (workers, slots, states)


@bp.get("/metrics")
@limiter.exempt
def metrics_view():
    """The metrics, in Prometheus' text exposition format."""
    collectors = CollectorRegistry(auto_describe=False)
    collectors.register(_ClusterCollector(current_app._get_current_object()))
    return Response(generate_latest(collectors), content_type=CONTENT_TYPE_LATEST)

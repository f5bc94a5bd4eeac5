"""The load benchmark (``bench/load.py``), small: 150 submissions posted in a burst through
both APIs (Judge0 single and batch, native ad-hoc and on a problem; C and Python; right and
wrong) to a stack of its own (redis-server, a real worker with one box per core, gunicorn),
while a reader polls. Every submission is judged exactly once with the verdict it deserves,
reads stay answered, and the worker's memory does not grow with the judgements.

Bounds are generous on purpose: the machine is shared and CI has two cores; the benchmark
itself reports the figures (bench/README.md)."""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

from jbstack import REPO

SUBMISSIONS = 150


def _bench():
    spec = importlib.util.spec_from_file_location("judgebox_bench_load",
                                                  REPO / "bench" / "load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.timeout(300)
def test_a_burst_is_judged_once_each_while_reads_stay_fast(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("the service tests judge in the real sandbox: run them as root")
    load = _bench()
    stack = load.LoadStack(tmp_path).start()
    try:
        result = load.run_load(stack, submissions=SUBMISSIONS, clients=4, read_gap=0.02,
                               timeout=200)
    finally:
        stack.stop()
    print(load.summary_line(result))
    audit = result["audit"]
    assert not result["timed_out"], load.summary_line(result)
    # none refused or lost, none stored that the clients did not send, each claimed once
    assert audit["accepted"] == audit["stored"] == SUBMISSIONS, audit
    assert audit["lost"] == audit["unknown"] == audit["not_done"] == 0, audit
    assert audit["attempts"] == {"1": SUBMISSIONS}, audit
    # one result per test run, no index twice; every verdict the one the program deserves
    assert audit["duplicated_results"] == audit["bad_result_sets"] == 0, audit["examples"]
    assert audit["wrong_verdicts"] == 0, audit["examples"]
    assert audit["ok"]
    kinds = {key.split()[0] for key in audit["verdicts"]}
    assert kinds == {"judge0", "judge0-batch", "native", "problem"}, audit["verdicts"]
    # every request answered; reads fast enough while the queue drains (a generous bound)
    assert not result["posts"]["errors"] and not result["reads"]["errors"], result["requests"]
    assert result["reads"]["n"] >= 50
    assert result["reads"]["p99"] < 1000, result["requests"]
    # the worker's memory: no growth with the judgements beyond noise (100 KiB each would be
    # a leak of 15 MiB here; the whole run grows it by about 1 MiB on the development host)
    first, last = result["memory"][0], result["memory"][-1]
    assert first["judged"] == 0 and last["judged"] >= SUBMISSIONS
    assert first["pool_pids"] == last["pool_pids"]  # the same processes throughout
    assert last["total_kib"] - first["total_kib"] < 16 * 1024, result["memory"]

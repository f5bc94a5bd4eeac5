"""``/metrics`` after real judgements: the values that workers add in Redis move, and the
gauges read at scrape time say what is there."""

from __future__ import annotations

import requests
from prometheus_client.parser import text_string_to_metric_families

from jbstack import example_zip, wait_until
from worker.service import metrics
from worker.store.tokens import create_token

C_APLUSB = ("#include <stdio.h>\nint main(void){long a,b;if(scanf(\"%ld %ld\",&a,&b)!=2)"
            "return 1;printf(\"%ld\\n\",a+b);return 0;}\n")


def submit(base: str, **body) -> str:
    response = requests.post(f"{base}/api/v1/submissions", json=body, timeout=10)
    assert response.status_code == 202, response.text
    return response.json()["id"]


def wait_done(base: str, token: str, timeout: float = 60) -> dict:
    def done():
        body = requests.get(f"{base}/api/v1/submissions/{token}", timeout=10).json()
        return body if body["state"] == "done" else None
    return wait_until(done, timeout, 0.1, what=f"submission {token}")


def scrape(base: str) -> dict[tuple[str, tuple], float]:
    """Every sample of ``/metrics``: (name, sorted labels) -> value."""
    response = requests.get(f"{base}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples}


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_move_after_judgements(stack):
    before = scrape(stack.url)
    ac = submit(stack.url, language="c", source=C_APLUSB,
                tests=[{"stdin": "1 2", "expected": "3"}, {"stdin": "2 2", "expected": "4"}])
    ce = submit(stack.url, language="c", source="int main(void) { return x; }\n",
                tests=[{"stdin": ""}])
    assert wait_done(stack.url, ac)["verdict"] == "AC"
    assert wait_done(stack.url, ce)["verdict"] == "CE"
    after = scrape(stack.url)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("judgebox_judgements_total", verdict="AC", language="c") >= 1
    assert moved("judgebox_judgements_total", verdict="CE", language="c") >= 1
    assert moved("judgebox_phase_seconds_count", phase="queue") >= 2
    assert moved("judgebox_phase_seconds_count", phase="compile") >= 2
    assert moved("judgebox_phase_seconds_count", phase="run") >= 2   # the AC's two tests
    assert moved("judgebox_phase_seconds_count", phase="check") >= 2
    assert moved("judgebox_phase_seconds_sum", phase="compile") > 0
    assert moved("judgebox_box_setup_seconds_count") >= 2
    # buckets are cumulative: +Inf holds every observation
    assert value(after, "judgebox_phase_seconds_bucket", phase="run", le="+Inf") == \
        value(after, "judgebox_phase_seconds_count", phase="run")
    assert value(after, "judgebox_workers_alive") >= 1
    assert value(after, "judgebox_worker_processes") >= 2
    assert ("judgebox_queue_length", (("queue", "interactive"),)) in after
    assert ("judgebox_queue_length", (("queue", "batch"),)) in after
    assert value(after, "judgebox_submissions", state="done") >= 2
    assert value(after, "judgebox_system_errors_total") == \
        sum(v for (name, labels), v in after.items()
            if name == "judgebox_judgements_total" and ("verdict", "SE") in labels)
    assert all(value(after, "judgebox_metrics_scrape_errors", source=s) == 0
               for s in ("redis", "queues", "store"))


def test_a_problem_submission_records_compile_run_and_check_too(stack):
    """A submission on a problem is judged by the same function as an ad-hoc one, and so
    measured the same way: its compile, each test's run (and its box) and each check."""
    admin = create_token(stack.store, "metrics-admin", scopes=["admin"])[1]
    uploaded = requests.post(f"{stack.url}/api/v1/problems", headers={"X-Auth-Token": admin},
                             data={"name": "metrics-aplusb"},
                             files={"package": ("aplusb.zip", example_zip("aplusb"))},
                             timeout=30)
    assert uploaded.status_code == 201, uploaded.text
    tests = uploaded.json()["test_count"]
    before = scrape(stack.url)
    token = submit(stack.url, language="c", source=C_APLUSB, problem="metrics-aplusb")
    body = wait_done(stack.url, token)
    assert body["verdict"] == "AC" and len(body["tests"]) == tests >= 2, body
    after = scrape(stack.url)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("judgebox_judgements_total", verdict="AC", language="c") >= 1
    assert moved("judgebox_phase_seconds_count", phase="compile") >= 1
    assert moved("judgebox_phase_seconds_count", phase="run") >= tests
    assert moved("judgebox_phase_seconds_count", phase="check") >= tests
    assert moved("judgebox_phase_seconds_sum", phase="run") > 0
    assert moved("judgebox_box_setup_seconds_count") >= tests


def test_an_se_judgement_is_counted(stack):
    """An SE judgement, recorded the way a worker records one, adds to the SE count."""
    before = value(scrape(stack.url), "judgebox_system_errors_total")
    seen = metrics.Observations()
    seen.judgement("SE", "c")
    metrics.record(stack.app.config["REDIS_URL"], seen)
    assert value(scrape(stack.url), "judgebox_system_errors_total") == before + 1


def test_recording_never_fails_a_judgement_when_redis_is_gone():
    seen = metrics.Observations()
    seen.phase("run", 0.5)
    metrics.record("redis://127.0.0.1:1/0", seen)  # nothing listens: logged and dropped


def test_histogram_buckets_are_cumulative():
    buckets, total, count = metrics._histogram({"0": "2", "3": "1", "sum": "0.7", "count": "3"},
                                               (0.1, 0.2, 0.3))
    assert buckets == [("0.1", 2), ("0.2", 2), ("0.3", 2), ("+Inf", 3)]
    assert (total, count) == (0.7, 3)


def test_a_source_that_cannot_be_read_is_reported_not_fatal(tmp_path):
    from jbstack import app_config, free_port
    from web import create_app

    app = create_app(app_config(tmp_path, f"redis://127.0.0.1:{free_port()}/0"))
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(response.get_data(as_text=True))
               for s in family.samples}
    assert value(samples, "judgebox_metrics_scrape_errors", source="redis") == 1
    assert value(samples, "judgebox_metrics_scrape_errors", source="queues") == 1
    assert value(samples, "judgebox_metrics_scrape_errors", source="store") == 0
    assert value(samples, "judgebox_workers_alive") == 0

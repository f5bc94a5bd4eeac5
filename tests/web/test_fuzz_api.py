"""Fuzz the native API with schemathesis against its own OpenAPI document
(``/api/v1/openapi.json``), in-process through the Flask app (WSGI): for every operation,
with a token and without, data that fits the document and data that does not, no answer is a
5xx (503, documented for a full queue or maintenance, must still be the JSON error). In the
test config Flask propagates exceptions, so a crash fails the test with its traceback.
Bounded examples, no deadline, a fixed seed and no example database: reproducible, ~20 s."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from worker.store.tokens import create_token

MAX_EXAMPLES = 100
SEED = 20241209


@pytest.mark.timeout(600)  # under a minute on an idle machine; the machine is shared
def test_no_5xx_for_any_operation(make_app):
    # a generous rate limit: the fuzzer must reach the handlers, not stop at 429; the worker
    # reported at the start stays live however long the run takes (/readyz would be a 503
    # without an "error" after WORKER_STALE, 120 s, on a loaded machine)
    app = make_app(RATELIMIT_SUBMIT="100000/minute", RATELIMIT_DEFAULT="100000/minute",
                   WORKER_STALE=86400)
    _row, secret = create_token(app.extensions["judgebox_store"], "fuzz", scopes=["admin"])
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    statuses: dict[int, int] = {}
    failures = []
    for operation in operations:
        for token, mode in ((secret, GenerationMode.POSITIVE),
                            (secret, GenerationMode.NEGATIVE), (None, GenerationMode.POSITIVE)):
            headers = {"X-Auth-Token": token} if token else {}

            @seed(SEED)
            @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                      derandomize=True, suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(mode))
            def check(case):
                response = case.call(headers=headers)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code == 503:
                    assert response.json()["error"]
                elif response.status_code >= 500:
                    failures.append((operation.label, response.status_code, case.method,
                                     case.formatted_path, case.query, repr(case.body)[:300],
                                     response.text[:300]))

            try:
                check()
            except Unsatisfiable:
                # negative mode on an operation with nothing to break (no parameters, no body)
                assert mode is GenerationMode.NEGATIVE, operation.label
    assert not failures, "\n".join(map(str, failures))
    # the fuzzer reached the handlers (answers and refusals), not only one kind of answer
    assert {200, 401, 404, 422} <= set(statuses), statuses

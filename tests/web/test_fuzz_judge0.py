"""Fuzz the Judge0-compatible API with schemathesis against its OpenAPI document
(``/judge0/openapi.json``, ``web/judge0/openapi.py``), in-process through the Flask app (WSGI):
for every operation, with a token and without, data that fits the document and data that does
not, no answer is a 5xx (503, documented for a full queue or maintenance, must still be the
JSON error), and every answer conforms to the document: a status it lists, its content type,
its schema (a submission has Judge0's keys only, times as decimal strings, Judge0's
timestamps). In the test config Flask propagates exceptions, so a crash fails the test with
its traceback. Callback hosts never reach DNS (a fixed public answer). Bounded examples, no
deadline, a fixed seed, no example database: reproducible, about 40 s on an idle machine.

Targeted tests of what the fuzzer found (and its neighbours) follow the fuzz test."""

from __future__ import annotations

import ipaddress
import socket

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import (content_type_conformance, not_a_server_error,
                                 response_schema_conformance, status_code_conformance)
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode

from worker.store.db import DONE, Submission
from worker.store.tokens import create_token

MAX_EXAMPLES = 100
SEED = 20241209
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
GENEROUS = {"RATELIMIT_SUBMIT": "1000000/minute", "RATELIMIT_DEFAULT": "1000000/minute",
            "WAIT_TIMEOUT": 0.05, "ENABLE_SUBMISSION_DELETE": True}


@pytest.fixture
def no_dns(monkeypatch):
    """Host names resolve to one public address without asking DNS; literals stay literal."""
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        try:
            ipaddress.ip_address(str(host).split("%")[0])
        except ValueError:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port or 80))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def _judged(store, token: str, stdout: bytes) -> None:
    """Mark a stored submission done, as a worker would, with ``stdout``."""
    with store.write() as session:
        row = session.query(Submission).filter_by(token=token).one()
        row.state, row.verdict, row.judge0_status = DONE, "AC", 3
        row.time, row.wall_time, row.memory, row.exit_code = 0.01, 0.02, 900, 0
        row.stdout = stdout


@pytest.mark.timeout(300)  # ~40 s on an idle machine; the machine is shared
def test_judge0_api_conforms_to_its_document_and_never_5xx(make_app, no_dns):
    app = make_app(**GENEROUS)
    store = app.extensions["judgebox_store"]
    _row, secret = create_token(store, "fuzz", scopes=["admin"])
    client = app.test_client()
    # rows for the list and delete paths: one judged, one judged with output not UTF-8
    for stdout in (b"42\n", b"\xff\xfe"):
        token = client.post("/submissions", json={"source_code": "print(42)",
                                                  "language_id": 71}).json["token"]
        _judged(store, token, stdout)
    schema = schemathesis.openapi.from_wsgi("/judge0/openapi.json", app)
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
                try:
                    case.validate_response(response, checks=CHECKS, headers=headers)
                except (FailureGroup, AssertionError) as exc:
                    kinds = [f.title for f in getattr(exc, "exceptions", [exc])]
                    failures.append((operation.label, mode.value, response.status_code, kinds,
                                     case.query, repr(case.body)[:200], response.text[:300]))

            try:
                check()
            except Unsatisfiable:
                # negative mode on an operation with nothing to break (no parameters, no body)
                assert mode is GenerationMode.NEGATIVE, operation.label
    # A submission accepted (201), by each route that accepts one, checked the same way: few
    # generated submissions are valid (the document cannot say that base64_encoded=true
    # wants base64 text, say), 4 of about 2100 answers were 201s, and one CI run had none.
    accepted = {"POST /submissions": {"source_code": "print(42)", "language_id": 71},
                "POST /submissions/batch": {"submissions": [{"source_code": "print(1)",
                                                             "language_id": 71}] * 2}}
    for operation in operations:
        if operation.label in accepted:
            case = operation.Case(body=accepted[operation.label], media_type="application/json")
            response = case.call(headers={"X-Auth-Token": secret})
            assert response.status_code == 201, (operation.label, response.text)
            case.validate_response(response, checks=CHECKS, headers={"X-Auth-Token": secret})
            del accepted[operation.label]
    assert not accepted, accepted
    distinct = {(f[0], f[2], tuple(f[3])): f for f in failures}
    assert not failures, "\n".join(map(str, distinct.values())) + f"\n({len(failures)} in all)"
    # the fuzzer reached the handlers (answers and refusals), not only one kind of answer
    assert {200, 400, 401, 404, 422} <= set(statuses), statuses


# --- what the fuzzer found, and its neighbours ----------------------------------------------

def test_the_document_is_served_and_lists_every_route(client, app):
    doc = client.get("/judge0/openapi.json").json
    assert doc["openapi"].startswith("3.")
    routes = {(rule.rule, method.lower()) for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("judge0.") for method in rule.methods
              if method not in ("HEAD", "OPTIONS")}
    documented = {(path.replace("{language_id}", "<int:language_id>")
                   .replace("{token}", "<token>"), method)
                  for path, ops in doc["paths"].items() for method in ops}
    assert routes == documented
    limits = doc["components"]["schemas"]["SubmissionIn"]["properties"]
    assert limits["cpu_time_limit"]["maximum"] == 15.0
    assert 71 in limits["language_id"]["enum"] and 50 in limits["language_id"]["enum"]


def test_the_document_follows_configured_maxima(make_app):
    app = make_app(JUDGE0_LIMITS={"max_cpu_time_limit": 3.0})
    doc = app.test_client().get("/judge0/openapi.json").json
    assert doc["components"]["schemas"]["SubmissionIn"]["properties"][
        "cpu_time_limit"]["maximum"] == 3.0


A_B = {"source_code": "print(1)", "language_id": 71}


@pytest.mark.parametrize("field", ["cpu_time_limit", "cpu_extra_time", "wall_time_limit",
                                   "memory_limit"])
@pytest.mark.parametrize("nan", ["nan", "NaN", "-nan"])
def test_nan_sent_as_a_string_is_refused_not_a_crash(client, field, nan):
    # numbers may come as strings (as Judge0 accepts them), and float("nan") is a float that
    # no range check refuses: it reached round(nan * 1000), a 500
    response = client.post("/submissions", json=A_B | {field: nan})
    assert response.status_code == 422
    assert response.json == {field: ["is not a number"]}
    response = client.post("/submissions", data={k: str(v) for k, v in A_B.items()}
                           | {field: nan})  # a form, as Judge0 also accepts
    assert response.status_code == 422 and field in response.json
    response = client.post("/submissions/batch", json={"submissions": [A_B | {field: nan},
                                                                       A_B]})
    assert response.status_code == 201
    assert response.json[0] == {field: ["is not a number"]} and "token" in response.json[1]


@pytest.mark.parametrize("value, message", [("inf", "must be less than or equal to 15.0"),
                                            ("-inf", "must be greater than or equal to 0"),
                                            ("1e400", "must be less than or equal to 15.0")])
def test_infinities_are_out_of_range(client, value, message):
    response = client.post("/submissions", json=A_B | {"cpu_time_limit": value})
    assert response.status_code == 422 and response.json == {"cpu_time_limit": [message]}


@pytest.mark.parametrize("field", ["source_code", "stdin", "expected_output"])
def test_a_lone_surrogate_in_text_is_refused_not_a_crash(client, field):
    # JSON may escape half a surrogate pair ("\ud800"): a str that has no UTF-8 form
    body = '{"source_code": "print(1)", "language_id": 71, "%s": "a\\ud800b"}' % field
    response = client.post("/submissions", data=body, content_type="application/json")
    assert response.status_code == 422
    assert response.json == {field: ["is not valid UTF-8 (send base64 with "
                                     "base64_encoded=true)"]}
    response = client.post("/submissions?base64_encoded=true", data=body,
                           content_type="application/json")
    assert response.status_code == 422 and field in response.json


@pytest.mark.parametrize("field", ["compiler_options", "command_line_arguments"])
def test_a_nul_in_an_argument_list_is_refused(client, field):
    # no program argument can hold a NUL: accepted, it would have failed in the worker
    response = client.post("/submissions", json=A_B | {field: "-O2 a\x00b"})
    assert response.status_code == 422
    assert response.json == {field: ["is not a valid argument list: contains a NUL "
                                     "character"]}


def test_unmatched_judge0_paths_answer_as_judge0(client):
    for response, status in ((client.get("/languages/abc"), 404),
                             (client.get("/submissions/a/b"), 404),
                             (client.put("/submissions"), 405),
                             (client.post("/statuses"), 405)):
        assert response.status_code == status
        assert set(response.json) == {"error"}, response.json
    native = client.get("/api/v1/nothing-here")
    assert native.status_code == 404 and set(native.json) == {"error", "fields"}


def test_a_batch_that_does_not_fit_the_queue_stores_none_of_it(make_app):
    # found reading create_batch for the load audit: items were stored one by one until the
    # queue was full, then 503; a client retrying the batch got the first ones twice
    app = make_app(MAX_QUEUE_SIZE=3)
    client = app.test_client()
    store = app.extensions["judgebox_store"]
    refused = client.post("/submissions/batch", json={"submissions": [A_B] * 4})
    assert refused.status_code == 503 and "queue is full" in refused.json["error"]
    with store.read() as session:
        assert session.query(Submission).count() == 0
    # invalid items take no room; what fits is stored
    fits = client.post("/submissions/batch", json={"submissions": [A_B] * 3 + [{}]})
    assert fits.status_code == 201 and [sorted(x) for x in fits.json[:3]] == [["token"]] * 3
    assert "source_code" in fits.json[3]
    assert client.post("/submissions/batch", json={"submissions": [A_B]}).status_code == 503

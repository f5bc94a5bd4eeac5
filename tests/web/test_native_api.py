"""The native API under /api/v1: what it accepts, what it refuses and how it says so."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from worker import submissions

REPO = Path(__file__).resolve().parents[2]
A_PLUS_B = "a, b = map(int, input().split())\nprint(a + b)\n"


def _stored(app, token):
    return submissions.get(app.extensions["judgebox_store"], token)


def test_languages_list_what_workers_report(client):
    rows = {row["id"]: row for row in client.get("/api/v1/languages").json}
    assert rows["c"]["enabled"] and rows["c"]["version"] == "12.2.0"
    assert rows["python3"]["judge0_ids"][0] == 71
    assert not rows["rust"]["enabled"]
    assert "c" in rows["c"]["extensions"]


def test_adhoc_submission_is_queued(client, app):
    response = client.post("/api/v1/submissions", json={
        "language": "python3", "source": A_PLUS_B,
        "tests": [{"stdin": "1 2\n", "expected": "3\n"}, {"stdin": "2 2\n"}]})
    assert response.status_code == 202, response.json
    body = response.json
    assert body["state"] == "queued" and body["verdict"] is None
    assert body["test_count"] == 2 and body["tests"] == []
    assert response.headers["Location"].endswith(f"/api/v1/submissions/{body['id']}")
    row = _stored(app, body["id"])
    assert [t.stdin for t in row.tests] == [b"1 2\n", b"2 2\n"]
    assert row.tests[1].expected is None
    assert client.get(f"/api/v1/submissions/{body['id']}").json["id"] == body["id"]


def test_limits_are_clamped_to_the_maxima(make_app):
    app = make_app(MAX_TIME_LIMIT=3.0, MAX_MEMORY_LIMIT=512, MAX_OUTPUT_LIMIT=1024)
    response = app.test_client().post("/api/v1/submissions", json={
        "language": "c", "source": "int main(){}", "tests": [{"stdin": ""}],
        "limits": {"time_limit": 100, "memory_limit": 100000, "output_limit": 10 ** 6}})
    assert response.status_code == 202
    assert response.json["limits"] == {"time_limit": 3.0, "memory_limit": 512,
                                       "output_limit": 1024}
    assert _stored(app, response.json["id"]).limits == {
        "cpu_ms": 3000, "memory_kib": 512 * 1024, "output_kib": 1024}


@pytest.mark.parametrize("body, field", [
    ({"source": "x", "tests": [{}]}, "language"),
    ({"language": "c", "tests": [{}]}, "source"),
    ({"language": "c", "source": ""}, "source"),
    ({"language": "c", "source": "x", "tests": [{}], "limits": {"time_limit": -1}},
     "limits.time_limit"),
    ({"language": "c", "source": "x", "tests": [{}], "colour": "red"}, "colour"),
    ({"language": "c", "source": "x", "tests": [{"stdin": 5}]}, "tests.0.stdin"),
])
def test_validation_errors_name_the_field(client, body, field):
    response = client.post("/api/v1/submissions", json=body)
    assert response.status_code == 422
    assert response.json["error"] == "invalid request"
    assert field in response.json["fields"], response.json


def test_problem_or_tests_not_both_nor_neither(client):
    for extra in ({}, {"problem": "p", "tests": [{}]}):
        response = client.post("/api/v1/submissions",
                               json={"language": "c", "source": "x", **extra})
        assert response.status_code == 422
        assert "give either problem or tests" in str(response.json["fields"])


def test_unknown_language_lists_what_exists(client):
    response = client.post("/api/v1/submissions",
                           json={"language": "intercal", "source": "x", "tests": [{}]})
    assert response.status_code == 422
    message = response.json["fields"]["language"][0]
    assert "unknown language 'intercal'" in message and "c, python3" in message


def test_disabled_language_says_why(client):
    response = client.post("/api/v1/submissions",
                           json={"language": "rust", "source": "x", "tests": [{}]})
    assert response.status_code == 422
    assert "toolchain not installed" in response.json["fields"]["language"][0]


def test_not_json_is_400(client):
    response = client.post("/api/v1/submissions", data="language=c")
    assert response.status_code == 400
    assert response.json == {"error": "the body must be JSON (Content-Type: application/json)",
                             "fields": {}}


def test_size_caps(make_app):
    client = make_app(MAX_SOURCE_KB=1, MAX_STDIN_KB=1, MAX_TESTS=2).test_client()
    big = client.post("/api/v1/submissions", json={
        "language": "c", "source": "x" * 2000, "tests": [{"stdin": "y" * 2000}, {}, {}]})
    assert big.status_code == 413
    assert set(big.json["fields"]) == {"source", "tests", "tests.0.stdin"}


def test_unknown_submission_is_404(client):
    response = client.get("/api/v1/submissions/nope")
    assert response.status_code == 404 and response.json["error"] == "no submission nope"


def test_list_filters(client, admin_token):
    ids = [client.post("/api/v1/submissions", json={
        "language": lang, "source": "x", "tests": [{}]}).json["id"]
        for lang in ("c", "python3", "c")]
    auth = {"X-Auth-Token": admin_token}
    listed = client.get("/api/v1/submissions?language=c", headers=auth).json
    assert [s["id"] for s in listed["submissions"]] == [ids[2], ids[0]]
    page = client.get("/api/v1/submissions?limit=2", headers=auth).json
    assert [s["id"] for s in page["submissions"]] == [ids[2], ids[1]]
    rest = client.get(f"/api/v1/submissions?limit=2&before={page['next']}", headers=auth).json
    assert [s["id"] for s in rest["submissions"]] == [ids[0]]
    assert client.get("/api/v1/submissions?state=done", headers=auth).json["submissions"] == []
    assert client.get("/api/v1/submissions?state=weird", headers=auth).status_code == 422


def _zip_of(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(directory.rglob("*")):
            zf.write(path, f"{directory.name}/{path.relative_to(directory)}")
    return buffer.getvalue()


@pytest.fixture
def token(app):
    from worker.tokens import create_token

    return create_token(app.extensions["judgebox_store"], "admin", scopes=["admin"])[1]


def test_problem_upload_needs_a_token(client):
    response = client.post("/api/v1/problems", data=b"PK", content_type="application/zip")
    assert response.status_code == 401


@pytest.mark.skipif(not (REPO / "examples" / "aplusb" / "problem.yaml").exists(),
                    reason="no example problem")
def test_problem_upload_list_get_delete(client, token, app):
    headers = {"X-Auth-Token": token}
    data = _zip_of(REPO / "examples" / "aplusb")
    response = client.post("/api/v1/problems", headers=headers,
                           data={"package": (io.BytesIO(data), "aplusb.zip")})
    assert response.status_code == 201, response.json
    problem = response.json
    assert problem["name"] == "aplusb" and problem["test_count"] >= 2
    assert len(problem["package_sha256"]) == 64
    again = client.post("/api/v1/problems?name=aplusb", headers=headers, data=data,
                        content_type="application/zip")
    assert again.status_code == 409
    assert [p["name"] for p in client.get("/api/v1/problems").json["problems"]] == ["aplusb"]
    submitted = client.post("/api/v1/submissions", json={
        "language": "python3", "source": A_PLUS_B, "problem": "aplusb"})
    assert submitted.status_code == 202
    row = _stored(app, submitted.json["id"])
    assert row.package_sha256 == problem["package_sha256"] and row.problem_name == "aplusb"
    assert client.delete("/api/v1/problems/aplusb", headers=headers).status_code == 204
    assert client.get("/api/v1/problems/aplusb").status_code == 404
    # the queued submission still has its package (it is deleted once nothing needs it)
    from worker import packages

    assert packages.get_bytes(app.extensions["judgebox_store"], row.package_sha256) == data


def test_broken_package_is_422(client, token):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("p/problem.yaml", "name: P\n")
    response = client.post("/api/v1/problems", headers={"X-Auth-Token": token},
                           data={"package": (io.BytesIO(buffer.getvalue()), "p.zip")})
    assert response.status_code == 422
    assert response.json["fields"]["package"]


def test_packages_are_not_served_by_default(client, token):
    response = client.get("/api/v1/packages/" + "0" * 64, headers={"X-Auth-Token": token})
    assert response.status_code == 404


def test_openapi_document_comes_from_the_models(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    schemas = doc["components"]["schemas"]
    create = schemas["SubmissionCreate"]
    assert create["required"] == ["language", "source"]
    assert set(create["properties"]) >= {"language", "source", "problem", "tests", "limits"}
    assert schemas["RunLimitsIn"]["properties"]["time_limit"]
    post = doc["paths"]["/api/v1/submissions"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"] == \
        "#/components/schemas/SubmissionCreate"
    assert "422" in post["responses"] and "429" in post["responses"]
    assert set(doc["paths"]) >= {"/api/v1/problems", "/api/v1/problems/{name}",
                                 "/api/v1/submissions/{id}", "/api/v1/languages"}


def test_health(client):
    assert client.get("/healthz").json["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json
    assert ready.json["checks"] == {"database": "ok", "broker": "ok", "workers": "1 live"}


def test_readyz_without_a_broker(make_app):
    app = make_app()  # built with a live broker; point it at a dead one
    app.extensions["celery"].conf.broker_url = "redis://127.0.0.1:1/0"
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503 and ready.json["checks"]["broker"].startswith("error")


def test_submission_refused_when_the_broker_is_down(make_app):
    app = make_app()
    app.extensions["celery"].conf.broker_url = "redis://127.0.0.1:1/0"
    app.extensions["celery"].conf.broker_connection_retry = False
    app.extensions["celery"].conf.broker_connection_max_retries = 0
    response = app.test_client().post("/api/v1/submissions", json={
        "language": "c", "source": "x", "tests": [{}]})
    assert response.status_code == 503
    assert submissions.list_submissions(app.extensions["judgebox_store"]) == []


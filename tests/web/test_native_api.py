"""The native API under /api/v1: what it accepts, what it refuses and how it says so."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from worker.store import submissions

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
    from worker.store.tokens import create_token

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
    from worker.store import packages

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
    assert "required" not in create  # language, source or files: checked by the view
    assert set(create["properties"]) >= {"language", "source", "files", "entry", "problem",
                                         "tests", "limits"}
    assert set(schemas["SourceFileIn"]["properties"]) == {"name", "content", "encoding"}
    assert set(schemas["SubmissionOut"]["properties"]) >= {"files", "entry"}
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



# --- programs of several files ---------------------------------------------------------------

def test_files_are_stored_as_sent_and_listed(client, app):
    raw = b"\x00\xff\xfe binary \x00 data\n"
    response = client.post("/api/v1/submissions", json={
        "language": "python3", "tests": [{"stdin": "1 2\n"}], "entry": "main.py",
        "files": [{"name": "main.py", "content": "import util\nprint(util.x)\n"},
                  {"name": "util.py", "content": "x = 'é'\n"},
                  {"name": "data.bin", "content": __import__("base64").b64encode(raw).decode(),
                   "encoding": "base64"}]})
    assert response.status_code == 202, response.json
    body = response.json
    assert body["files"] == [{"name": "main.py", "size": 26}, {"name": "util.py", "size": 9},
                             {"name": "data.bin", "size": len(raw)}]
    assert body["entry"] == "main.py"
    row = _stored(app, body["id"])
    assert row.source == b"" and [(f.name, f.content) for f in row.files] == [
        ("main.py", b"import util\nprint(util.x)\n"), ("util.py", "x = 'é'\n".encode()),
        ("data.bin", raw)]
    assert row.options["entry"] == "main.py"
    # what the quota counts: names and contents, and the test
    assert row.stored_bytes == sum(len(f.name) + len(f.content) for f in row.files) + 4
    assert client.get(f"/api/v1/submissions/{body['id']}").json["files"] == body["files"]


@pytest.mark.parametrize("name, why", [
    ("..", "bad file name"), ("../x.py", "bad file name"), ("a/b.py", "bad file name"),
    ("a\x00b.py", "bad file name"), ("", "bad file name"), (".bashrc", "bad file name"),
    ("x" * 256, "at most 255"), ("main.py", "given twice"),
])
def test_hostile_file_names_are_refused_naming_the_file(client, name, why):
    response = client.post("/api/v1/submissions", json={
        "language": "python3", "tests": [{}],
        "files": [{"name": "main.py", "content": "print(1)"}, {"name": name, "content": ""}]})
    assert response.status_code == 422, response.json
    assert why in response.json["fields"]["files.1.name"][0]


def test_files_caps_and_bad_content(make_app):
    client = make_app(MAX_FILES_KB=1).test_client()
    post = lambda **body: client.post("/api/v1/submissions", json={  # noqa: E731
        "language": "c", "tests": [{}], **body})
    big = post(files=[{"name": "a.c", "content": "x" * 600}, {"name": "b.c", "content": "y" * 600}])
    assert big.status_code == 413 and "MAX_FILES_KB" in big.json["fields"]["files"][0]
    many = post(files=[{"name": f"f{i}.c", "content": ""} for i in range(101)])
    assert many.status_code == 413 and "at most 100" in many.json["fields"]["files"][0]
    bad = post(files=[{"name": "a.c", "content": "%%%", "encoding": "base64"}])
    assert bad.status_code == 422 and "base64" in bad.json["fields"]["files.0.content"][0]
    surrogate = client.post("/api/v1/submissions", data=b'{"language": "c", "tests": [{}], '
                            b'"files": [{"name": "a.c", "content": "\\ud800"}]}',
                            content_type="application/json")
    assert surrogate.status_code == 422, surrogate.json
    assert "UTF-8" in surrogate.json["fields"]["files.0.content"][0]
    both = post(source="x", files=[{"name": "a.c", "content": ""}])
    assert both.status_code == 422 and "either source or files" in both.json["fields"]["source"][0]
    assert post(source="x", entry="a.c").json["fields"] == {"entry": ["goes with files"]}
    assert post(files=[]).status_code == 422


def test_answer_files_of_a_submit_answer_problem_need_no_language(client, token, app):
    package = REPO / "tests" / "worker" / "packages" / "submit_answer"
    response = client.post("/api/v1/problems?name=squares", headers={"X-Auth-Token": token},
                           data={"package": (io.BytesIO(_zip_of(package)), "squares.zip")})
    assert response.status_code == 201, response.json
    assert response.json["type"] == "pass-fail submit-answer"
    sent = client.post("/api/v1/submissions", json={
        "problem": "squares", "files": [{"name": "sample.1.ans", "content": "9\n"}]})
    assert sent.status_code == 202, sent.json
    assert sent.json["language"] == "answers"
    assert _stored(app, sent.json["id"]).files[0].content == b"9\n"
    # a program is still a program: it names its language
    program = client.post("/api/v1/submissions", json={
        "problem": "squares", "language": "python3", "source": "print(int(input())**2)"})
    assert program.status_code == 202 and program.json["language"] == "python3"
    # anywhere else the language is required
    adhoc = client.post("/api/v1/submissions", json={"tests": [{}], "source": "x"})
    assert "required" in adhoc.json["fields"]["language"][0]

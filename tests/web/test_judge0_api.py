"""The Judge0 CE 1.13.1-compatible API: keys, encodings, validation, as Judge0 clients expect."""

from __future__ import annotations

import base64
import datetime as dt
import re

import pytest

from worker.store import submissions
from worker.store.db import DONE, Submission

# The SDK's Config model: every key must be there (judge0 0.0.8, base_types.Config).
CONFIG_KEYS = {
    "allow_enable_network", "allow_enable_per_process_and_thread_memory_limit",
    "allow_enable_per_process_and_thread_time_limit", "allowed_languages_for_compile_options",
    "callbacks_max_tries", "callbacks_timeout", "cpu_extra_time", "cpu_time_limit",
    "enable_additional_files", "enable_batched_submissions", "enable_callbacks",
    "enable_command_line_arguments", "enable_compiler_options", "enable_network",
    "enable_per_process_and_thread_memory_limit", "enable_per_process_and_thread_time_limit",
    "enable_submission_delete", "enable_wait_result", "maintenance_mode", "max_cpu_extra_time",
    "max_cpu_time_limit", "max_extract_size", "max_file_size", "max_max_file_size",
    "max_max_processes_and_or_threads", "max_memory_limit", "max_number_of_runs",
    "max_processes_and_or_threads", "max_queue_size", "max_stack_limit",
    "max_submission_batch_size", "max_wall_time_limit", "memory_limit", "number_of_runs",
    "redirect_stderr_to_stdout", "stack_limit", "submission_cache_duration",
    "use_docs_as_homepage", "wall_time_limit"}
ALL_KEYS = {
    "source_code", "language_id", "compiler_options", "command_line_arguments", "stdin",
    "expected_output", "cpu_time_limit", "cpu_extra_time", "wall_time_limit", "memory_limit",
    "stack_limit", "max_processes_and_or_threads", "enable_per_process_and_thread_time_limit",
    "enable_per_process_and_thread_memory_limit", "max_file_size", "redirect_stderr_to_stdout",
    "enable_network", "number_of_runs", "additional_files", "callback_url", "stdout", "stderr",
    "compile_output", "message", "exit_code", "exit_signal", "status", "created_at",
    "finished_at", "token", "time", "wall_time", "memory", "status_id", "language"}
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def b64(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return base64.b64encode(data).decode()


def test_config_info_has_every_key_the_sdk_needs(client):
    config = client.get("/config_info").json
    assert CONFIG_KEYS <= set(config)
    assert config["cpu_time_limit"] == 5.0 and config["max_cpu_time_limit"] == 15.0
    assert config["memory_limit"] == 262144 and config["max_submission_batch_size"] == 20


def test_a_submission_shows_the_defaults_config_info_says(client):
    """One source of defaults: what a submission asking for nothing shows (fields=*) is what
    /config_info says, for every limit, in every language offered."""
    config = client.get("/config_info").json
    keys = ("cpu_time_limit", "cpu_extra_time", "wall_time_limit", "memory_limit",
            "stack_limit", "max_processes_and_or_threads", "max_file_size", "number_of_runs")
    for language in client.get("/languages").json:
        token = client.post("/submissions", json={"source_code": "x", "language_id":
                                                  language["id"]}).json["token"]
        shown = client.get(f"/submissions/{token}?fields=*").json
        assert {k: float(shown[k]) for k in keys} == {k: float(config[k]) for k in keys}, \
            language


def test_a_batch_with_no_valid_item_is_422(client):
    response = client.post("/submissions/batch", json={"submissions": [
        {"language_id": 71}, {"source_code": "x", "language_id": 99999}]})
    assert response.status_code == 422 and len(response.json) == 2
    assert "source_code" in response.json[0] and "language_id" in response.json[1]
    mixed = client.post("/submissions/batch", json={"submissions": [
        {"language_id": 71}, {"source_code": "x", "language_id": 71}]})
    assert mixed.status_code == 201 and "token" in mixed.json[1]


def test_about_statuses_languages(client):
    assert client.get("/about").json["version"] == "1.13.1"
    statuses = client.get("/statuses").json
    assert [s["id"] for s in statuses] == list(range(1, 15))
    assert statuses[10] == {"id": 11, "description": "Runtime Error (NZEC)"}
    languages = {lang["id"]: lang["name"] for lang in client.get("/languages").json}
    assert languages[50] == "C (GCC 12.2.0)" and languages[71] == "Python (3.11.2)"
    assert 73 not in languages  # Rust is disabled on the (reported) worker
    one = client.get("/languages/71").json
    assert one["source_file"] == "main.py" and "python3" in one["run_cmd"]
    assert client.get("/languages/73").status_code == 404
    archived = {lang["id"]: lang["is_archived"] for lang in client.get("/languages/all").json}
    assert archived[73] is True and archived[71] is False


def test_create_returns_a_uuid_token(client, app):
    response = client.post("/submissions?base64_encoded=true", json={
        "source_code": b64("print(1)"), "language_id": 71, "stdin": b64("x"),
        "expected_output": b64("1")})
    assert response.status_code == 201
    assert set(response.json) == {"token"}
    assert re.fullmatch(r"[0-9a-f-]{36}", response.json["token"])
    row = submissions.get(app.extensions["judgebox_store"], response.json["token"])
    assert row.source == b"print(1)" and row.tests[0].stdin == b"x"
    assert row.limits["cpu_ms"] == 5000 and row.limits["extra_ms"] == 1000
    assert row.limits["wall_ms"] == 10000 and row.checker == "lines"


def test_queued_submission_as_judge0_shows_it(client):
    token = client.post("/submissions", json={"source_code": "print(1)",
                                              "language_id": "71"}).json["token"]
    default = client.get(f"/submissions/{token}").json
    assert list(default) == ["token", "time", "memory", "stdout", "stderr", "compile_output",
                             "message", "status"]
    assert default["status"] == {"id": 1, "description": "In Queue"}
    everything = client.get(f"/submissions/{token}?fields=*&base64_encoded=true").json
    assert set(everything) == ALL_KEYS
    assert base64.b64decode(everything["source_code"]) == b"print(1)"
    assert everything["cpu_time_limit"] == "5.0" and everything["memory_limit"] >= 128000
    assert STAMP.match(everything["created_at"]) and everything["finished_at"] is None
    some = client.get(f"/submissions/{token}?fields=status_id,language").json
    assert some == {"status_id": 1, "language": {"id": 71, "name": "Python (3.11.2)"}}
    assert client.get(f"/submissions/{token}?fields=bogus").status_code == 400


def _finish(app, token, **values):
    with app.extensions["judgebox_store"].write() as session:
        row = session.query(Submission).filter_by(token=token).one()
        row.state = DONE
        row.finished_at = dt.datetime(2024, 12, 9, 17, 22, 55, 662000)
        for key, value in values.items():
            setattr(row, key, value)


def test_finished_submission_values(client, app):
    token = client.post("/submissions", json={"source_code": "x", "language_id": 71}).json[
        "token"]
    _finish(app, token, verdict="AC", judge0_status=3, time=0.152, wall_time=0.2, memory=3004,
            stdout=b"1\n", stderr=b"", exit_code=0)
    shown = client.get(f"/submissions/{token}?fields=*").json
    assert shown["status"] == {"id": 3, "description": "Accepted"}
    assert shown["time"] == "0.152" and shown["wall_time"] == "0.2"
    assert shown["memory"] == 3004 and shown["stdout"] == "1\n" and shown["stderr"] is None
    assert shown["finished_at"] == "2024-12-09T17:22:55.662Z"
    encoded = client.get(f"/submissions/{token}?base64_encoded=true").json
    assert encoded["stdout"] == b64("1\n")


def test_output_that_is_not_utf8_needs_base64(client, app):
    token = client.post("/submissions", json={"source_code": "x", "language_id": 71}).json[
        "token"]
    _finish(app, token, verdict="AC", judge0_status=3, stdout=b"\xff\xfe")
    response = client.get(f"/submissions/{token}")
    assert response.status_code == 400 and "base64_encoded=true" in response.json["error"]
    assert client.get(f"/submissions/{token}?base64_encoded=true").json["stdout"] == "//4="


@pytest.mark.parametrize("body, errors", [
    ({"language_id": 71}, {"source_code": ["can't be blank"]}),
    ({"source_code": "x"}, {"language_id": ["can't be blank"]}),
    ({"source_code": "x", "language_id": 9999},
     {"language_id": ["language with id 9999 doesn't exist"]}),
    ({"source_code": "x", "language_id": 73},
     {"language_id": ["language with id 73 is archived and cannot be used anymore"]}),
    ({"source_code": "x", "language_id": 71, "cpu_time_limit": "16"},
     {"cpu_time_limit": ["must be less than or equal to 15.0"]}),
    ({"source_code": "x", "language_id": 71, "memory_limit": 1000},
     {"memory_limit": ["must be greater than or equal to 2048"]}),
    ({"source_code": "x", "language_id": 71, "enable_network": True},
     {"enable_network": ["enabling network is not allowed"]}),
    ({"source_code": "x", "language_id": 71, "compiler_options": "'unbalanced"},
     {"compiler_options": ["is not a valid argument list: No closing quotation"]}),
])
def test_validation_errors_as_judge0_sends_them(client, body, errors):
    response = client.post("/submissions", json=body)
    assert response.status_code == 422
    assert response.json == errors


def test_numbers_as_strings_are_accepted(client, app):
    response = client.post("/submissions", json={
        "source_code": "x", "language_id": "71", "cpu_time_limit": "2.5",
        "memory_limit": "65536", "redirect_stderr_to_stdout": "true"})
    assert response.status_code == 201, response.json
    row = submissions.get(app.extensions["judgebox_store"], response.json["token"])
    assert row.limits["cpu_ms"] == 2500 and row.limits["memory_kib"] == 65536
    assert row.options["redirect_stderr_to_stdout"] is True


def test_invalid_base64_is_refused(client):
    response = client.post("/submissions?base64_encoded=true",
                           json={"source_code": "not base64!", "language_id": 71})
    assert response.status_code == 422
    assert response.json == {"source_code": ["is not valid base64"]}


def test_batch_in_order_with_errors_in_place(client):
    response = client.post("/submissions/batch", json={"submissions": [
        {"source_code": "a", "language_id": 71}, {"language_id": 71},
        {"source_code": "c", "language_id": 50}]})
    assert response.status_code == 201
    first, second, third = response.json
    assert set(first) == {"token"} and set(third) == {"token"}
    assert second == {"source_code": ["can't be blank"]}
    got = client.get(f"/submissions/batch?tokens={first['token']},nope,{third['token']}"
                     "&fields=token,language_id").json
    assert got == {"submissions": [{"token": first["token"], "language_id": 71}, None,
                                   {"token": third["token"], "language_id": 50}]}


def test_batch_refused_whole_when_the_broker_goes_away_part_way(client, app, monkeypatch):
    """Redis fails after the first item was queued (injected at the broker call): 503, and
    nothing of the batch stays stored, so sending it again judges nothing twice."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    import web.services

    real, calls = web.services.enqueue, []

    def flaky(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 2:
            raise RedisConnectionError("connection refused (injected)")
        return real(*args, **kwargs)

    monkeypatch.setattr(web.services, "enqueue", flaky)
    store = app.extensions["judgebox_store"]
    before = sum(submissions.counts(store).values())
    response = client.post("/submissions/batch", json={"submissions": [
        {"source_code": "a", "language_id": 71}, {"source_code": "b", "language_id": 71},
        {"source_code": "c", "language_id": 71}]})
    assert response.status_code == 503 and "queue is unavailable" in response.json["error"]
    assert len(calls) == 2 and sum(submissions.counts(store).values()) == before
    assert submissions.get(store, calls[0]) is None  # queued, but its row is gone


def test_batch_limits(client):
    too_many = [{"source_code": "x", "language_id": 71}] * 21
    response = client.post("/submissions/batch", json={"submissions": too_many})
    assert response.status_code == 400 and "20" in response.json["error"]
    assert client.post("/submissions/batch", json={"submissions": []}).status_code == 400


def test_unknown_token_and_delete(client):
    assert client.get("/submissions/nope").status_code == 404
    token = client.post("/submissions", json={"source_code": "x", "language_id": 71}).json[
        "token"]
    response = client.delete(f"/submissions/{token}")
    assert response.status_code == 400 and response.json == {"error": "delete not allowed"}


def test_delete_needs_the_admin_or_the_submitters_token(make_app):
    from worker.store.tokens import create_token

    app = make_app(ENABLE_SUBMISSION_DELETE=True)
    client = app.test_client()
    store = app.extensions["judgebox_store"]
    token = client.post("/submissions", json={"source_code": "x", "language_id": 71}).json[
        "token"]
    assert client.delete(f"/submissions/{token}").status_code == 401
    _row, grader = create_token(store, "grader")
    refused = client.delete(f"/submissions/{token}", headers={"X-Auth-Token": grader})
    assert refused.status_code == 403  # not the grader's submission
    _row, admin = create_token(store, "admin", scopes=["admin"])
    response = client.delete(f"/submissions/{token}", headers={"X-Auth-Token": admin})
    assert response.status_code == 400 and "In Queue" in response.json["error"]
    own = client.post("/submissions", json={"source_code": "x", "language_id": 71},
                      headers={"X-Auth-Token": grader}).json["token"]
    response = client.delete(f"/submissions/{own}", headers={"X-Auth-Token": grader})
    assert response.status_code == 400 and "In Queue" in response.json["error"]


def test_list_pages(client, admin_token):
    for _ in range(3):
        client.post("/submissions", json={"source_code": "x", "language_id": 71})
    page = client.get("/submissions?per_page=2", headers={"X-Auth-Token": admin_token}).json
    assert len(page["submissions"]) == 2
    assert page["meta"] == {"current_page": 1, "next_page": 2, "prev_page": None,
                            "total_pages": 2, "total_count": 3}


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/cb", "http://10.1.2.3/cb",
                                 "http://169.254.169.254/latest", "http://[::1]/cb",
                                 "ftp://example.com/", "http://localhost/cb"])
def test_callbacks_to_private_targets_are_refused(client, url):
    response = client.post("/submissions", json={"source_code": "x", "language_id": 71,
                                                 "callback_url": url})
    assert response.status_code == 422
    assert list(response.json) == ["callback_url"]
    # a private address names the setting that would allow it; ftp:// is not about that
    assert ("CALLBACKS_ALLOW_PRIVATE" in response.json["callback_url"][0]) == \
        url.startswith("http")


def test_callbacks_to_private_targets_when_allowed(make_app):
    client = make_app(CALLBACKS_ALLOW_PRIVATE=True).test_client()
    response = client.post("/submissions", json={"source_code": "x", "language_id": 71,
                                                 "callback_url": "http://127.0.0.1:9/cb"})
    assert response.status_code == 201


def test_judge0_headers_are_accepted(client):
    response = client.get("/languages", headers={"X-Judge0-App": "Judge0 Python SDK",
                                                 "X-Judge0-App-Version": "0.0.8"})
    assert response.status_code == 200


def test_queue_full_and_maintenance_are_503(make_app):
    client = make_app(MAX_QUEUE_SIZE=1).test_client()
    body = {"source_code": "x", "language_id": 71}
    assert client.post("/submissions", json=body).status_code == 201
    full = client.post("/submissions", json=body)
    assert full.status_code == 503 and "queue is full" in full.json["error"]
    client = make_app(MAINTENANCE_MODE=True).test_client()
    assert client.post("/submissions", json=body).status_code == 503
    assert client.get("/config_info").json["maintenance_mode"] is True


def test_number_of_runs_is_stored_echoed_and_capped(make_app):
    from worker.service.celery_app import task_time_limit

    app = make_app()
    client = app.test_client()
    store = app.extensions["judgebox_store"]
    once = client.post("/submissions", json={"source_code": "x", "language_id": 71}).json
    assert submissions.get(store, once["token"]).limits["runs"] == 1  # Judge0's default
    thrice = client.post("/submissions", json={"source_code": "x", "language_id": 71,
                                               "number_of_runs": "3"})
    assert thrice.status_code == 201, thrice.json
    row = submissions.get(store, thrice.json["token"])
    assert row.limits["runs"] == 3
    assert client.get(f"/submissions/{row.token}?fields=number_of_runs").json == {
        "number_of_runs": 3}
    # the task's time limit grows with the runs (each at its wall limit)
    single = task_time_limit(dict(row.limits, runs=1), 1, app.config)
    assert task_time_limit(row.limits, 1, app.config) >= single + 2 * 10
    for runs, error in ((21, "must be less than or equal to 20"),
                        (0, "must be greater than or equal to 1")):
        response = client.post("/submissions", json={"source_code": "x", "language_id": 71,
                                                      "number_of_runs": runs})
        assert response.status_code == 422 and response.json == {"number_of_runs": [error]}
    capped = make_app(JUDGE0_LIMITS={"max_number_of_runs": 5}).test_client()
    assert capped.get("/config_info").json["max_number_of_runs"] == 5
    response = capped.post("/submissions", json={"source_code": "x", "language_id": 71,
                                                  "number_of_runs": 6})
    assert response.json == {"number_of_runs": ["must be less than or equal to 5"]}


# --- additional_files and the Multi-file program (89) ------------------------------------

def zipped(files: dict[str, bytes | str]) -> str:
    import io
    import zipfile
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return b64(buffer.getvalue())


@pytest.fixture
def with_projects(app):
    """The fake worker also runs Judge0's Multi-file program (our ``multi``)."""
    from tests.web.conftest import LANGUAGES
    from worker.store import registry
    registry.report(app.extensions["judgebox_store"], "fake@test", concurrency=2,
                    queues=["interactive", "batch"], languages=LANGUAGES + [
                        {"id": "multi", "name": "Multi-file program", "version": "5.2.15",
                         "enabled": True, "reason": ""}])
    return app


def test_additional_files_go_with_the_source_and_come_back_as_a_zip(client, app):
    import io
    import zipfile
    raw = b"\x00\xff not utf-8\n"
    response = client.post("/submissions", json={
        "source_code": "import util\nprint(util.x)\n", "language_id": 71,
        "additional_files": zipped({"util.py": "x = 42\n", "data.bin": raw})})
    assert response.status_code == 201, response.json
    token = response.json["token"]
    row = submissions.get(app.extensions["judgebox_store"], token)
    assert row.source == b"import util\nprint(util.x)\n"
    assert [(f.name, f.content) for f in row.files] == [("util.py", b"x = 42\n"),
                                                          ("data.bin", raw)]
    assert row.stored_bytes == len(row.source) + 7 + 7 + 8 + len(raw)
    for flag in ("false", "true"):  # base64 of a zip whatever base64_encoded says
        shown = client.get(f"/submissions/{token}?base64_encoded={flag}&fields=*").json
        with zipfile.ZipFile(io.BytesIO(base64.b64decode(shown["additional_files"]))) as zf:
            assert {i.filename: zf.read(i) for i in zf.infolist()} == {
                "util.py": b"x = 42\n", "data.bin": raw}
    assert client.get("/config_info").json["enable_additional_files"] is True


@pytest.mark.parametrize("files, message", [
    ("not base64!", "is not valid base64"),
    (b64(b"not a zip at all"), "not a readable zip archive"),
    (zipped({"lib/util.py": "x"}), "is in a directory"),
    (zipped({"../evil.py": "x"}), "is in a directory"),
    (zipped({"with space.py": "x"}), "bad file name"),
    (zipped({}), "holds no file"),
])
def test_bad_additional_files_are_422_with_the_reason(client, files, message):
    response = client.post("/submissions", json={
        "source_code": "print(1)", "language_id": 71, "additional_files": files})
    assert response.status_code == 422, response.json
    assert message in response.json["additional_files"][0], response.json


def test_additional_files_that_unpack_beyond_max_extract_size_are_refused(make_app):
    app = make_app(JUDGE0_LIMITS={"max_extract_size": 1})
    response = app.test_client().post("/submissions", json={
        "source_code": "print(1)", "language_id": 71,
        "additional_files": zipped({"big.txt": b"0" * 5000})})
    assert response.status_code == 422
    assert "more than 1024 bytes" in response.json["additional_files"][0]


def test_a_multi_file_program_is_its_files_with_a_run_script(client, with_projects):
    app = with_projects
    ok = client.post("/submissions", json={
        "language_id": 89, "additional_files": zipped({"run": "python3 main.py\n",
                                                       "main.py": "print(1)\n"})})
    assert ok.status_code == 201, ok.json
    row = submissions.get(app.extensions["judgebox_store"], ok.json["token"])
    assert row.language == "multi" and row.source == b""
    assert [f.name for f in row.files] == ["run", "main.py"]
    shown = client.get(f"/submissions/{ok.json['token']}?fields=source_code,language").json
    assert shown["source_code"] is None
    assert shown["language"] == {"id": 89, "name": "Multi-file program"}
    languages = {lang["id"]: lang["name"] for lang in client.get("/languages").json}
    assert languages[89] == "Multi-file program"
    for body, errors in [
        ({}, {"additional_files": ["can't be blank"]}),
        ({"source_code": "x", "additional_files": zipped({"run": "true"})},
         {"source_code": ["must be blank"]}),
        ({"additional_files": zipped({"compile": "true"})},
         {"additional_files": ["a Multi-file program needs a run script at the zip's root"]}),
        ({"additional_files": zipped({"run": "true"}), "compiler_options": "-O2"},
         {"compiler_options": ["setting compiler options is only allowed for compiled "
                               "languages"]}),
    ]:
        response = client.post("/submissions", json={"language_id": 89, **body})
        assert (response.status_code, response.json) == (422, errors)

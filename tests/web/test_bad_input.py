"""Bad input through both APIs: whatever a client sends is a clear 4xx naming what is wrong,
never a 5xx, and nothing is written outside storage. Oversized, binary, invalid UTF-8 and
base64, unknown languages, absurd limits, malformed JSON, wrong content types; zip bombs,
lying sizes and path traversal (``../``, absolute names, symlinks, devices) in problem and
batch archives; callback targets that are, or resolve to, non-public addresses."""

from __future__ import annotations

import base64
import io
import os
import socket
import stat
import tempfile
import uuid
import zipfile
from pathlib import Path

import pytest

from worker.store.tokens import create_token

REPO = Path(__file__).resolve().parents[2]
S = "/api/v1/submissions"
C_SOURCE = "int main(void){return 0;}"


# -- helpers ------------------------------------------------------------------------------

def _zip(entries: list[tuple[str, bytes, int]], method=zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of ``(name, data, mode)`` entries (``mode``: st_mode bits, 0 for none)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = method
            if mode:
                info.external_attr = mode << 16
            zf.writestr(info, data)
    return buffer.getvalue()


def _aplusb() -> bytes:
    directory = REPO / "examples" / "aplusb"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(directory.rglob("*")):
            zf.write(path, f"aplusb/{path.relative_to(directory)}")
    return buffer.getvalue()


def _lying_zip(real: bytes, declared: int) -> bytes:
    """A zip whose one entry says it is ``declared`` bytes but inflates to ``real``."""
    data = bytearray(_zip([("p/big.in", real, 0)]))
    honest = len(real).to_bytes(4, "little")
    assert data.count(honest) == 2  # local header and central directory
    return bytes(data.replace(honest, declared.to_bytes(4, "little")))


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")
            if not p.name.startswith("judgebox.sqlite3")}


def _leftovers() -> set[str]:
    return {p for p in os.listdir(tempfile.gettempdir())
            if p.startswith(("judgebox-upload-", "judgebox-batch-"))}


@pytest.fixture
def token(app):
    return create_token(app.extensions["judgebox_store"], "admin", scopes=["admin"])[1]


@pytest.fixture
def canary():
    """Paths an escaping entry would land on: absolute, and ``../`` from any temp dir."""
    name = f"jb-evil-{uuid.uuid4().hex}"
    paths = [Path("/tmp") / name, Path(tempfile.gettempdir()) / name, REPO / name]
    yield name, paths
    for path in paths:
        assert not path.exists() and not path.is_symlink(), f"{path} was written"


# -- JSON bodies -----------------------------------------------------------------------------

@pytest.mark.parametrize("url", [S, "/submissions", "/submissions/batch"])
@pytest.mark.parametrize("body, content_type", [
    (b"{", "application/json"),                                    # malformed
    (b"\xff\xfe\x00\x01garbage\x80", "application/json"),          # binary garbage
    (b'{"language": "c", "source": "\xff\xfe"}', "application/json"),  # invalid UTF-8
    (b"[" * 100_000 + b"]" * 100_000, "application/json"),         # nested too deep
    (b'{"language": "c", "limits": {"time_limit": NaN}}', "application/json"),  # not JSON
    (b'{"language_id": 50, "cpu_time_limit": Infinity}', "application/json"),
    (b'{"language": "c"}', "text/plain"),                          # wrong content type
    (b'{"language": "c"}', None),
    (b"", "application/json"),
])
def test_not_json_is_400(client, url, body, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post(url, data=body, headers=headers)
    assert response.status_code == 400, response.get_data()
    assert "JSON" in response.json["error"]


@pytest.mark.parametrize("body", [[1, 2], "x", 3, True])
def test_json_of_the_wrong_shape_is_422(client, body):
    assert client.post(S, json=body).status_code == 422
    assert client.post("/submissions", json=body).status_code in (400, 422)


def test_multipart_where_json_is_expected(client):
    response = client.post(S, data={"language": "c", "source": (io.BytesIO(b"x"), "a.c")})
    assert response.status_code == 400


def test_lone_surrogate_and_nul(client):
    raw = b'{"language": "c", "source": "\\ud800", "tests": [{"stdin": ""}]}'
    response = client.post(S, data=raw, content_type="application/json")
    assert response.status_code == 422 and "source" in response.json["fields"]
    # NUL is a character like any other: stored and judged (the compiler will refuse it)
    response = client.post(S, json={"language": "c", "source": "a\0b",
                                    "tests": [{"stdin": "\0"}]})
    assert response.status_code == 202


def test_oversized_source_and_tests(make_app):
    client = make_app(MAX_SOURCE_KB=1, MAX_STDIN_KB=1).test_client()
    big = "x" * 2048
    response = client.post(S, json={"language": "c", "source": big, "tests": [{"stdin": ""}]})
    assert response.status_code == 413 and "source" in response.json["fields"]
    response = client.post(S, json={"language": "c", "source": C_SOURCE,
                                    "tests": [{"stdin": big}]})
    assert response.status_code == 413
    response = client.post("/submissions", json={"language_id": 50, "source_code": big})
    assert response.status_code == 422 and "source_code" in response.json
    b64 = base64.b64encode(big.encode()).decode()
    response = client.post("/submissions?base64_encoded=true",
                           json={"language_id": 50, "source_code": b64})
    assert response.status_code == 422 and "source_code" in response.json


def test_body_above_max_content_length_is_413(make_app):
    client = make_app(MAX_CONTENT_LENGTH=64 * 1024).test_client()
    body = {"language": "c", "source": "x" * (128 * 1024), "tests": [{"stdin": ""}]}
    assert client.post(S, json=body).status_code == 413
    response = client.post("/submissions", json={"language_id": 50, "source_code": "x" * 10**5})
    assert response.status_code == 413


# -- Judge0 base64 ---------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["source_code", "stdin", "expected_output"])
@pytest.mark.parametrize("value", ["!!!not base64!!!", "aW5", "%%%", "aW50\x00"])
def test_invalid_base64_names_the_field(client, field, value):
    body = {"language_id": 50, "source_code": "aW50", field: value}
    response = client.post("/submissions?base64_encoded=true", json=body)
    assert response.status_code == 422 and field in response.json, response.json


def test_base64_of_invalid_utf8_round_trips(client):
    garbage = b"\xff\xfe\xfa" + os.urandom(64)
    body = {"language_id": 50, "source_code": base64.b64encode(garbage).decode()}
    response = client.post("/submissions?base64_encoded=true", json=body)
    assert response.status_code == 201
    token = response.json["token"]
    shown = client.get(f"/submissions/{token}?base64_encoded=true&fields=source_code")
    assert shown.status_code == 200
    assert base64.b64decode(shown.json["source_code"]) == garbage
    # as text it cannot be shown: Judge0's 400, not a crash
    shown = client.get(f"/submissions/{token}?fields=source_code")
    assert shown.status_code == 400 and "UTF-8" in shown.json["error"]


# -- languages and limits --------------------------------------------------------------------

@pytest.mark.parametrize("language", ["brainfuck", "", "C", "../c", "c\0", "x" * 10_000])
def test_unknown_language_is_422(client, language):
    response = client.post(S, json={"language": language, "source": C_SOURCE,
                                    "tests": [{"stdin": ""}]})
    assert response.status_code == 422 and "language" in response.json["fields"]


@pytest.mark.parametrize("language_id", [999, -1, 0, 10**40, "abc", None, 1.5])
def test_unknown_judge0_language_is_422(client, language_id):
    response = client.post("/submissions", json={"language_id": language_id,
                                                 "source_code": C_SOURCE})
    assert response.status_code == 422 and "language_id" in response.json


@pytest.mark.parametrize("limits", [
    {"time_limit": -1}, {"time_limit": 0}, {"memory_limit": -5}, {"memory_limit": 0},
    {"output_limit": -1}, {"time_limit": 10**400}, {"time_limit": "soon"},
    {"time_limit": "inf"}, {"time_limit": "nan"}, {"time_limit": [1]},
    {"time_limit": {"a": 1}}, {"memory_limit": "lots"}, {"output_limit": 1.5},
])
def test_bad_native_limits_are_422(client, limits):
    response = client.post(S, json={"language": "c", "source": C_SOURCE,
                                    "tests": [{"stdin": ""}], "limits": limits})
    assert response.status_code == 422
    assert any(key.startswith("limits") for key in response.json["fields"])


def test_absurd_native_limits_are_lowered(client):
    response = client.post(S, json={"language": "c", "source": C_SOURCE,
                                    "tests": [{"stdin": ""}],
                                    "limits": {"time_limit": 1e300, "memory_limit": 10**18,
                                               "output_limit": 10**18}})
    assert response.status_code == 202
    assert response.json["limits"] == {"time_limit": 15.0, "memory_limit": 1024,
                                       "output_limit": 64 * 1024}


@pytest.mark.parametrize("field, value", [
    ("cpu_time_limit", -1), ("cpu_time_limit", 1e308), ("cpu_time_limit", "abc"),
    ("cpu_extra_time", -0.5), ("wall_time_limit", "-3"), ("memory_limit", -1),
    ("memory_limit", 10**30), ("stack_limit", -1), ("max_processes_and_or_threads", -1),
    ("max_file_size", -1), ("max_file_size", 10**12), ("number_of_runs", 0),
    ("number_of_runs", 10**30), ("compiler_options", "x" * 10_000),
    ("command_line_arguments", "x" * 10_000),
])
def test_bad_judge0_limits_are_422(client, field, value):
    response = client.post("/submissions", json={"language_id": 50, "source_code": C_SOURCE,
                                                 field: value})
    assert response.status_code == 422 and field in response.json, response.json


@pytest.mark.parametrize("query", [
    "?limit=-1", "?limit=99999999999999999999999", "?before=99999999999999999999999",
    "?before=-99999999999999999999999", "?before=" + "9" * 5000, "?state=%00",
    "?language=%ff%fe&problem=%00&verdict=" + "x" * 5000, "?api=../../x",
])
def test_absurd_list_queries(client, admin_token, query):
    assert client.get(S + query, headers={"X-Auth-Token": admin_token}).status_code in (
        200, 422)


@pytest.mark.parametrize("query", ["?page=99999999999999999999999",
                                   "?per_page=99999999999999999999", "?page=-5",
                                   "?page=abc", "?page=" + "9" * 5000])
def test_absurd_judge0_pages(client, admin_token, query):
    assert client.get("/submissions" + query, headers={"X-Auth-Token": admin_token}
                      ).status_code in (200, 400)


@pytest.mark.parametrize("path", [
    "/api/v1/submissions/%ff%00", "/api/v1/submissions/" + "a" * 5000,
    "/api/v1/problems/%00", "/api/v1/problems/..%2F..%2Fetc", "/api/v1/batches/%ff",
    "/api/v1/batches/x/report", "/submissions/%00?fields=*", "/languages/99999999999999999999",
    "/api/v1/packages/" + "0" * 64, "/api/v1/packages/..%2f..%2fetc%2fpasswd",
])
def test_odd_paths_are_4xx(client, path):
    assert 400 <= client.get(path).status_code < 500


# -- archives --------------------------------------------------------------------------------

def _unsafe_archives(canary_name: str) -> list[tuple[str, bytes]]:
    up = "../" * 12
    return [
        ("dotdot", _zip([("p/problem.yaml", b"name: x\n", 0),
                         (f"{up}tmp/{canary_name}", b"x", 0)])),
        ("dotdot-inner", _zip([(f"p/data/../../{canary_name}", b"x", 0)])),
        ("absolute", _zip([(f"/tmp/{canary_name}", b"x", 0)])),
        ("absolute-repo", _zip([(str(REPO / canary_name), b"x", 0)])),
        ("drive", _zip([(f"C:/{canary_name}", b"x", 0)])),
        ("backslash", _zip([(f"..\\..\\{canary_name}", b"x", 0)])),
        ("symlink", _zip([("p/link", f"/tmp/{canary_name}".encode(), stat.S_IFLNK | 0o777),
                          ("p/link/x", b"x", 0)])),
        ("symlink-dir", _zip([("p/up", b"../../..", stat.S_IFLNK | 0o777),
                              (f"p/up/tmp/{canary_name}", b"x", 0)])),
        ("fifo", _zip([("p/fifo", b"", stat.S_IFIFO | 0o644)])),
        ("device", _zip([("p/dev", b"", stat.S_IFCHR | 0o644)])),
        ("nul", _zip([("p/a\0b", b"x", 0)])),
    ]


def _upload(client, token, data, filename="p.zip"):
    return client.post("/api/v1/problems", headers={"X-Auth-Token": token},
                       data={"package": (io.BytesIO(data), filename)})


def test_unsafe_problem_archives_are_422(app, client, token, canary):
    name, _paths = canary
    data_dir = Path(app.config["DATA_DIR"])
    before, leftovers = _files(data_dir), _leftovers()
    for label, data in _unsafe_archives(name):
        response = _upload(client, token, data)
        assert response.status_code == 422, (label, response.json)
        assert response.json["fields"]["package"], label
    for data in (b"PK\x03\x04" + os.urandom(512), os.urandom(512), b"", _zip([])):
        assert _upload(client, token, data).status_code == 422
    response = client.post("/api/v1/problems", headers={"X-Auth-Token": token},
                           data=_zip([(f"/tmp/{name}", b"x", 0)]),
                           content_type="application/zip")
    assert response.status_code == 422
    assert client.get("/api/v1/problems").json["problems"] == []
    assert _files(data_dir) == before and _leftovers() == leftovers


def test_problem_upload_wrong_content_types(client, token):
    headers = {"X-Auth-Token": token}
    for kwargs in ({"json": {"package": "UEsDBA=="}}, {"data": b"PK", "content_type":
                                                       "text/plain"},
                   {"data": {"name": "x"}}):
        response = client.post("/api/v1/problems", headers=headers, **kwargs)
        assert response.status_code == 422, kwargs


def test_problem_name_cannot_traverse(app, client, token, canary):
    name, _paths = canary
    for bad in (f"../../{name}", f"/tmp/{name}", "a/b", ".", "", "A" * 200):
        response = client.post("/api/v1/problems", headers={"X-Auth-Token": token},
                               data={"package": (io.BytesIO(_aplusb()), "aplusb.zip"),
                                     "name": bad})
        if bad == "":  # no name: the package's own
            assert response.status_code == 201
            assert client.delete("/api/v1/problems/aplusb",
                                 headers={"X-Auth-Token": token}).status_code == 204
            continue
        assert response.status_code == 422 and "name" in response.json["fields"], bad
    # the upload's file name is only a hint (sanitised)
    assert _upload(client, token, _aplusb(), f"../../{name}.zip").status_code == 201


def test_zip_bomb_is_refused_before_unpacking(make_app, monkeypatch):
    app = make_app(MAX_UNPACKED_MB=1)
    client = app.test_client()
    token = create_token(app.extensions["judgebox_store"], "admin", scopes=["admin"])[1]
    bomb = _zip([("p/problem.yaml", b"name: bomb\n", 0),
                 ("p/data/secret/1.in", b"\0" * (8 * 1024 * 1024), 0)])
    assert len(bomb) < 64 * 1024  # 8 MB of zeros in a few KB
    written = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda path, *a, **k: (
        written.append(str(path)), real_open(path, *a, **k))[1])
    response = _upload(client, token, bomb)
    assert response.status_code == 413 and "package" in response.json["fields"]
    assert not [p for p in written if "1.in" in p], "the bomb was unpacked"
    # many small entries add up the same way
    many = _zip([(f"p/data/{i}.in", b"\0" * 100_000, 0) for i in range(20)])
    assert _upload(client, token, many).status_code == 413


def test_zip_lying_about_its_sizes_is_422(make_app):
    app = make_app(MAX_UNPACKED_MB=1)
    client = app.test_client()
    token = create_token(app.extensions["judgebox_store"], "admin", scopes=["admin"])[1]
    liar = _lying_zip(b"\0" * (4 * 1024 * 1024), 100)  # says 100 bytes, inflates to 4 MB
    response = _upload(client, token, liar)
    assert response.status_code == 422, response.json


@pytest.fixture
def problem(client, token):
    assert _upload(client, token, _aplusb(), "aplusb.zip").status_code == 201
    return "aplusb"


def _batch(client, token, data, **fields):
    return client.post("/api/v1/batches", headers={"X-Auth-Token": token},
                       data={"submissions": (io.BytesIO(data), "class.zip"),
                             "problem": "aplusb", **fields})


def test_unsafe_batch_archives_are_422(app, client, token, problem, canary):
    name, _paths = canary
    data_dir = Path(app.config["DATA_DIR"])
    before, leftovers = _files(data_dir), _leftovers()
    for label, data in _unsafe_archives(name):
        if label in ("dotdot", "dotdot-inner", "absolute", "absolute-repo", "symlink",
                     "symlink-dir"):
            data = _zip([("alice/a.c", C_SOURCE.encode(), 0)] + [
                (i.filename, zipfile.ZipFile(io.BytesIO(data)).read(i),
                 i.external_attr >> 16) for i in zipfile.ZipFile(io.BytesIO(data)).infolist()
                if "problem.yaml" not in i.filename])
        response = _batch(client, token, data)
        assert response.status_code == 422, (label, response.json)
        assert response.json["fields"]["submissions"], label
    for data in (os.urandom(512), b"PK\x03\x04" + os.urandom(512), b""):
        assert _batch(client, token, data).status_code == 422
    assert client.get("/api/v1/submissions", headers={"X-Auth-Token": token}).json[
        "submissions"] == []
    assert _files(data_dir) == before and _leftovers() == leftovers


def test_batch_zip_bomb_and_oversized_items(make_app):
    app = make_app(MAX_UNPACKED_MB=1)
    client = app.test_client()
    token = create_token(app.extensions["judgebox_store"], "admin", scopes=["admin"])[1]
    assert _upload(client, token, _aplusb(), "aplusb.zip").status_code == 201
    bomb = _zip([("alice/a.c", b"\0" * (8 * 1024 * 1024), 0)])
    response = _batch(client, token, bomb)
    assert response.status_code == 413 and "submissions" in response.json["fields"]
    # below the unpacked cap but above MAX_SOURCE_KB: 413 naming the file
    big = _zip([("alice/a.c", b"/*" + b" " * (300 * 1024) + b"*/", 0)])
    response = _batch(client, token, big)
    assert response.status_code == 413 and "submissions.alice/a.c" in response.json["fields"]
    assert client.get("/api/v1/submissions", headers={"X-Auth-Token": token}).json[
        "submissions"] == []


@pytest.mark.parametrize("fields", [
    {"time_limit": "-1"}, {"time_limit": "nan"}, {"time_limit": "1e999"},
    {"time_limit": "soon"}, {"lang": "brainfuck"}, {"lang": "c=,=,==="},
    {"problem": "../../etc"}, {"problem": ""},
])
def test_bad_batch_fields_are_4xx(client, token, problem, fields):
    data = _zip([("alice/a.c", C_SOURCE.encode(), 0)])
    response = _batch(client, token, data, **fields)
    assert response.status_code in (404, 422), (fields, response.json)
    assert client.get("/api/v1/submissions", headers={"X-Auth-Token": token}).json[
        "submissions"] == []


def test_binary_sources_in_a_batch_are_taken_as_they_are(client, token, problem):
    data = _zip([("alice/a.c", os.urandom(2048), 0), ("bob/b.c", b"\xff\xfe\x00", 0)])
    assert _batch(client, token, data).status_code == 202


# -- callbacks -------------------------------------------------------------------------------

def _loopback_names() -> list[str]:
    names = ["localhost"]
    for name in {socket.gethostname(), socket.getfqdn()}:
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(name, 80)}
        except OSError:
            continue
        if addresses and all(a.startswith("127.") or a == "::1" for a in addresses):
            names.append(name)
    return names


def _callback(client, url):
    return client.post("/submissions", json={"language_id": 50, "source_code": C_SOURCE,
                                             "callback_url": url})


def test_callback_names_resolving_to_loopback_are_refused(make_app):
    names = _loopback_names()
    refused = make_app().test_client()
    for name in names:
        for url in (f"http://{name}/hook", f"https://{name}:8443/hook",
                    f"http://user:pw@{name.upper()}/hook"):
            response = _callback(refused, url)
            assert response.status_code == 422, url
            assert "not a public address" in response.json["callback_url"][0], url
    allowed = make_app(CALLBACKS_ALLOW_PRIVATE=True).test_client()
    for name in names:
        assert _callback(allowed, f"http://{name}:9/hook").status_code == 201


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://127.1/", "http://2130706433/", "http://0x7f000001/",
    "http://0/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:10.0.0.1]/",
    "http://[64:ff9b::7f00:1]/", "http://[2002:7f00:1::1]/", "http://[::127.0.0.1]/",
    "http://10.0.0.1/", "http://172.16.0.1/", "http://192.168.1.1/", "http://100.64.0.1/",
    "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://[fc00::1]/",
    "http://224.0.0.1/", "http://255.255.255.255/", "file:///etc/passwd", "gopher://x/",
    "http:///nohost", "http://example.com:99999/", "not a url", "http://%00/",
])
def test_callback_targets_not_public_are_refused(client, url):
    response = _callback(client, url)
    assert response.status_code == 422 and "callback_url" in response.json, url


@pytest.mark.parametrize("addresses, ok", [
    (["93.184.215.14"], True),
    (["93.184.215.14", "10.1.2.3"], False),            # one private answer is enough
    (["93.184.215.14", "169.254.169.254"], False),     # cloud metadata
    (["2606:2800:21f:cb07:6820:80da:af6b:8b2c", "::1"], False),
    (["::ffff:192.168.0.1"], False),
    (["64:ff9b::a9fe:a9fe"], False),                   # NAT64 of 169.254.169.254
])
def test_callback_dns_names_are_checked_on_every_address(client, monkeypatch, addresses, ok):
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host != "hooks.example.test":
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port)) for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    response = _callback(client, "http://hooks.example.test/judge0")
    assert response.status_code == (201 if ok else 422), response.json

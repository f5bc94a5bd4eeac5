"""API tokens (optional or required, revoked, with scopes) and the submission limits and
quotas (``web.quota``): 429 with Retry-After, 413 for what could never fit."""

from __future__ import annotations

from worker.store.tokens import create_token, list_tokens, revoke_token, verify_token

BODY = {"source_code": "print(1)", "language_id": 71}


def test_tokens_are_stored_hashed(app):
    store = app.extensions["judgebox_store"]
    row, secret = create_token(store, "grader")
    assert secret.startswith("jb_") and len(secret) > 40
    listed = list_tokens(store)
    assert [t.name for t in listed] == ["grader"]
    assert listed[0].token_sha256 != secret and secret not in str(vars(listed[0]))
    assert verify_token(store, secret).id == row.id
    revoke_token(store, "grader")
    assert verify_token(store, secret) is None


def test_no_token_is_anonymous_unless_required(make_app):
    open_app = make_app()
    assert open_app.test_client().post("/submissions", json=BODY).status_code == 201
    closed = make_app(AUTH_REQUIRED=True)
    client = closed.test_client()
    refused = client.post("/submissions", json=BODY)
    assert refused.status_code == 401 and "X-Auth-Token" in refused.json["error"]
    assert client.get("/healthz").status_code == 200  # health checks stay open
    _row, secret = create_token(closed.extensions["judgebox_store"], "ci")
    assert client.post("/submissions", json=BODY,
                       headers={"X-Auth-Token": secret}).status_code == 201


def test_bad_or_revoked_token_is_401(app, client):
    store = app.extensions["judgebox_store"]
    _row, secret = create_token(store, "old")
    revoke_token(store, "old")
    for value in ("jb_wrong", secret):
        response = client.get("/languages", headers={"X-Auth-Token": value})
        assert response.status_code == 401


def test_auth_header_name_is_configurable(make_app):
    app = make_app(AUTH_HEADER="X-Api-Key", AUTH_REQUIRED=True)
    _row, secret = create_token(app.extensions["judgebox_store"], "k")
    client = app.test_client()
    assert client.get("/languages", headers={"X-Auth-Token": secret}).status_code == 401
    assert client.get("/languages", headers={"X-Api-Key": secret}).status_code == 200


def test_rate_limit_per_token_with_retry_after(make_app):
    app = make_app(RATELIMIT_SUBMIT="2/minute", RATELIMIT_SUBMIT_ANONYMOUS="2/minute")
    store = app.extensions["judgebox_store"]
    _a, first = create_token(store, "first")
    _b, second = create_token(store, "second", rate_limit="4/minute")
    client = app.test_client()
    codes = [client.post("/submissions", json=BODY, headers={"X-Auth-Token": first})
             .status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    limited = client.post("/api/v1/submissions", headers={"X-Auth-Token": first},
                          json={"language": "c", "source": "x", "tests": [{}]})
    assert limited.status_code == 429  # one limit across both APIs
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.json["error"].startswith("rate limit exceeded")
    # the other token has its own (larger) allowance
    codes = [client.post("/submissions", json=BODY, headers={"X-Auth-Token": second})
             .status_code for _ in range(5)]
    assert codes == [201, 201, 201, 201, 429]
    # anonymous clients are limited by address
    codes = [client.post("/submissions", json=BODY).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    # reading is not creating
    assert client.get("/languages", headers={"X-Auth-Token": first}).status_code == 200


def test_every_item_of_a_batch_counts(make_app):
    """A Judge0 batch of 3 is 3 submissions: a 4/minute token gets one batch of 3 and one
    single in, then nothing; a batch larger than the limit could never fit (413)."""
    app = make_app()
    _row, secret = create_token(app.extensions["judgebox_store"], "grader",
                                rate_limit="4/minute")
    client, auth = app.test_client(), {"X-Auth-Token": secret}
    batch = {"submissions": [BODY, BODY, BODY]}
    assert client.post("/submissions/batch", json=batch, headers=auth).status_code == 201
    limited = client.post("/submissions/batch", json=batch, headers=auth)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert "submissions" in limited.json["error"]
    assert client.post("/submissions", json=BODY, headers=auth).status_code == 201
    assert client.post("/submissions", json=BODY, headers=auth).status_code == 429
    too_big = client.post("/submissions/batch", json={"submissions": [BODY] * 5},
                          headers=auth)
    assert too_big.status_code == 413 and "4" in too_big.json["error"]
    from worker.store.db import Submission
    with app.extensions["judgebox_store"].read() as session:
        assert session.query(Submission).count() == 4  # nothing stored of the refusals


def _stored(app) -> list[int]:
    from worker.store.db import Submission
    with app.extensions["judgebox_store"].read() as session:
        return [row.stored_bytes for row in session.query(Submission).order_by(Submission.id)]


def test_bytes_stored_per_minute_and_in_total(make_app):
    """1 MB a minute and 3 MB in all for anonymous clients: a 2 MB request is 413 (it could
    never fit a minute), the second 0.7 MB in a minute is 429 with Retry-After, and once 3 MB
    are stored the client gets 413 naming the total; a token has its own, larger, quota."""
    app = make_app(QUOTA_ANONYMOUS_MB_PER_MINUTE=1, QUOTA_ANONYMOUS_MB_TOTAL=3,
                   QUOTA_MB_PER_MINUTE=8)
    client = app.test_client()
    mb = 1024 * 1024

    def body(size):
        return {"language": "c", "source": "int main(){}", "tests": [{"stdin": "x" * size}]}
    huge = client.post("/api/v1/submissions", json=body(2 * mb))
    assert huge.status_code == 413 and "QUOTA_ANONYMOUS_MB_PER_MINUTE" in huge.json["error"]
    assert client.post("/api/v1/submissions", json=body(700 * 1024)).status_code == 202
    later = client.post("/api/v1/submissions", json=body(700 * 1024))
    assert later.status_code == 429 and int(later.headers["Retry-After"]) > 0
    assert "bytes stored" in later.json["error"]
    # the total: what is stored already counts, whatever the minute
    from worker.store.db import Submission
    with app.extensions["judgebox_store"].write() as session:
        session.query(Submission).update({"stored_bytes": 3 * mb - 100})
    full = app.test_client().post("/api/v1/submissions", json=body(200),
                                  environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert full.status_code == 413 and "QUOTA_ANONYMOUS_MB_TOTAL" in full.json["error"]
    _row, secret = create_token(app.extensions["judgebox_store"], "grader")
    assert client.post("/api/v1/submissions", json=body(2 * mb),
                       headers={"X-Auth-Token": secret}).status_code == 202
    assert _stored(app)[-1] == 2 * mb + len("int main(){}")


def test_files_count_against_the_storage_quota(make_app):
    """A program's files (native ``files``, Judge0's ``additional_files``) are bytes stored
    like a source: over the quota they are refused before anything is stored."""
    import base64
    import io
    import zipfile
    app = make_app(QUOTA_ANONYMOUS_MB_PER_MINUTE=1, MAX_FILES_KB=4096)
    client = app.test_client()
    mb = 1024 * 1024
    files = [{"name": "main.c", "content": "int main(){}"},
             {"name": "data.txt", "content": "x" * (2 * mb)}]
    native = client.post("/api/v1/submissions", json={"language": "c", "files": files,
                                                      "tests": [{}]})
    assert native.status_code == 413 and "QUOTA_ANONYMOUS_MB_PER_MINUTE" in native.json["error"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data.txt", "y" * (2 * mb))  # a small zip, 2 MB stored
    judge0 = client.post("/submissions", json={
        "source_code": "print(1)", "language_id": 71,
        "additional_files": base64.b64encode(buffer.getvalue()).decode()})
    assert judge0.status_code == 413 and "QUOTA_ANONYMOUS_MB_PER_MINUTE" in judge0.json["error"]
    assert _stored(app) == []


def test_anonymous_clients_have_their_own_lower_limit(make_app):
    app = make_app(RATELIMIT_SUBMIT_ANONYMOUS="2/minute", RATELIMIT_SUBMIT="5/minute")
    client = app.test_client()
    assert [client.post("/submissions", json=BODY).status_code for _ in range(3)] == \
        [201, 201, 429]
    assert "RATELIMIT_SUBMIT_ANONYMOUS" in client.post("/submissions", json=BODY).json["error"]
    # an IPv6 client is its /64: another address of the same /64 shares the limit
    one = app.test_client()
    for address, code in (("2001:db8:1:2::10", 201), ("2001:db8:1:2::11", 201),
                          ("2001:db8:1:2:ffff::1", 429), ("2001:db8:1:3::1", 201)):
        got = one.post("/submissions", json=BODY, environ_base={"REMOTE_ADDR": address})
        assert got.status_code == code, address

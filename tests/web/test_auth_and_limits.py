"""API tokens (optional or required, revoked) and per-token rate limits: 429 with Retry-After."""

from __future__ import annotations

from worker.tokens import create_token, list_tokens, revoke_token, verify_token

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
    app = make_app(RATELIMIT_SUBMIT="2/minute")
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


def test_batch_counts_as_one_request(make_app):
    client = make_app(RATELIMIT_SUBMIT="1/minute").test_client()
    batch = {"submissions": [BODY, BODY, BODY]}
    assert client.post("/submissions/batch", json=batch).status_code == 201
    limited = client.post("/submissions/batch", json=batch)
    assert limited.status_code == 429 and limited.headers["Retry-After"]

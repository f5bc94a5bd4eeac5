"""Who may see and do what (``web.access``): every route of both APIs and every page, walked
as each kind of client: a stranger, two students with ``submit`` tokens, the ``problems``
token that owns a problem and one that owns another, and an admin.

The world is made the way a worker would leave it: the owner uploads A+B; alice submits to
it, and her submission is judged (stored as a worker stores it) with a hidden test whose
checker message quotes the answer and, through her program's output, the input, and a judge
error quoting the answer too. Every route is in the table, with what each client gets; a
route added to the app without a row here fails ``test_every_route_is_in_the_table``.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import _jbstack_for_web as jbstack  # loaded by conftest.py
import pytest

from worker.store import submissions
from worker.store.tokens import create_token

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PRINCIPALS = ("stranger", "alice", "bob", "owner", "rival", "admin")
# What a hidden test of A+B holds, as it reaches the store: a program echoing its input
# prints the input; the token checker quotes the answer. And the test's own (telling) name.
SECRET_INPUT = "IN:2000000000_2000000000|"
SECRET_ANSWER = "4000000000"
SECRET_NAME = "03-beyond-int32"
SECRETS = (SECRET_INPUT, SECRET_ANSWER, SECRET_NAME)
GENEROUS = {"RATELIMIT_SUBMIT": "100000/minute", "RATELIMIT_SUBMIT_ANONYMOUS": "100000/minute",
            "RATELIMIT_DEFAULT": "100000/minute", "ENABLE_SUBMISSION_DELETE": True,
            "SERVE_PACKAGES": True}
J0 = {"source_code": "print(1)", "language_id": 71}


zip_of = jbstack.example_zip


def _judged(store, token: str, verdict: str, results: list[dict], message: str | None = None
            ) -> None:
    held = submissions.claim(store, token, "test-worker@host", 60)
    submissions.finish(store, held, {"verdict": verdict, "judge0_status": 4,
                                     "message": message, "time": 0.01, "memory": 900},
                       results)


def _result(index: int, name: str, group: str, verdict: str, message: str = "",
            stdout: bytes = b"", stderr: bytes = b"") -> dict:
    return {"index": index, "name": name, "group": group, "verdict": verdict,
            "status": "OK", "time": 0.01, "wall_time": 0.01, "memory": 900,
            "exit_code": 0, "signal": None, "checker_message": message, "stdout": stdout,
            "stderr": stderr}


@dataclass
class World:
    """The app, a token per principal (``None`` for the stranger) and what they made."""

    app: object
    tokens: dict[str, str | None]
    ids: dict[str, str]
    package: str

    def client(self, principal: str, page: bool = False):
        """A test client acting as ``principal``: on the pages logged in with its token."""
        client = self.app.test_client()
        secret = self.tokens[principal]
        if secret is not None:
            if page:
                login = client.post("/admin/login", data={
                    "csrf_token": csrf(client, "/admin"), "token": secret})
                assert login.status_code == 303
            else:
                client.environ_base["HTTP_X_AUTH_TOKEN"] = secret
        return client


def csrf(client, path: str) -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


@pytest.fixture
def world(make_app) -> World:
    app = make_app(**GENEROUS)
    store = app.extensions["judgebox_store"]
    tokens: dict[str, str | None] = {"stranger": None}
    for name, scope in (("alice", "submit"), ("bob", "submit"), ("owner", "problems"),
                        ("rival", "problems"), ("admin", "admin")):
        tokens[name] = create_token(store, name, scopes=[scope])[1]
    client = app.test_client()

    def post(principal, path, **kwargs):
        response = client.post(path, headers={"X-Auth-Token": tokens[principal]}, **kwargs)
        assert response.status_code in (201, 202), response.get_data(as_text=True)
        return response.json

    aplusb = post("owner", "/api/v1/problems", data={
        "package": (io.BytesIO(zip_of("aplusb")), "aplusb.zip")}, content_type=
        "multipart/form-data")
    post("rival", "/api/v1/problems", data={
        "package": (io.BytesIO(zip_of("division")), "division.zip")},
        content_type="multipart/form-data")
    ids = {}
    problem = {"language": "python3", "problem": "aplusb", "run_all": True,
               "source": "import sys; print('IN:' + sys.stdin.read().replace(' ', '_'))"}
    ids["P"] = post("alice", "/api/v1/submissions", json=problem)["id"]
    ids["P2"] = post("alice", "/api/v1/submissions", json=problem)["id"]
    ids["adhoc"] = post("alice", "/api/v1/submissions", json={
        "language": "c", "source": "int main(){}", "tests": [{"stdin": "mine"}]})["id"]
    ids["J"] = post("alice", "/submissions", json=J0)["token"]
    ids["Jb"] = post("bob", "/submissions", json=J0)["token"]
    ids["Janon"] = client.post("/submissions", json=J0).json["token"]
    _judged(store, ids["P"], "WA", [
        _result(1, "sample/1", "sample", "AC", "sample-message", b"IN:1_2|"),
        _result(2, f"secret/{SECRET_NAME}", "secret", "WA",
                f'Judge: "{SECRET_ANSWER}" User: "{SECRET_INPUT}"',
                SECRET_INPUT.encode(), f"echoed {SECRET_INPUT}".encode())])
    said = f"the validator crashed on {SECRET_INPUT}, expecting {SECRET_ANSWER}"
    _judged(store, ids["P2"], "SE", [_result(1, f"secret/{SECRET_NAME}", "secret", "SE", said)],
            message=f"secret/{SECRET_NAME}: {said}")
    _judged(store, ids["J"], "AC", [_result(1, "1", "", "AC")])
    batch_zip = io.BytesIO()
    with zipfile.ZipFile(batch_zip, "w") as zf:
        zf.writestr("class/carol/sum.py", "print(sum(map(int, input().split())))\n")
    ids["B"] = post("alice", "/api/v1/batches", data={
        "problem": "aplusb", "submissions": (io.BytesIO(batch_zip.getvalue()), "class.zip")},
        content_type="multipart/form-data")["id"]
    ids["R"] = post("owner", "/api/v1/rejudges", json={"problem": "aplusb"})["id"]
    return World(app, tokens, ids, aplusb["package_sha256"])


# --- the table ------------------------------------------------------------------------------

Expect = int | Callable[[object, "World"], bool]


@dataclass(frozen=True)
class Row:
    """A request, and what each principal gets: a status, or a check of the response."""

    method: str
    rule: str                      # the app's URL rule this row covers
    path: str                      # with {P}, {J}, ... of World.ids and {sha}
    expect: dict[str, Expect]
    page: bool = False
    body: Callable[[], dict] | None = None

    def url(self, world: World) -> str:
        return self.path.format(sha=world.package, **world.ids)


def every(status: int) -> dict[str, Expect]:
    return {p: status for p in PRINCIPALS}


def by(stranger, alice, bob, owner, rival, admin) -> dict[str, Expect]:
    return dict(zip(PRINCIPALS, (stranger, alice, bob, owner, rival, admin)))


def hides(response, _world) -> bool:
    """200, and nothing of the hidden test's data."""
    text = response.get_data(as_text=True)
    return response.status_code == 200 and not any(s in text for s in SECRETS)


def shows(response, _world) -> bool:
    """200, with the hidden test's data (those who manage the problem)."""
    text = response.get_data(as_text=True)
    return response.status_code == 200 and all(s in text for s in SECRETS[:2])


def names(response, _world) -> bool:
    """200, with the hidden test's real name (a page for those who manage the problem: the
    pages show a problem test's name, verdict and figures)."""
    return response.status_code == 200 and SECRET_NAME in response.get_data(as_text=True)


def lists(*keys: str, field: str = "id") -> Callable:
    """200, listing exactly the submissions ``keys`` of World.ids (the batch's own item is
    listed to those who see the batch's problem or made it: ``+B``)."""
    def check(response, world: World) -> bool:
        if response.status_code != 200:
            return False
        got = {s[field] for s in response.json["submissions"]}
        wanted = {world.ids[k] for k in keys if k != "+B"}
        if "+B" in keys:
            return wanted < got and len(got - wanted) == 1
        return got == wanted
    return check


def page_lists(*keys: str) -> Callable:
    """The /s page lists exactly these of World.ids (and, with ``+B``, one more)."""
    def check(response, world: World) -> bool:
        text = response.get_data(as_text=True)
        shown = set(re.findall(r'href="/(?:s/|playground\?s=)([0-9a-f-]{36})"', text))
        wanted = {world.ids[k] for k in keys if k != "+B"}
        extra = 1 if "+B" in keys else 0
        return response.status_code == 200 and wanted <= shown and \
            len(shown - wanted) == extra
    return check


ALICES = ("P", "P2", "adhoc", "J", "+B")  # hers, her Judge0 one and her batch's item
ON_APLUSB = ("P", "P2", "+B")
EVERY = ("P", "P2", "adhoc", "J", "Jb", "Janon", "+B")
PUBLIC_GETS = ["/", "/problems", "/problems/aplusb", "/status", "/status/languages",
               "/playground", "/healthz", "/metrics", "/api/v1/languages",
               "/api/v1/openapi.json", "/api/v1/problems", "/api/v1/problems/aplusb", "/about",
               "/version", "/config_info", "/statuses", "/languages", "/languages/all",
               "/languages/71", "/system_info", "/workers", "/judge0/openapi.json",
               "/static/style.css"]
RULES = {"/": "/", "/problems/aplusb": "/problems/<name>",
         "/api/v1/problems/aplusb": "/api/v1/problems/<name>",
         "/languages/71": "/languages/<int:language_id>",
         "/static/style.css": "/static/<path:filename>"}

TABLE: list[Row] = [
    *(Row("GET", RULES.get(path, path), path, every(200)) for path in PUBLIC_GETS),
    Row("GET", "/readyz", "/readyz", every(200)),
    Row("GET", "/problems/<name>/<filename>", "/problems/aplusb/problem.pdf", every(404)),
    # one submission, by its id: open; a problem's hidden tests only to its managers
    Row("GET", "/api/v1/submissions/<token>", "/api/v1/submissions/{P}",
        by(hides, hides, hides, shows, hides, shows)),
    Row("GET", "/s/<token>", "/s/{P}", by(hides, hides, hides, names, hides, names), page=True),
    Row("GET", "/s/<token>/live", "/s/{P}/live", by(hides, hides, hides, names, hides, names),
        page=True),
    Row("GET", "/api/v1/submissions/<token>", "/api/v1/submissions/{P2}",
        by(hides, hides, hides, shows, hides, shows)),
    Row("GET", "/s/<token>", "/s/{P2}", by(hides, hides, hides, shows, hides, shows),
        page=True),  # the judge error's message names the test and quotes the data
    Row("GET", "/submissions/<token>", "/submissions/{J}", every(200)),
    Row("GET", "/submissions/batch", "/submissions/batch?tokens={J},{Jb}", every(200)),
    # lists: a token, and only what it may see
    Row("GET", "/api/v1/submissions", "/api/v1/submissions",
        by(401, lists(*ALICES), lists("Jb"), lists(*ON_APLUSB), lists(), lists(*EVERY))),
    Row("GET", "/submissions", "/submissions?per_page=100",
        by(401, lists("J", field="token"), lists("Jb", field="token"), lists(field="token"),
           lists(field="token"), lists("J", "Jb", "Janon", field="token"))),
    Row("GET", "/s", "/s", by(page_lists(), page_lists(*ALICES), page_lists("Jb"),
                              page_lists(*ON_APLUSB), page_lists(), page_lists(*EVERY)),
        page=True),
    # submitting: anyone, unless AUTH_REQUIRED (test_pages and test_auth_and_limits)
    Row("POST", "/api/v1/submissions", "/api/v1/submissions", every(202),
        body=lambda: {"json": {"language": "c", "source": "x", "tests": [{}]}}),
    Row("POST", "/submissions", "/submissions", every(201), body=lambda: {"json": J0}),
    Row("POST", "/submissions/batch", "/submissions/batch", every(201),
        body=lambda: {"json": {"submissions": [J0, J0]}}),
    Row("DELETE", "/submissions/<token>", "/submissions/{J}", by(401, 200, 403, 403, 403, 200)),
    # problems: upload with the problems scope; change only one's own (or as admin)
    Row("POST", "/api/v1/problems", "/api/v1/problems", by(401, 403, 403, 201, 201, 201),
        body=lambda: {"data": {"package": (io.BytesIO(zip_of("aplusb", "apb2")), "apb2.zip")},
                      "content_type": "multipart/form-data"}),
    Row("PUT", "/api/v1/problems/<name>", "/api/v1/problems/aplusb",
        by(401, 403, 403, 200, 403, 200),
        body=lambda: {"data": zip_of("aplusb"), "content_type": "application/zip"}),
    Row("PATCH", "/api/v1/problems/<name>", "/api/v1/problems/aplusb",
        by(401, 403, 403, 200, 403, 200), body=lambda: {"json": {"feedback": "all"}}),
    Row("GET", "/api/v1/packages/<sha256>", "/api/v1/packages/{sha}",
        by(401, 403, 403, 403, 403, 200)),
    # batches: made with a submit token; seen by it, by admins and by the problem's owner
    Row("POST", "/api/v1/batches", "/api/v1/batches", by(401, 202, 202, 202, 202, 202),
        body=lambda: {"data": {"problem": "aplusb", "submissions": (
            io.BytesIO(_one_file_zip()), "x.zip")}, "content_type": "multipart/form-data"}),
    Row("GET", "/api/v1/batches/<token>", "/api/v1/batches/{B}",
        by(401, 200, 403, 200, 403, 200)),
    Row("GET", "/api/v1/batches/<token>/report", "/api/v1/batches/{B}/report",
        by(401, 200, 403, 200, 403, 200)),
    Row("POST", "/api/v1/batches/<token>/cancel", "/api/v1/batches/{B}/cancel",
        by(401, 200, 403, 200, 403, 200)),
    # re-judges: the problem's managers only
    Row("POST", "/api/v1/rejudges", "/api/v1/rejudges", by(401, 403, 403, 202, 403, 202),
        body=lambda: {"json": {"problem": "aplusb"}}),
    Row("GET", "/api/v1/rejudges/<token>", "/api/v1/rejudges/{R}",
        by(401, 403, 403, 200, 403, 200)),
    Row("GET", "/api/v1/rejudges/<token>/diff", "/api/v1/rejudges/{R}/diff",
        by(401, 403, 403, 200, 403, 200)),
    Row("POST", "/api/v1/rejudges/<token>/apply", "/api/v1/rejudges/{R}/apply",
        by(401, 403, 403, 409, 403, 409)),  # allowed, but not finished yet
    # pages: submitting is open; administering needs the admin scope
    Row("POST", "/problems/<name>", "/problems/aplusb", every(303), page=True,
        body=lambda: {"data": {"language": "python3", "source": "print(1)"}}),
    Row("POST", "/playground", "/playground", every(303), page=True,
        body=lambda: {"data": {"language": "python3", "source": "print(1)", "stdin": ""}}),
    Row("GET", "/admin", "/admin", by(200, 403, 403, 403, 403, 200), page=True),
    Row("POST", "/admin/problems", "/admin/problems", by(403, 403, 403, 403, 403, 303),
        page=True, body=lambda: {"data": {"package": (io.BytesIO(zip_of("aplusb", "apb3")),
                                                      "apb3.zip")}}),
    Row("POST", "/admin/problems/<name>/rejudge", "/admin/problems/aplusb/rejudge",
        by(403, 403, 403, 403, 403, 303), page=True, body=lambda: {"data": {}}),
    Row("GET", "/admin/rejudges/<token>", "/admin/rejudges/{R}",
        by(303, 303, 303, 303, 303, 200), page=True),
    Row("POST", "/admin/rejudges/<token>/apply", "/admin/rejudges/{R}/apply",
        by(403, 403, 403, 403, 403, 409), page=True, body=lambda: {"data": {}}),
    Row("POST", "/admin/logout", "/admin/logout", every(303), page=True,
        body=lambda: {"data": {}}),
    # last, what changes the world for the rows above
    Row("POST", "/api/v1/rejudges/<token>/cancel", "/api/v1/rejudges/{R}/cancel",
        by(401, 403, 403, 200, 403, 200)),
    Row("POST", "/admin/rejudges/<token>/cancel", "/admin/rejudges/{R}/cancel",
        by(403, 403, 403, 403, 403, 303), page=True, body=lambda: {"data": {}}),
    Row("DELETE", "/api/v1/problems/<name>", "/api/v1/problems/aplusb",
        by(401, 403, 403, 204, 403, 204)),
    Row("POST", "/admin/problems/<name>/delete", "/admin/problems/division/delete",
        by(403, 403, 403, 403, 403, 303), page=True, body=lambda: {"data": {"confirm": "1"}}),
]
# /admin/login and /login are the logins themselves: test_admin_login_* below, and
# test_accounts.py.
NOT_IN_TABLE = {("POST", "/admin/login"), ("POST", "/login")}


def _one_file_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("dave/sum.py", "print(0)\n")
    return out.getvalue()


def _request(world: World, principal: str, row: Row):
    client = world.client(principal, page=row.page)
    kwargs = row.body() if row.body else {}
    if row.page and row.method == "POST":
        kwargs.setdefault("data", {})["csrf_token"] = csrf(client, "/playground")
    return client.open(row.url(world), method=row.method, **kwargs)


def _label(row: Row) -> str:
    return f"{row.method} {row.path}"


def test_every_route_is_in_the_table(app):
    """This table (token holders) and test_access_accounts.py's (accounts) cover every
    route of the app between them, and name no route it does not have."""
    from test_access_accounts import TABLE as ACCOUNT_TABLE
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    covered = {(row.method, row.rule) for row in TABLE + ACCOUNT_TABLE} | NOT_IN_TABLE
    assert routes - covered == set(), "routes with no row in the access tables"
    assert covered - routes == set(), "rows for routes the app does not have"


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_walk_every_route(world, principal):
    """Each row, as ``principal``, on a fresh world (so that a delete does not hide what a
    later row should see)."""
    failures = []
    for row in TABLE:
        expect = row.expect[principal]
        response = _request(world, principal, row)
        ok = response.status_code == expect if isinstance(expect, int) else \
            expect(response, world)
        if not ok:
            failures.append(f"{_label(row)} as {principal}: {response.status_code} "
                            f"{response.get_data(as_text=True)[:300]!r} (expected "
                            f"{getattr(expect, '__name__', expect)})")
    assert not failures, "\n".join(failures)


def test_hidden_data_reaches_no_field_a_contestant_reads(world):
    """Field by field: the test's verdict and figures stay, what came from its data goes; the
    sample's stays whole; a judge error's message is replaced."""
    as_alice = world.client("alice").get(f"/api/v1/submissions/{world.ids['P']}").json
    sample, hidden = as_alice["tests"]
    assert sample == {**sample, "name": "sample/1", "hidden": False,
                      "checker_message": "sample-message", "stdout": "IN:1_2|"}
    assert hidden["hidden"] is True and hidden["verdict"] == "WA"
    assert hidden["name"] == "secret/1" and hidden["time"] == 0.01
    assert (hidden["checker_message"], hidden["stdout"], hidden["stderr"], hidden["diff"]) \
        == ("", "", "", None)
    error = world.client("bob").get(f"/api/v1/submissions/{world.ids['P2']}").json
    assert error["verdict"] == "SE" and SECRET_ANSWER not in error["message"]
    as_owner = world.client("owner").get(f"/api/v1/submissions/{world.ids['P']}").json
    assert as_owner["tests"][1]["name"] == f"secret/{SECRET_NAME}"
    assert as_owner["tests"][1]["stderr"] == f"echoed {SECRET_INPUT}"
    assert f"-{SECRET_ANSWER}\n+{SECRET_INPUT}\n" in as_owner["tests"][1]["diff"]


def test_a_problem_can_show_every_test(world):
    """``feedback: all`` (set by its owner) shows the hidden tests' data to everyone."""
    owner = world.client("owner")
    assert owner.patch("/api/v1/problems/aplusb", json={"feedback": "samples"}).json[
        "feedback"] == "samples"
    assert owner.patch("/api/v1/problems/aplusb", json={"feedback": "some"}).status_code == 422
    assert owner.patch("/api/v1/problems/aplusb", json={"feedback": "all"}).status_code == 200
    seen = world.client("stranger").get(f"/api/v1/submissions/{world.ids['P']}")
    assert shows(seen, world)
    replaced = owner.put("/api/v1/problems/aplusb", data=zip_of("aplusb"),
                         content_type="application/zip")
    assert replaced.json["feedback"] == "all"  # a new package keeps the setting


def test_admin_login_needs_a_live_token_and_a_page_shows_the_scope(world):
    client = world.app.test_client()
    bad = client.post("/admin/login", data={"csrf_token": csrf(client, "/admin"),
                                            "token": "jb_nope"})
    assert bad.status_code == 403
    alice = world.client("alice", page=True)
    page = alice.get("/admin")
    assert page.status_code == 403 and "admin scope" in page.get_data(as_text=True)
    assert "Upload a problem package" not in page.get_data(as_text=True)

"""The pages without JavaScript (Flask's test client, a real store and broker, no worker):
every page renders, the forms submit and redirect, CSRF tokens are required, statements
are rendered safely, submissions are listed only to whom they belong, admin needs a login."""

from __future__ import annotations

import io
import re
import zipfile

import _jbstack_for_web as jbstack  # loaded by conftest.py
import pytest

from worker.store import submissions
from worker.store.tokens import create_token, revoke_token

EXAMPLES = jbstack.REPO / "examples"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _zip(problem: str, statement: str | None = None) -> bytes:
    """An example problem as a zip, its Markdown statement replaced when ``statement``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for path in sorted((EXAMPLES / problem).rglob("*")):
            rel = path.relative_to(EXAMPLES / problem)
            if path.is_file() and not (statement and rel.parts[0] == "statement"):
                zf.write(path, f"{problem}/{rel}")
        if statement:
            zf.writestr(f"{problem}/statement/problem.en.md", statement)
    return out.getvalue()


def _upload(app, problem: str, statement: str | None = None, name: str | None = None):
    from web import services

    with app.app_context():
        return services.upload_problem(_zip(problem, statement), name, f"{problem}.zip")


def _csrf(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return CSRF.search(response.get_data(as_text=True)).group(1)


@pytest.mark.parametrize("path", ["/", "/problems", "/s", "/playground", "/status",
                                  "/status/languages", "/admin"])
def test_every_page_renders(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert '<a class="skip" href="#main">' in response.get_data(as_text=True)


def test_the_apis_keep_their_paths_and_need_no_csrf(client):
    assert client.get("/languages").is_json  # Judge0's
    response = client.post("/api/v1/submissions", json={
        "language": "python3", "source": "print(1)", "tests": [{"stdin": ""}]})
    assert response.status_code == 202


def test_problem_page_shows_statement_limits_samples_and_versions(app, client):
    _upload(app, "aplusb")
    page = client.get("/problems/aplusb").get_data(as_text=True)
    assert "A plus B" in page and "Read two integers" in page
    assert "\\problemname" not in page
    assert "Time limit: <strong>2 s</strong>" in page  # the default (the package has none)
    assert "Memory limit: <strong>64 MB</strong>" in page
    assert page.count('class="sample"') == 2 and "40 2" in page
    assert ">Python 3 (CPython) 3.11.2</option>" in page
    assert "Rust" not in page  # disabled languages are not offered
    assert client.get("/problems/nope").status_code == 404


def test_markdown_statement_is_rendered_safely(app, client):
    _upload(app, "division", statement=(
        "# Divide\n\nPrint *a / b*.\n\n<script>alert(1)</script>\n\n"
        "[click](javascript:alert(2)) <img src=x onerror=alert(3)>\n"))
    page = client.get("/problems/division").get_data(as_text=True)
    assert "<em>a / b</em>" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert 'href="javascript' not in page  # left as text, not a link
    assert "<img" not in page


def test_markdown_math_is_kept_for_katex(app, client):
    _upload(app, "division", statement=(
        "Sets $\\{1, 2\\}$ and $a*b*c$ cost \\$5.\n\n$$x_i \\le 10^{9}$$\n"))
    page = client.get("/problems/division").get_data(as_text=True)
    assert "\\(\\{1, 2\\}\\)" in page and "\\(a*b*c\\)" in page  # escapes, * intact
    assert "\\[x_i \\le 10^{9}\\]" in page and "cost $5." in page
    assert 'data-math="md"' in page


def test_submit_without_javascript(app, client):
    _upload(app, "aplusb")
    token = _csrf(client, "/problems/aplusb")
    response = client.post("/problems/aplusb", data={
        "csrf_token": token, "language": "python3",
        "source": "a, b = map(int, input().split())\r\nprint(a + b)\r\n"})
    assert response.status_code == 303
    sub_id = response.headers["Location"].rsplit("/", 1)[1]
    row = submissions.get(app.extensions["judgebox_store"], sub_id)
    assert row.problem_name == "aplusb" and row.state == "queued"
    assert row.source == b"a, b = map(int, input().split())\nprint(a + b)\n"
    page = client.get(f"/s/{sub_id}").get_data(as_text=True)
    assert "Queued…" in page and "<noscript>" in page
    assert "print(a + b)" in page
    assert 'data-done="0"' in client.get(f"/s/{sub_id}/live").get_data(as_text=True)
    assert sub_id in client.get("/s").get_data(as_text=True)  # this browser's own


def test_an_uploaded_file_replaces_the_textarea(app, client):
    _upload(app, "aplusb")
    token = _csrf(client, "/problems/aplusb")
    response = client.post("/problems/aplusb", data={
        "csrf_token": token, "language": "c", "source": "ignored",
        "file": (io.BytesIO(b"int main(void){return 0;}\n"), "sum.c")})
    assert response.status_code == 303
    row = submissions.get(app.extensions["judgebox_store"],
                          response.headers["Location"].rsplit("/", 1)[1])
    assert row.source == b"int main(void){return 0;}\n" and row.language == "c"


def test_form_errors_render_the_form_again(app, client):
    _upload(app, "aplusb")
    token = _csrf(client, "/problems/aplusb")
    response = client.post("/problems/aplusb", data={
        "csrf_token": token, "language": "rust", "source": "fn main() {}"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "disabled" in page and 'role="alert"' in page and "fn main() {}" in page
    response = client.post("/problems/aplusb", data={
        "csrf_token": token, "language": "c", "source": "  "})
    assert response.status_code == 422 and "the source is empty" in response.get_data(
        as_text=True)


def test_several_files_or_a_zip_are_one_program(app, client):
    _upload(app, "aplusb")
    store = app.extensions["judgebox_store"]
    page = client.get("/problems/aplusb").get_data(as_text=True)
    assert 'type="file" multiple' in page and 'name="entry"' in page
    token = _csrf(client, "/problems/aplusb")
    raw = b"\x00\xffbinary\n"
    response = client.post("/problems/aplusb", data={
        "csrf_token": token, "language": "python3", "source": "ignored", "entry": "main.py",
        "file": [(io.BytesIO(b"import util\nprint(util.add())\n"), "main.py"),
                 (io.BytesIO(b"def add(): return 3\n"), "util.py"),
                 (io.BytesIO(raw), "data.bin")]})
    assert response.status_code == 303, response.get_data(as_text=True)
    sub_id = response.headers["Location"].rsplit("/", 1)[1]
    row = submissions.get(store, sub_id)
    assert row.source == b"" and row.options["entry"] == "main.py"
    assert [(f.name, f.content) for f in row.files] == [
        ("main.py", b"import util\nprint(util.add())\n"), ("util.py", b"def add(): return 3\n"),
        ("data.bin", raw)]
    shown = client.get(f"/s/{sub_id}").get_data(as_text=True)
    assert "<h2>Files</h2>" in shown and "<code>util.py</code>" in shown
    assert "entry point" in shown and "def add(): return 3" in shown
    assert "\\x00\\xffbinary" in shown and "not UTF-8 text" in shown  # every byte said
    # a zip of a folder: its files
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("prog/a.py", "print(1)\n")
        zf.writestr("prog/b.py", "x = 2\n")
    response = client.post("/problems/aplusb", data={
        "csrf_token": token, "language": "python3",
        "file": (io.BytesIO(archive.getvalue()), "prog.zip")})
    assert response.status_code == 303
    row = submissions.get(store, response.headers["Location"].rsplit("/", 1)[1])
    assert [f.name for f in row.files] == ["a.py", "b.py"]


@pytest.mark.parametrize("files, status, says", [
    ([(b"", "a.py"), (b"", "a b.py")], 422, "bad file name"),
    ([(b"", "a.py"), (b"", "..")], 422, "bad file name"),
    ([(b"PK\x03\x04 broken", "prog.zip")], 422, "not a readable zip"),
    ([(b"x" * 3000, "a.py"), (b"", "b.py")], 413, "MAX_FILES_KB"),
])
def test_files_that_cannot_be_stored_render_the_form_again(make_app, files, status, says):
    app = make_app(MAX_FILES_KB=2)
    client = app.test_client()
    _upload(app, "aplusb")
    response = client.post("/problems/aplusb", data={
        "csrf_token": _csrf(client, "/problems/aplusb"), "language": "python3",
        "file": [(io.BytesIO(data), name) for data, name in files]})
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page and says in page


def test_a_submit_answer_problem_takes_answer_files(app, client):
    from web import services
    package = jbstack.REPO / "tests" / "worker" / "packages" / "submit_answer"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for path in sorted(package.rglob("*")):
            zf.write(path, f"squares/{path.relative_to(package)}")
    with app.app_context():
        services.upload_problem(out.getvalue(), "squares", "squares.zip")
    page = client.get("/problems/squares").get_data(as_text=True)
    assert '<option value="answers" selected>Answer files' in page
    response = client.post("/problems/squares", data={
        "csrf_token": _csrf(client, "/problems/squares"), "language": "answers",
        "file": [(io.BytesIO(b"9\n"), "sample.1.ans"), (io.BytesIO(b"144\n"), "secret.1.ans")]})
    assert response.status_code == 303, response.get_data(as_text=True)
    sub_id = response.headers["Location"].rsplit("/", 1)[1]
    row = submissions.get(app.extensions["judgebox_store"], sub_id)
    assert row.language == "answers" and len(row.files) == 2
    assert "<h2>Answer files</h2>" in client.get(f"/s/{sub_id}").get_data(as_text=True)
    # not offered, and refused, where the problem is not one
    _upload(app, "aplusb")
    assert 'value="answers"' not in client.get("/problems/aplusb").get_data(as_text=True)
    refused = client.post("/problems/aplusb", data={
        "csrf_token": _csrf(client, "/problems/aplusb"), "language": "answers",
        "source": "3"})
    assert refused.status_code == 422


@pytest.mark.parametrize("path", ["/playground", "/problems/aplusb", "/admin/login",
                                  "/admin/logout", "/admin/problems"])
def test_posts_without_a_csrf_token_are_refused(app, client, path):
    _upload(app, "aplusb")
    client.get("/playground")  # a session exists, so only the token is missing
    response = client.post(path, data={"language": "python3", "source": "print(1)",
                                       "token": "x"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    response = client.post(path, data={"csrf_token": "forged", "language": "python3",
                                       "source": "print(1)"})
    assert response.status_code == 400


def test_a_csrf_token_belongs_to_its_session(app):
    _upload(app, "aplusb")
    alice, mallory = app.test_client(), app.test_client()
    token = _csrf(mallory, "/playground")
    response = alice.post("/playground", data={"csrf_token": token, "language": "python3",
                                               "source": "print(1)", "stdin": ""})
    assert response.status_code == 400


def test_playground_run(app, client):
    token = _csrf(client, "/playground")
    response = client.post("/playground", data={
        "csrf_token": token, "language": "python3", "source": "print(input())",
        "stdin": "hello\r\n"})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/playground?s=") and location.endswith("#run")
    run_id = location.split("s=")[1].split("#")[0]
    row = submissions.get(app.extensions["judgebox_store"], run_id)
    assert row.tests[0].stdin == b"hello\n" and row.problem_name is None
    page = client.get(f"/playground?s={run_id}").get_data(as_text=True)
    assert "print(input())" in page and "Queued…" in page


def test_submissions_are_listed_to_their_browser_and_to_admins(app):
    from web import services

    _upload(app, "aplusb")
    alice, bob, admin = app.test_client(), app.test_client(), app.test_client()
    made = []
    for i in range(30):
        response = alice.post("/playground", data={
            "csrf_token": _csrf(alice, "/playground"), "language": "python3",
            "source": f"print({i})", "stdin": ""})
        made.append(response.headers["Location"].split("s=")[1].split("#")[0])
    bob_page = bob.get("/s").get_data(as_text=True)
    assert not any(token in bob_page for token in made)
    first = alice.get("/s").get_data(as_text=True)
    assert made[-1] in first and made[0] not in first  # 25 a page, newest first
    older = re.search(r'href="(/s\?before=\d+)"', first).group(1)
    assert made[0] in alice.get(older).get_data(as_text=True)
    assert made[-1] in alice.get("/s?language=python3").get_data(as_text=True)
    assert made[-1] not in alice.get("/s?language=c").get_data(as_text=True)
    assert "None matches" in alice.get("/s?verdict=AC").get_data(as_text=True)
    with app.app_context():
        _, secret = create_token(services.store(), "lister", scopes=["admin"])
    admin.post("/admin/login", data={"csrf_token": _csrf(admin, "/admin"), "token": secret})
    assert made[-1] in admin.get("/s").get_data(as_text=True)


def test_admin_login_upload_replace_and_logout(app, client):
    from web import services

    with app.app_context():
        _, secret = create_token(services.store(), "admin", scopes=["admin"])
    csrf = _csrf(client, "/admin")
    assert client.post("/admin/problems", data={"csrf_token": csrf}).status_code == 403
    bad = client.post("/admin/login", data={"csrf_token": csrf, "token": "jb_nope"})
    assert bad.status_code == 403
    response = client.post("/admin/login", data={"csrf_token": csrf, "token": secret})
    assert response.status_code == 303
    csrf = _csrf(client, "/admin")  # a new session after logging in
    upload = client.post("/admin/problems", data={
        "csrf_token": csrf, "package": (io.BytesIO(_zip("aplusb")), "aplusb.zip")},
        follow_redirects=True)
    assert "Problem aplusb stored" in upload.get_data(as_text=True)
    again = client.post("/admin/problems", data={
        "csrf_token": csrf, "package": (io.BytesIO(_zip("division")), "division.zip"),
        "name": "aplusb"})
    assert again.status_code == 409
    assert "exists already" in again.get_data(as_text=True)
    replaced = client.post("/admin/problems", data={
        "csrf_token": csrf, "package": (io.BytesIO(_zip("division")), "division.zip"),
        "name": "aplusb", "replace": "1"}, follow_redirects=True)
    assert replaced.status_code == 200
    assert "Division" in client.get("/problems/aplusb").get_data(as_text=True)
    broken = client.post("/admin/problems", data={
        "csrf_token": csrf, "package": (io.BytesIO(b"not a zip"), "x.zip")})
    assert broken.status_code == 422 and "not a zip" in broken.get_data(as_text=True)
    client.post("/admin/logout", data={"csrf_token": csrf})
    assert "API token" in client.get("/admin").get_data(as_text=True)


def test_a_revoked_token_logs_the_admin_out(app, client):
    from web import services

    with app.app_context():
        _, secret = create_token(services.store(), "soon-revoked", scopes=["admin"])
    client.post("/admin/login", data={"csrf_token": _csrf(client, "/admin"), "token": secret})
    assert "Upload a problem package" in client.get("/admin").get_data(as_text=True)
    with app.app_context():
        revoke_token(services.store(), "soon-revoked")
    assert "Upload a problem package" not in client.get("/admin").get_data(as_text=True)


def test_unknown_submission_is_a_404_page(client):
    response = client.get("/s/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_with_auth_required_the_pages_need_a_login_to_submit(make_app):
    from web import services

    app = make_app(AUTH_REQUIRED=True)
    client = app.test_client()
    assert client.get("/playground").status_code == 200  # reading needs no token
    assert client.get("/api/v1/languages").status_code == 401  # the API still does
    csrf = _csrf(client, "/playground")
    refused = client.post("/playground", data={"csrf_token": csrf, "language": "python3",
                                               "source": "print(1)", "stdin": ""})
    assert refused.status_code == 401 and "log in" in refused.get_data(as_text=True)
    with app.app_context():
        row, secret = create_token(services.store(), "page-user")
    client.post("/admin/login", data={"csrf_token": csrf, "token": secret})
    response = client.post("/playground", data={
        "csrf_token": _csrf(client, "/playground"), "language": "python3",
        "source": "print(1)", "stdin": ""})
    assert response.status_code == 303
    run = submissions.get(app.extensions["judgebox_store"],
                          response.headers["Location"].split("s=")[1].split("#")[0])
    assert run.token_id == row.id


def test_session_cookie_is_httponly_and_samesite(client):
    cookie = client.get("/playground").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def _selected(page: str) -> str | None:
    """The language the submit form's select starts at."""
    found = re.search(r'<option value="([^"]+)"[^>]* selected>', page)
    return found.group(1) if found else None


def test_the_form_starts_at_a_sensible_language_then_the_last_one_used(app, client):
    _upload(app, "aplusb")
    page = client.get("/problems/aplusb").get_data(as_text=True)
    # no choice yet: DEFAULT_LANGUAGE (cpp17) is not offered here, Python is; never the
    # first in the list (c)
    assert _selected(page) == "python3" and 'data-chosen="0"' in page
    assert 'name="language_default" value="python3"' in page
    assert 'data-extensions="py py3"' in page  # the editor picks the language of a file by these
    client.post("/problems/aplusb", data={"csrf_token": _csrf(client, "/problems/aplusb"),
                                          "language": "c", "source": "int main(){}"})
    page = client.get("/problems/aplusb").get_data(as_text=True)
    assert _selected(page) == "c" and 'data-chosen="1"' in page
    assert 'name="language_default" value=""' in page
    assert _selected(client.get("/playground").get_data(as_text=True)) == "c"


def test_the_default_language_is_configurable(make_app):
    app = make_app(DEFAULT_LANGUAGE="c")
    _upload(app, "aplusb")
    assert _selected(app.test_client().get("/problems/aplusb").get_data(as_text=True)) == "c"
    # the playground's example is Python: it starts there
    assert _selected(app.test_client().get("/playground").get_data(as_text=True)) == "python3"


def _post_file(client, language: str, untouched: str, filename: str):
    return client.post("/problems/aplusb", data={
        "csrf_token": _csrf(client, "/problems/aplusb"), "language": language,
        "language_default": untouched, "source": "",
        "file": (io.BytesIO(b"int main(void){return 0;}\n"), filename)})


def test_an_uploaded_files_extension_picks_the_language_the_user_left_alone(app, client):
    _upload(app, "aplusb")
    store = app.extensions["judgebox_store"]
    left_alone = _post_file(client, "python3", "python3", "sum.c")
    assert left_alone.status_code == 303
    row = submissions.get(store, left_alone.headers["Location"].rsplit("/", 1)[1])
    assert row.language == "c"
    chosen = _post_file(client, "python3", "", "sum.c")  # the user picked Python: kept
    row = submissions.get(store, chosen.headers["Location"].rsplit("/", 1)[1])
    assert row.language == "python3"
    unknown = _post_file(client, "python3", "python3", "sum.xyz")  # no language has .xyz
    row = submissions.get(store, unknown.headers["Location"].rsplit("/", 1)[1])
    assert row.language == "python3"
    disabled = _post_file(client, "python3", "python3", "main.rs")  # Rust: not offered
    assert disabled.status_code == 422
    assert "language &#39;rust&#39; is disabled" in disabled.get_data(as_text=True)


def test_pages_show_language_names_not_ids(app, client):
    _upload(app, "aplusb")
    response = client.post("/problems/aplusb", data={
        "csrf_token": _csrf(client, "/problems/aplusb"), "language": "python3",
        "source": "print(1)"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<dt>Language</dt><dd>Python 3 (CPython)</dd>" in page
    listing = client.get("/s").get_data(as_text=True)
    assert "<td>Python 3 (CPython)</td>" in listing and "<td>python3</td>" not in listing
    assert '<option value="python3">Python 3 (CPython)</option>' in listing  # the filter


def test_an_unknown_url_is_an_html_page_for_a_browser_and_json_for_the_apis(client):
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    page = client.get("/no-such-page", headers=browser)
    assert page.status_code == 404 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "There is no page at this address." in text and '<a class="skip"' in text
    assert client.post("/no-such-page", headers=browser).status_code == 404
    for path in ("/no-such-page", "/static/nope.js"):  # a client that asks for no HTML
        assert client.get(path).is_json
        assert client.get(path, headers={"Accept": "application/json"}).is_json
    for path in ("/api/v1/nope", "/api/v1/submissions/nope", "/submissions/nope",
                 "/languages/999999", "/healthz/x"):  # the APIs keep their JSON
        answer = client.get(path, headers=browser)
        assert answer.status_code == 404 and answer.is_json, path
    assert client.delete("/status", headers=browser).status_code == 405


def _admin(app, client, scopes=("admin",)) -> str:
    """Log ``client`` in with a new token; the admin page's CSRF token."""
    from web import services

    with app.app_context():
        _, secret = create_token(services.store(), f"t{len(client.get('/').data)}-{scopes[0]}",
                                 scopes=list(scopes))
    client.post("/admin/login", data={"csrf_token": _csrf(client, "/admin"), "token": secret})
    return CSRF.search(client.get("/admin").get_data(as_text=True)).group(1)


def test_a_refused_upload_shows_the_admin_page_with_the_error_and_the_form(app, client):
    csrf = _admin(app, client)
    broken = client.post("/admin/problems", data={
        "csrf_token": csrf, "package": (io.BytesIO(b"not a zip"), "x.zip"), "name": "mine",
        "replace": "1"})
    assert broken.status_code == 422
    page = broken.get_data(as_text=True)
    assert 'id="upload-error"' in page and "Not uploaded: not a zip file" in page
    assert 'id="name" name="name"' in page and 'value="mine"' in page  # the form as sent
    assert 'name="replace" value="1" checked' in page
    assert "Re-judges" in page  # the whole admin page, not a bare error
    nothing = client.post("/admin/problems", data={"csrf_token": csrf})
    assert nothing.status_code == 422 and "choose a package" in nothing.get_data(as_text=True)


def test_a_name_taken_offers_replace_and_delete(app, client):
    csrf = _admin(app, client)
    client.post("/admin/problems", data={
        "csrf_token": csrf, "package": (io.BytesIO(_zip("aplusb")), "aplusb.zip")})
    taken = client.post("/admin/problems", data={
        "csrf_token": csrf, "package": (io.BytesIO(_zip("division")), "division.zip"),
        "name": "aplusb"})
    assert taken.status_code == 409
    page = taken.get_data(as_text=True)
    assert 'id="name-taken"' in page and "exists already" in page
    assert "Replace aplusb with division.zip" in page
    assert 'action="/admin/problems/aplusb/delete"' in page
    # replace without choosing the file again: the refused upload was kept for this session
    other = app.test_client()
    other_csrf = _admin(app, other)
    stranger = other.post("/admin/problems", data={
        "csrf_token": other_csrf, "pending": "1", "name": "aplusb", "replace": "1"})
    assert stranger.status_code == 422 and "choose the package again" in stranger.get_data(
        as_text=True)
    replaced = client.post("/admin/problems", data={
        "csrf_token": csrf, "pending": "1", "name": "aplusb", "replace": "1"},
        follow_redirects=True)
    assert "Problem aplusb stored" in replaced.get_data(as_text=True)
    assert "Division" in client.get("/problems/aplusb").get_data(as_text=True)
    again = client.post("/admin/problems", data={"csrf_token": csrf, "pending": "1",
                                                 "name": "aplusb", "replace": "1"})
    assert again.status_code == 422  # used up
    unconfirmed = client.post("/admin/problems/aplusb/delete", data={"csrf_token": csrf})
    assert unconfirmed.status_code == 422 and "confirm" in unconfirmed.get_data(as_text=True)
    deleted = client.post("/admin/problems/aplusb/delete",
                          data={"csrf_token": csrf, "confirm": "1"}, follow_redirects=True)
    assert "Problem aplusb deleted" in deleted.get_data(as_text=True)
    assert client.get("/problems/aplusb").status_code == 404
    assert client.post("/admin/problems/aplusb/delete", data={
        "csrf_token": csrf, "confirm": "1"}).status_code == 404


def test_only_an_admin_deletes_a_problem(app, client):
    _upload(app, "aplusb")
    anonymous = client.post("/admin/problems/aplusb/delete", data={
        "csrf_token": _csrf(client, "/admin"), "confirm": "1"})
    assert anonymous.status_code == 403
    submitter = app.test_client()
    csrf = _admin(app, submitter, scopes=("submit",))
    assert submitter.post("/admin/problems/aplusb/delete", data={
        "csrf_token": csrf, "confirm": "1"}).status_code == 403
    assert client.get("/problems/aplusb").status_code == 200


def test_a_run_killed_by_a_signal_shows_the_signal_not_exit_code_0(app, client):
    from types import SimpleNamespace

    from web.pages._common import _run_exit

    # the API's view gives such a run Judge0's exit code 0 as well
    assert _run_exit(SimpleNamespace(exit_code=0, signal=11)) == \
        "killed by SIGSEGV (segmentation fault), signal 11"
    assert _run_exit(SimpleNamespace(exit_code=3, signal=None)) == "exit code 3"
    assert _run_exit(SimpleNamespace(exit_code=None, signal=None)) == "–"

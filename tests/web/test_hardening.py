"""Hardening of the service (issue 15): security headers on every response, packages that
would crash the reader or the store, reports that a spreadsheet would run."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from worker.core.batch import BatchResult, render_report
from worker.core.spreadsheet import read_csv, write_csv
from worker.store.rejudge import read_report

EXAMPLES = Path(__file__).parent.parent.parent / "examples"


@pytest.mark.parametrize("path", ["/", "/problems", "/s", "/playground", "/admin",
                                  "/api/v1/languages", "/languages", "/no-such-page",
                                  "/api/v1/submissions/nope", "/static/style.css"])
def test_every_response_has_the_security_headers(client, path):
    headers = client.get(path).headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "object-src 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_the_pages_run_no_inline_script():
    """What the policy allows is what the templates do: scripts from /static only."""
    import re
    templates = Path(__file__).parent.parent.parent / "web" / "templates"
    for template in templates.glob("*.html"):
        text = template.read_text()
        for tag in re.findall(r"<script[^>]*>", text):
            assert "src=" in tag, f"{template.name}: inline script {tag}"
        assert not re.search(r"\son[a-z]+=", text), f"{template.name}: an inline handler"
        assert "style=" not in text, f"{template.name}: an inline style"


def _style_src(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    return next(d.strip() for d in policy.split(";") if d.strip().startswith("style-src"))


def test_the_editor_gets_a_fresh_style_nonce_and_nothing_else_does(client):
    """CodeMirror puts its styles in a <style> element: the pages with the editor allow the
    one that carries this response's nonce (the script tag hands it over), never inline
    styles in general."""
    import re

    nonces = []
    for _ in range(2):
        response = client.get("/playground")
        style_src = _style_src(response)
        assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
        nonce = re.fullmatch(r"style-src 'self' 'nonce-([A-Za-z0-9_-]{22,})'", style_src).group(1)
        page = response.get_data(as_text=True)
        assert f'src="/static/editor.js" nonce="{nonce}"' in page
        nonces.append(nonce)
    assert nonces[0] != nonces[1]  # one per response
    for path in ("/status", "/api/v1/languages", "/no-such-page", "/static/style.css"):
        assert "nonce" not in client.get(path).headers["Content-Security-Policy"], path


@pytest.mark.parametrize("policy, expected", [
    ("default-src 'self'; style-src 'self'", "default-src 'self'; style-src 'self' 'nonce-N'"),
    ("default-src 'self' data:", "default-src 'self' data:; style-src 'self' data: 'nonce-N'"),
    ("style-src 'none'; img-src 'self'", "img-src 'self'; style-src 'nonce-N'"),
    ("script-src 'self'", "script-src 'self'; style-src 'nonce-N'"),
])
def test_a_style_nonce_joins_the_policy_it_is_given(policy, expected):
    from web.headers import with_style_nonce

    assert with_style_nonce(policy, "N") == expected


def _package(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for path in sorted((EXAMPLES / "aplusb").rglob("*")):
            rel = path.relative_to(EXAMPLES / "aplusb")
            if path.is_file() and str(rel) not in files:
                zf.write(path, f"p/{rel}")
        for name, text in files.items():
            zf.writestr(f"p/{name}", text)
    return out.getvalue()


def _upload(client, token: str, data: bytes, name: str = "p"):
    return client.post("/api/v1/problems", headers={"X-Auth-Token": token},
                       data={"package": (io.BytesIO(data), f"{name}.zip"), "name": name},
                       content_type="multipart/form-data")


def test_deeply_nested_yaml_is_a_422(client, admin_token):
    nested = "name: x\nlimits: " + "[" * 50000 + "]" * 50000 + "\n"
    response = _upload(client, admin_token, _package({"problem.yaml": nested}))
    assert response.status_code == 422
    assert "nested too deeply" in response.json["fields"]["package"][0]


def test_a_title_longer_than_its_column_is_a_422(client, admin_token):
    long = _package({"problem.yaml": "name: " + "T" * 301 + "\nvalidation: default\n"})
    response = _upload(client, admin_token, long)
    assert response.status_code == 422 and "301 characters" in response.json["fields"][
        "package"][0]
    fits = _package({"problem.yaml": "name: " + "T" * 300 + "\nvalidation: default\n"})
    assert _upload(client, admin_token, fits).status_code == 201
    too_long_name = _upload(client, admin_token, fits, name="n" * 101)
    assert too_long_name.status_code == 422 and "name" in too_long_name.json["fields"]


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)",
                                  "\tx", "\rx", "'quoted", "plain", ""])
def test_csv_cells_that_a_spreadsheet_would_run_are_text(cell):
    text = write_csv(["submitter"], [{"submitter": cell}])
    written = text.splitlines()[1] if cell else ""
    assert not written.lstrip('"').startswith(("=", "+", "-", "@", "\t", "\r"))
    assert read_csv(text) == [{"submitter": cell}]  # and it reads back as it was


def test_batch_reports_escape_and_compare_reads_them_back(tmp_path):
    results = [BatchResult("=cmd|' /C calc'!A0", "@evil.py", "python3", "AC", 1.0, 1.0,
                           0.01, 900, [{"name": "-1", "verdict": "AC"}])]
    csv_text = render_report(results, "csv")
    assert "\n'=cmd" in csv_text or "\"'=cmd" in csv_text
    path = tmp_path / "report.csv"
    path.write_text(csv_text)
    assert set(read_report(path)) == {("=cmd|' /C calc'!A0", "@evil.py")}

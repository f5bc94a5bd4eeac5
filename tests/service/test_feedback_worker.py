"""Feedback with a real worker judging in the sandbox: what the worker keeps of each test (the
program's stdout and stderr, less of a hidden test's), a scoring problem's groups, runs on the
samples; and what the native API and the pages then show (a wrong answer's diff, a runtime
error's traceback, the group table)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from jbstack import example_zip, wait_until
from worker.store import submissions
from worker.store.tokens import create_token

REPO = Path(__file__).resolve().parents[2]
LINEAR_C = (REPO / "examples/fibonacci/submissions/partially_accepted/linear.c").read_text()
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def owner(stack) -> str:
    """A problems token that uploaded aplusb (``fb-aplusb``) and fibonacci (``fb-fib``)."""
    secret = create_token(stack.store, "feedback-owner", scopes=["problems"])[1]
    for name, example in (("fb-aplusb", "aplusb"), ("fb-fib", "fibonacci")):
        response = requests.post(f"{stack.url}/api/v1/problems", headers={
            "X-Auth-Token": secret}, files={"package": (f"{name}.zip", example_zip(example))},
            data={"name": name}, timeout=30)
        assert response.status_code == 201, response.text
    return secret


def _judged(stack, headers: dict | None = None, **body) -> dict:
    response = requests.post(f"{stack.url}/api/v1/submissions", json=body, timeout=10)
    assert response.status_code == 202, response.text
    url = f"{stack.url}/api/v1/submissions/{response.json()['id']}"

    def done():
        got = requests.get(url, headers=headers or {}, timeout=10).json()
        return got if got["state"] == "done" else None
    return wait_until(done, 120, 0.2, what="judgement")


def test_a_wrong_answer_on_a_sample_shows_the_diff_and_stderr(stack, owner):
    body = _judged(stack, language="python3", problem="fb-aplusb", source=(
        "import sys\na, b = map(int, input().split())\nprint('thinking', file=sys.stderr)\n"
        "print(a + b + 1)\n"))
    assert body["verdict"] == "WA" and len(body["tests"]) == 1  # the first sample
    test = body["tests"][0]
    assert (test["name"], test["stdout"], test["stderr"]) == ("sample/1", "4\n", "thinking\n")
    assert test["diff"] == "--- expected\n+++ received\n@@ -1 +1 @@\n-3\n+4\n"
    assert test["checker_message"]
    page = requests.get(f"{stack.url}/s/{body['id']}", timeout=10).text
    assert re.search(r'<tr class="d-expected">.*<td class="text">3</td>.*'
                     r'<tr class="d-received">.*<td class="text">4</td>', page, re.S)
    assert '<pre class="stderr">thinking' in page
    assert test["checker_message"] in page.replace("&#34;", '"').replace("&#39;", "'")


def test_a_runtime_error_shows_its_traceback(stack, owner):
    body = _judged(stack, language="python3", problem="fb-aplusb",
                   source="a, b = map(int, input().split())\nprint(a // (b - b))\n")
    assert body["verdict"] == "RE"
    stderr = body["tests"][0]["stderr"]
    assert stderr.startswith("Traceback (most recent call last):")
    assert "ZeroDivisionError" in stderr and body["tests"][0]["diff"] is None
    page = requests.get(f"{stack.url}/s/{body['id']}", timeout=10).text
    assert "ZeroDivisionError" in page and 'id="test-1"' in page


def test_the_worker_keeps_less_of_a_hidden_tests_output(stack, owner):
    """20 000 bytes on stdout and on stderr, every test: a sample keeps them whole
    (KEEP_OUTPUT_KB, 64), a secret test its first 8 KB (KEEP_OUTPUT_HIDDEN_KB)."""
    source = ("import sys\nprint('x' * 19999)\nprint('y' * 19999, file=sys.stderr)\n")
    body = _judged(stack, {"X-Auth-Token": owner}, language="python3", problem="fb-aplusb",
                   run_all=True, source=source)
    row = submissions.get(stack.store, body["id"])
    kept = {(r.group, len(r.stdout), len(r.stderr)) for r in row.results}
    assert kept == {("sample", 20000, 20000), ("secret", 8192, 8192)}
    hidden = body["tests"][2]  # as its owner sees it: cut, and the diff says so
    assert hidden["stdout"] == "x" * 8192
    assert hidden["diff"].endswith("# only the first 8 KB of each output were kept and "
                                   "compared\n")


def test_a_scoring_problem_shows_its_groups(stack, owner):
    body = _judged(stack, language="c", problem="fb-fib", source=LINEAR_C)
    assert (body["verdict"], body["score"], body["max_score"]) == ("TLE", 30.0, 100.0)
    assert body["groups"] == [
        {"name": "secret", "verdict": "TLE", "score": 30.0, "max_score": 100.0},
        {"name": "secret/group1", "verdict": "AC", "score": 30.0, "max_score": 30.0},
        {"name": "secret/group2", "verdict": "TLE", "score": 0.0, "max_score": 70.0}]
    row = submissions.get(stack.store, body["id"])
    assert row.details == {"groups": body["groups"]}
    page = requests.get(f"{stack.url}/s/{body['id']}", timeout=10).text
    table = page[page.index('<table class="groups">'):]
    table = re.sub(r"<[^>]+>", " ", table[:table.index("</table>")])
    assert re.search(r"secret/group1\s+30 / 30\s+AC\s+secret/group2\s+0 / 70\s+TLE", table)


def test_run_on_samples_judges_the_samples_only(stack, owner):
    body = _judged(stack, language="c", problem="fb-fib", source=LINEAR_C, samples_only=True)
    assert (body["verdict"], body["samples_only"], body["score"], body["max_score"],
            body["groups"]) == ("AC", True, None, None, None)
    assert [t["name"] for t in body["tests"]] == ["sample/1"]
    browser = requests.Session()  # the problem page's button, without JavaScript
    form = browser.get(f"{stack.url}/problems/fb-aplusb", timeout=10).text
    response = browser.post(f"{stack.url}/problems/fb-aplusb", data={
        "csrf_token": CSRF.search(form).group(1), "language": "python3", "run": "samples",
        "source": "print(3)\n"}, allow_redirects=False, timeout=10)
    assert response.status_code == 303
    token = response.headers["Location"].rsplit("/", 1)[1]
    run = wait_until(lambda: (lambda r: r if r["state"] == "done" else None)(requests.get(
        f"{stack.url}/api/v1/submissions/{token}", timeout=10).json()), 120, 0.2)
    assert run["samples_only"] and [(t["name"], t["verdict"]) for t in run["tests"]] == [
        ("sample/1", "AC"), ("sample/2", "WA")]  # every sample, past the first failure
    assert run["verdict"] == "WA" and run["tests"][1]["diff"].endswith("-42\n+3\n")
    page = browser.get(f"{stack.url}/s/{token}", timeout=10).text
    assert "<h1>Run on samples</h1>" in page and 'id="test-2"' in page

"""The pages in a real browser: Debian's chromium, headless, driven by Playwright, against a
live server with a real worker (its own redis-server, a Celery worker process, the sandbox).

An admin logs in with an API token and uploads A+B; A+B in C++ is submitted through the form
and its verdict arrives live with a row per test; a compile error shows the compiler's
message; the playground runs Python on stdin. Screenshots of the main pages go to
``$JUDGEBOX_SCREENSHOTS`` (``docs/screenshots`` for the README), else to a temp dir.

Needs ``/usr/bin/chromium`` (apt package ``chromium``) and the ``playwright`` Python package;
Playwright's own browser download is never used.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import _jbstack_for_web as jbstack  # loaded by conftest.py
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]
EXAMPLES = jbstack.REPO / "examples"
VERDICT_TIMEOUT = 60_000  # ms

AB_CPP = """#include <iostream>
int main() {
    long long a, b;
    std::cin >> a >> b;
    std::cout << a + b << '\\n';
}
"""

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
    pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
    pytest.mark.timeout(300),
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory, web_redis):
    """A live stack whose worker offers C, C++17 and Python 3."""
    if not (jbstack.REPO / "web" / "static" / "editor.js").is_file():
        pytest.fail("web/static/editor.js is missing: ./dev.sh builds it (in web/editor: "
                    "npm ci --ignore-scripts && npm run build)")
    built = jbstack.build_stack(tmp_path_factory, web_redis, 14, "browser", workers=1,
                                concurrency=2, WORKER_LANGUAGES="c,cpp17,python3")
    yield built
    jbstack.stop_stack(built)


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless."""
    with playwright_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) and page, 1100 px wide. Whatever the page does
    must fit the server's Content-Security-Policy: a refusal the browser reports fails the
    test."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    opened = context.new_page()
    refused = []
    opened.on("console", lambda message: refused.append(message.text)
              if "Content Security Policy" in message.text else None)
    yield opened
    context.close()
    assert not refused, f"the browser refused under the CSP: {refused}"


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where screenshots go."""
    target = os.environ.get("JUDGEBOX_SCREENSHOTS")
    path = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _zip(problem: str, dest: Path) -> Path:
    archive = dest / f"{problem}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted((EXAMPLES / problem).rglob("*")):
            if path.is_file():
                zf.write(path, f"{problem}/{path.relative_to(EXAMPLES / problem)}")
    return archive


def _on_a_phone(browser, url: str, shot: Path):
    """``url`` opened 390 px wide (a new context: close its ``.context``); it must not
    scroll sideways. Its screenshot goes to ``shot``."""
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    mobile = phone.new_page()
    mobile.goto(url)
    width = mobile.evaluate("document.documentElement.scrollWidth")
    mobile.screenshot(path=shot, full_page=True)
    if width > 390:
        phone.close()
        raise AssertionError(f"{url} scrolls sideways on a phone ({width} px)")
    return mobile


def _type_source(page, source: str, editor: bool = True) -> None:
    """Put ``source`` in the form: into the code editor (once its deferred script has made
    it), replacing what it holds; or, without JavaScript (``editor=False``), the textarea."""
    if editor:
        page.click(".cm-content")  # waits for the editor
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(source)
    else:
        page.fill("#source", source)


def _submit(page, url: str, language: str, source: str, editor: bool = True) -> None:
    page.goto(url)
    if editor:  # its script sets the language too (the one this browser used last)
        page.wait_for_selector(".cm-editor")
    page.select_option("#language", language)
    _type_source(page, source, editor)
    page.click("button[type=submit]")


def test_admin_logs_in_and_uploads_packages(stack, page, tmp_path, shots):
    from worker.store.tokens import create_token

    _, secret = create_token(stack.store, "browser-admin", scopes=["admin"])
    page.goto(f"{stack.url}/admin")
    page.fill("#token", "jb_wrong")
    page.click("button[type=submit]")
    assert "unknown or revoked" in page.inner_text(".error")
    page.fill("#token", secret)
    page.click("button[type=submit]")
    for problem in ("aplusb", "division"):
        page.set_input_files("#package", str(_zip(problem, tmp_path)))
        page.click("form[action$='/admin/problems'] button[type=submit]")
        assert f"Problem {problem} stored" in page.inner_text(".flash")
    assert page.locator("section.verify").count() == 2
    page.goto(f"{stack.url}/problems")
    assert "A plus B" in page.inner_text("table")
    page.screenshot(path=shots / "problems.png", full_page=True)


def test_submit_aplusb_in_cpp_and_watch_the_verdict(stack, page, shots):
    page.goto(f"{stack.url}/problems/aplusb")
    assert "Read two integers" in page.inner_text(".statement")
    assert page.locator(".statement .katex").count() >= 3  # the TeX statement's math too
    assert page.locator(".sample").count() == 2
    assert "C++17 (GCC) 12" in page.inner_text("#language")  # versions shown
    _submit(page, f"{stack.url}/problems/aplusb", "cpp17", AB_CPP)
    assert re.search(r"/s/[0-9a-f-]{36}$", page.url)
    first = page.inner_text(".state")
    assert re.search(r"Queued|Compiling|Running test", first), first
    page.wait_for_selector(".state .v-AC", timeout=VERDICT_TIMEOUT)  # no reload: live.js
    assert "Accepted" in page.inner_text(".state")
    rows = page.locator("tr.test-row")
    assert rows.count() == 6  # 2 samples + 4 secret tests
    assert all(v == "AC" for v in page.locator("tr.test-row .verdict").all_inner_texts())
    assert "std::cin >> a >> b;" in page.inner_text("pre.source")
    assert page.locator("pre.source code.hljs .hljs-keyword").count() > 0  # highlighted
    page.screenshot(path=shots / "submission.png", full_page=True)


def test_compile_error_shows_the_compilers_message(stack, page, shots):
    _submit(page, f"{stack.url}/problems/aplusb", "cpp17",
            "int main() { return undeclared_name; }\n")
    page.wait_for_selector(".state .v-CE", timeout=VERDICT_TIMEOUT)
    assert "Compilation error" in page.inner_text(".state")
    message = page.inner_text("pre.compile-output")
    assert "undeclared_name" in message and "error" in message
    page.screenshot(path=shots / "compile-error.png", full_page=True)


WA_C = """#include <stdio.h>
int main(void) {
    long a, b;
    scanf("%ld %ld", &a, &b);
    fprintf(stderr, "debug: a=%ld b=%ld\\n", a, b);
    printf("%ld\\n", a + b + 1);
    return 0;
}
"""


def test_a_wrong_answer_on_a_sample_shows_its_diff(stack, browser, page, shots):
    """The first sample fails: its checker message, the diff of expected and received
    output, and stderr arrive with the verdict (live), behind the test row's link; the page
    fits a phone."""
    _submit(page, f"{stack.url}/problems/aplusb", "c", WA_C)
    page.wait_for_selector(".state .v-WA", timeout=VERDICT_TIMEOUT)
    page.click("tr.test-row a[href='#test-1']")
    assert page.url.endswith("#test-1")
    feedback = page.locator("section#test-1")
    assert "Wrong answer" in feedback.locator("h3").inner_text()
    assert feedback.locator("table.diff tr.d-expected td.text").inner_text() == "3"
    assert feedback.locator("table.diff tr.d-received td.text").inner_text() == "4"
    assert "debug: a=1 b=2" in feedback.locator("pre.stderr").inner_text()
    assert feedback.locator(".checker-message").inner_text().startswith("Checker:")
    page.screenshot(path=shots / "sample-diff.png", full_page=True)
    mobile = _on_a_phone(browser, page.url, shots / "phone-sample-diff.png")
    assert mobile.locator("section#test-1 table.diff").is_visible()
    mobile.context.close()


def test_run_on_samples(stack, page, shots):
    """The problem page's second button: every sample judged, nothing else; no score."""
    page.goto(f"{stack.url}/problems/aplusb")
    page.wait_for_selector(".cm-editor")
    page.select_option("#language", "c")
    _type_source(page, '#include <stdio.h>\nint main(void) { puts("3"); return 0; }\n')
    page.click("button[name=run][value=samples]")
    assert page.inner_text("h1") == "Run on samples"
    page.wait_for_selector(".state .v-WA", timeout=VERDICT_TIMEOUT)
    assert page.locator("tr.test-row .verdict").all_inner_texts() == ["AC", "WA"]
    assert page.locator("section#test-2 tr.d-received td.text").inner_text() == "3"
    page.screenshot(path=shots / "run-on-samples.png", full_page=True)


def test_playground_runs_python_with_stdin(stack, page, shots):
    page.goto(f"{stack.url}/playground")
    page.wait_for_selector(".cm-editor")
    page.select_option("#language", "python3")
    _type_source(page, "import sys\nn = int(input())\nprint(n * 2)\n"
                       "print('to stderr', file=sys.stderr)\n")
    page.fill("#stdin", "21\n")
    page.click("button[type=submit]")
    page.wait_for_selector("#run .state .v-AC", timeout=VERDICT_TIMEOUT)
    assert page.inner_text("#run pre.stdout").strip() == "42"
    assert "to stderr" in page.inner_text("#run pre.stderr")
    state = page.inner_text("#run .state")
    assert re.search(r"\d\.\d{3} s", state) and re.search(r"KiB|MiB", state)  # time, memory
    assert page.input_value("#stdin") == "21\n"  # the form keeps what ran
    page.screenshot(path=shots / "playground.png", full_page=True)


def test_without_javascript_a_reload_shows_the_verdict(stack, browser):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        _submit(page, f"{stack.url}/problems/aplusb", "python3",
                "a, b = map(int, input().split())\nprint(a - b)\n", editor=False)
        assert re.search(r"/s/[0-9a-f-]{36}$", page.url)
        for _ in range(120):
            if page.locator(".state .v-WA").count():
                break
            page.wait_for_timeout(500)
            page.reload()
        assert "Wrong answer" in page.inner_text(".state")
        assert page.locator("tr.test-row").count() == 1  # pass-fail: the first failure ends it
    finally:
        context.close()


def test_main_pages_and_a_phone(stack, browser, page, shots):
    page.goto(f"{stack.url}/problems/division")  # a Markdown statement
    assert page.locator(".statement p").count() >= 1
    assert page.locator(".statement .katex").count() >= 2  # $a$, $b$... rendered by KaTeX
    page.screenshot(path=shots / "problem.png", full_page=True)
    for path, name in (("/", "home"), ("/status/languages", "languages"),
                       ("/status", "status")):
        page.goto(stack.url + path)
        page.screenshot(path=shots / f"{name}.png", full_page=True)
    assert "Workers online (1)" in page.inner_text("main")
    _on_a_phone(browser, f"{stack.url}/problems/aplusb", shots / "phone-problem.png"
                ).context.close()


def test_admin_sees_verify_reports_and_every_submission(stack, page, shots):
    """The background ``judgebox verify`` of each uploaded package ends, and says ok."""
    from worker.store.tokens import create_token

    _, secret = create_token(stack.store, "browser-admin-2", scopes=["admin"])
    page.goto(f"{stack.url}/admin")
    page.fill("#token", secret)
    page.click("button[type=submit]")
    page.wait_for_function(  # the page reloads itself while a verify runs
        "document.querySelectorAll('section.verify .v-AC').length == 2", timeout=240_000)
    page.click("section.verify summary >> nth=0")
    assert "as expected" in page.inner_text("section.verify pre >> nth=0")
    # aplusb gives no time limit: it took the one verify derived (whole seconds, >= 1)
    from web import services

    with stack.app.app_context():
        limits = {p.name: p.time_limit_ms for p in services.list_problems()}
    assert limits["aplusb"] is not None and limits["aplusb"] % 1000 == 0, limits
    page.screenshot(path=shots / "admin.png", full_page=True)
    page.goto(f"{stack.url}/s")  # an admin sees every submission, not only this browser's
    assert page.locator("tbody tr").count() >= 3
    page.screenshot(path=shots / "submissions.png", full_page=True)
    page.goto(f"{stack.url}/s?verdict=CE")
    assert page.locator("tbody tr").count() == 1
    page.goto(f"{stack.url}/s?language=python3&problem=aplusb")
    assert page.locator("tbody tr").count() == 1  # the WA one


def test_keyboard_reaches_the_submit_button(stack, page):
    """Tab goes through the form; in the editor Tab indents, and Escape then Tab goes on."""
    page.goto(f"{stack.url}/problems/aplusb")
    page.wait_for_selector(".cm-editor")
    seen = []
    for _ in range(40):
        page.keyboard.press("Tab")
        here = page.evaluate("document.activeElement.closest('.cm-editor') ? 'editor' : "
                             "(document.activeElement.id || document.activeElement.tagName)")
        seen.append(here)
        if here == "editor":
            page.keyboard.press("Escape")
    assert "language" in seen and "editor" in seen and "file" in seen and "BUTTON" in seen
    assert seen.index("editor") < seen.index("file")
    assert page.input_value("#source") == ""  # the Tab that left the editor indented nothing


AB_PY = "a, b = map(int, input().split())\nprint(a + b)\n"
SEGFAULT_C = """#include <stdio.h>
int main(void) {
    volatile int *p = 0;
    printf("before\\n");
    fflush(stdout);
    return *p;
}
"""


def _log_in(stack, page, name: str) -> None:
    from worker.store.tokens import create_token

    _, secret = create_token(stack.store, name, scopes=["admin"])
    page.goto(f"{stack.url}/admin")
    page.fill("#token", secret)
    page.click("button[type=submit]")


def test_the_editor_highlights_indents_and_submits_with_ctrl_enter(stack, page, shots):
    page.goto(f"{stack.url}/problems/aplusb")
    editor = page.locator(".cm-editor")
    editor.wait_for()
    assert page.locator("#source").is_hidden()  # still the form's field, under the editor
    assert page.input_value("#language") == "cpp17"  # a sensible default: not the first, c
    assert editor.get_attribute("data-mode") == "cpp"
    page.click(".cm-content")
    page.keyboard.insert_text("int main() {\nreturn 0;")
    page.keyboard.press("Home")
    page.keyboard.press("Tab")  # indents the line, the focus stays
    assert page.input_value("#source") == "int main() {\n    return 0;"
    assert page.evaluate("!!document.activeElement.closest('.cm-editor')")
    assert page.locator(".cm-content .tok-keyword").all_inner_texts() == ["return"]
    assert "int" in page.locator(".cm-content .tok-typeName").all_inner_texts()
    assert page.locator(".cm-content .tok-number").all_inner_texts() == ["0"]
    page.keyboard.press("Control+A")
    page.keyboard.type("(")  # typed over several lines: wrapped (no inline style refused)
    assert page.input_value("#source") == "(int main() {\n    return 0;)"
    _type_source(page, AB_CPP)
    page.screenshot(path=shots / "editor.png", full_page=True)
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(r"/s/[0-9a-f-]{36}$"))
    page.wait_for_selector(".state .v-AC", timeout=VERDICT_TIMEOUT)
    assert "std::cin >> a >> b;" in page.inner_text("pre.source")
    assert "C++17 (GCC)" in page.inner_text("dl.meta")  # the name, not cpp17


def test_a_files_extension_picks_the_language_and_the_pick_is_remembered(stack, page,
                                                                           tmp_path):
    problem = f"{stack.url}/problems/aplusb"
    program = tmp_path / "sum.py"
    program.write_text(AB_PY)
    page.goto(problem)
    page.wait_for_selector(".cm-editor")
    page.set_input_files("#file", str(program))
    assert page.input_value("#language") == "python3"
    assert page.get_attribute(".cm-editor", "data-mode") == "python"
    page.click("button[type=submit]")
    page.wait_for_selector(".state .v-AC", timeout=VERDICT_TIMEOUT)
    assert "Python 3 (CPython)" in page.inner_text("dl.meta")
    page.goto(problem)
    page.wait_for_selector(".cm-editor")
    assert page.input_value("#language") == "python3"  # the session remembers
    page.select_option("#language", "c")  # the user's own pick...
    assert page.get_attribute(".cm-editor", "data-mode") == "cpp"
    page.context.clear_cookies()  # ...is remembered by this browser without the session
    page.goto(problem)
    page.wait_for_selector(".cm-editor")
    assert page.input_value("#language") == "c"


def test_every_language_with_a_mode_is_highlighted(stack, page):
    """Each language of rootfs-templates/ (offered here by a worker record made for this
    test) gets its mode in the editor, which highlights its self-test program."""
    from test_editor_modes import mode_of

    from worker.core.languages import all_languages
    from worker.store import registry

    languages = all_languages()
    registry.report(stack.store, "editor-modes@test", queues=[], languages=[
        {"id": lang.id, "name": lang.name, "version": "", "enabled": True, "reason": ""}
        for lang in languages])
    try:
        page.goto(f"{stack.url}/playground")
        page.wait_for_selector(".cm-editor")
        for lang in languages:
            page.select_option("#language", lang.id)
            expected = mode_of(lang) or "plain"
            assert page.get_attribute(".cm-editor", "data-mode") == expected, lang.id
            _type_source(page, lang.selftest)
            tokens = page.locator(".cm-content [class*='tok-']").count()
            assert (tokens > 0) == (expected != "plain"), (lang.id, expected, tokens)
            assert page.input_value("#source") == lang.selftest
    finally:
        registry.stopped(stack.store, "editor-modes@test")


def _rgb(css: str) -> tuple[int, ...]:
    return tuple(int(float(v)) for v in re.findall(r"[\d.]+", css)[:3])


def _contrast(one: tuple[int, ...], other: tuple[int, ...]) -> float:
    """WCAG 2's contrast ratio of two sRGB colours."""
    def luminance(rgb):
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
                  for c in (v / 255 for v in rgb)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _colours(page, selector: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(colour, background) of the first match; the background of the nearest ancestor
    that paints one."""
    page.wait_for_selector(selector, state="attached")
    found = page.evaluate("""sel => { let el = document.querySelector(sel);
        const color = getComputedStyle(el).color;
        while (el && getComputedStyle(el).backgroundColor === 'rgba(0, 0, 0, 0)')
            el = el.parentElement;
        return [color, el ? getComputedStyle(el).backgroundColor : 'rgb(255, 255, 255)']; }""",
                          selector)
    return _rgb(found[0]), _rgb(found[1])


DARK_BG = (18, 21, 27)  # style.css's --bg in dark mode


def test_dark_mode_follows_the_system_setting(stack, browser, shots):
    from worker.store import submissions

    context = browser.new_context(viewport={"width": 1100, "height": 900},
                                  color_scheme="dark")
    refused = []
    try:
        page = context.new_page()
        page.on("console", lambda m: refused.append(m.text)
                if "Content Security Policy" in m.text else None)
        page.goto(f"{stack.url}/problems/aplusb")
        page.wait_for_selector(".cm-editor")
        assert _colours(page, "main")[1] == DARK_BG
        for selector in ("main h1", ".limits", ".statement", ".statement .katex",
                         "label[for=language]", "#language", ".sample pre", "footer a",
                         "button[type=submit]"):
            colour, background = _colours(page, selector)
            assert sum(background) < 3 * 100 or selector == "button[type=submit]", selector
            assert _contrast(colour, background) >= 4.5, (selector, colour, background)
        page.click(".cm-content")
        page.keyboard.insert_text("int main() { return 0; }")
        assert _colours(page, ".cm-content")[1] == DARK_BG
        assert sum(_colours(page, ".cm-gutters")[1]) < 3 * 60
        keyword, background = _colours(page, ".cm-content .tok-keyword")
        assert keyword == (220, 198, 224)  # a11y-dark's keyword colour
        assert _contrast(keyword, background) >= 4.5
        assert _contrast(*_colours(page, ".cm-content .tok-number")) >= 4.5
        _type_source(page, AB_CPP)
        page.screenshot(path=shots / "dark-problem.png", full_page=True)
        cpp = [row for row in submissions.list_submissions(stack.store, problem="aplusb",
                                                           verdict="AC")
               if row.language == "cpp17"]
        page.goto(f"{stack.url}/s/{cpp[0].token}")
        page.wait_for_selector("pre.source code.hljs")
        for selector in (".state .verdict", "tr.test-row .verdict", "dl.meta dt",
                         "pre.source code.hljs", "pre.source .hljs-keyword"):
            colour, background = _colours(page, selector)
            assert _contrast(colour, background) >= 4.5, (selector, colour, background)
        assert _colours(page, "pre.source .hljs-keyword")[0] == (220, 198, 224)
        page.screenshot(path=shots / "dark-submission.png", full_page=True)
        for path, name in (("/", "home"), ("/playground", "playground"), ("/s", "submissions")):
            page.goto(stack.url + path)
            assert _colours(page, "main")[1] == DARK_BG
            page.screenshot(path=shots / f"dark-{name}.png", full_page=True)
    finally:
        context.close()
    assert not refused, f"the browser refused under the CSP: {refused}"


def test_an_unknown_url_is_a_page_in_the_browser(stack, page):
    response = page.goto(f"{stack.url}/no/such/page")
    assert response.status == 404 and response.headers["content-type"].startswith("text/html")
    assert "There is no page at this address." in page.inner_text("main")
    assert page.locator("nav[aria-label=Main] a").count() >= 6  # the site's pages, to go on
    api = page.evaluate("fetch('/api/v1/nope').then(r => r.json())")
    assert "error" in api  # fetch asks for anything: the API answers JSON


def test_admin_upload_errors_keep_the_form_and_offer_replace_or_delete(stack, page,
                                                                        tmp_path):
    _log_in(stack, page, "browser-admin-upload")
    package = str(_zip("division", tmp_path))
    upload = "#upload-form button[type=submit]"
    page.set_input_files("#package", package)
    page.fill("#name", "spare")
    page.click(upload)
    assert "Problem spare stored" in page.inner_text(".flash")
    page.set_input_files("#package", package)
    page.fill("#name", "spare")
    page.click(upload)  # the name is taken now
    assert "exists already" in page.inner_text("#upload-error")
    assert page.input_value("#name") == "spare"  # the form as it was sent
    page.click("#replace-taken")  # no second upload needed
    assert "Problem spare stored" in page.inner_text(".flash")
    page.set_input_files("#package", package)
    page.fill("#name", "spare")
    page.click(upload)
    taken = page.locator("#name-taken")
    taken.locator("button.danger").click()  # not confirmed: the browser asks for the tick
    assert "/admin/problems/spare/delete" not in page.url
    taken.locator("input[name=confirm]").check()
    taken.locator("button.danger").click()
    assert "Problem spare deleted" in page.inner_text(".flash")
    page.goto(f"{stack.url}/problems")
    assert "spare" not in page.inner_text("main")


def test_the_playground_shows_the_signal_that_killed_a_run(stack, page, shots):
    page.goto(f"{stack.url}/playground")
    page.wait_for_selector(".cm-editor")
    page.select_option("#language", "c")
    _type_source(page, SEGFAULT_C)
    page.click("button[type=submit]")
    page.wait_for_selector("#run .state .v-RE", timeout=VERDICT_TIMEOUT)
    assert "Runtime error" in page.inner_text("#run .state")
    ended = page.inner_text("#run tr.test-row td:last-child")
    assert ended == "killed by SIGSEGV (segmentation fault), signal 11", ended
    assert page.inner_text("#run pre.stdout").strip() == "before"
    page.screenshot(path=shots / "playground-segfault.png", full_page=True)


def test_on_a_phone_the_result_stays_on_screen(stack, browser, shots):
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True)
    try:
        page = phone.new_page()
        _submit(page, f"{stack.url}/problems/aplusb", "python3", AB_PY)
        page.wait_for_selector(".state .v-AC", timeout=VERDICT_TIMEOUT)
        page.screenshot(path=shots / "phone-submission.png", full_page=True)
        _submit(page, f"{stack.url}/problems/aplusb", "python3", "print(")
        page.wait_for_selector(".state .verdict:not(.v-queued, .v-compiling, .v-running)",
                               timeout=VERDICT_TIMEOUT)
        page.goto(f"{stack.url}/s")
        assert page.locator("table.submissions tbody tr").count() == 2
        for verdict in page.locator("table.submissions .verdict").all():
            box = verdict.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"
        page.screenshot(path=shots / "phone-submissions.png", full_page=True)
        page.goto(f"{stack.url}/playground")
        page.wait_for_selector(".cm-editor")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=shots / "phone-playground.png", full_page=True)
    finally:
        phone.close()


def _minus_zip(dest: Path) -> Path:
    """aplusb with every answer a - b (a "fixed" package), without its submissions."""
    archive = dest / "aplusb-minus.zip"
    root = EXAMPLES / "aplusb"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(root.rglob("*")):
            if not path.is_file() or "submissions" in path.parts:
                continue
            data = path.read_bytes()
            if path.suffix == ".ans":
                a, b = map(int, path.with_suffix(".in").read_text().split())
                data = f"{a - b}\n".encode()
            zf.writestr(f"aplusb/{path.relative_to(root)}", data)
    return archive


def test_admin_replaces_a_package_and_rejudges(stack, page, tmp_path, shots):
    """(Last: it changes aplusb.) The accepted C++ A+B becomes WA on A-B; applied, its page
    says so."""
    from worker.store import submissions
    from worker.store.tokens import create_token

    accepted = [s for s in submissions.list_submissions(stack.store, problem="aplusb",
                                                        verdict="AC")]
    assert accepted, "an earlier test judged A+B in C++"
    _, secret = create_token(stack.store, "browser-admin-3", scopes=["admin"])
    page.goto(f"{stack.url}/admin")
    page.fill("#token", secret)
    page.click("button[type=submit]")
    page.set_input_files("#package", str(_minus_zip(tmp_path)))
    page.fill("#name", "aplusb")
    page.check("input[name=replace]")
    page.click("form[action$='/admin/problems'] button[type=submit]")
    assert "Problem aplusb stored" in page.inner_text(".flash")
    page.click("form[aria-label='Re-judge aplusb'] button[type=submit]")
    assert re.search(r"/admin/rejudges/[0-9a-f-]{36}$", page.url)
    assert "Re-judging" in page.inner_text(".flash")
    page.wait_for_selector("#apply", timeout=VERDICT_TIMEOUT)  # it reloads itself till done
    assert "AC" in page.inner_text("#transitions") and "WA" in page.inner_text("#transitions")
    assert page.locator("#diff tr.changed").count() >= len(accepted)
    page.screenshot(path=shots / "rejudge.png", full_page=True)
    page.click("#apply")
    assert "Applied to" in page.inner_text(".flash")
    assert page.locator("#apply").count() == 0 and "applied" in page.inner_text(
        "#rejudge-state")
    page.goto(f"{stack.url}/s/{accepted[0].token}")
    page.wait_for_selector(".state .v-WA", timeout=10_000)
    page.goto(f"{stack.url}/admin")
    assert page.locator("#rejudges tbody tr").count() == 1

"""A class on the pages, in a real browser (Debian's chromium, headless, Playwright) against
a live server with a real worker (issue 20): an admin imports a class of 30 and makes the
course, an instructor makes an assignment of two problems, three students log in and submit
(an accepted A+B, a wrong one, a partial score on a scoring problem), the scoreboard and the
grade export show the right numbers, a student cannot open another's submission by its URL
or the API, and a stranger sees nothing private. Screenshots of each page, desktop and
phone, go to ``$JUDGEBOX_SCREENSHOTS`` (docs/screenshots) or a temp dir.
"""

from __future__ import annotations

import csv
import io
import re

import _jbstack_for_web as jbstack  # loaded by conftest.py
import pytest
import requests
from test_browser import (VERDICT_TIMEOUT, _type_source, _zip, browser, page,  # noqa: F401
                          pytestmark, shots)

STUDENTS = 30
AB_CPP = ("#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;"
          "std::cout<<a+b<<'\\n';}\n")
AB_WRONG = "a, b = map(int, input().split())\nprint(a * b)\n"
FIB_LINEAR = (jbstack.REPO / "examples" / "fibonacci" / "submissions" /
              "partially_accepted" / "linear.c").read_text()
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}


@pytest.fixture(scope="module")
def stack(tmp_path_factory, web_redis):
    """A live stack whose worker offers C, C++17 and Python 3; logins unlimited."""
    built = jbstack.build_stack(tmp_path_factory, web_redis, 13, "class", workers=1,
                                concurrency=2, WORKER_LANGUAGES="c,cpp17,python3",
                                RATELIMIT_LOGIN="100000/minute")
    yield built
    jbstack.stop_stack(built)


def _log_in(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    assert page.locator("nav .who").inner_text() == username


def _both_widths(browser, url: str, username: str | None, password: str | None,
                 path: str, shots, name: str) -> None:
    """Screenshots of ``path`` at desktop width (``name.png``) and phone width
    (``name-phone.png``), logged in as ``username``."""
    for suffix, options in (("", {"viewport": {"width": 1100, "height": 900}}),
                            ("-phone", PHONE)):
        context = browser.new_context(**options)
        try:
            page = context.new_page()
            if username:
                _log_in(page, url, username, password)
            page.goto(url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= options["viewport"]["width"] + 1, (path, suffix, width)
            page.screenshot(path=shots / f"{name}{suffix}.png", full_page=True)
        finally:
            context.close()


def test_a_class_runs_an_assignment(stack, browser, page, tmp_path, shots):
    from worker.store import users

    url = stack.url
    _, admin_password = users.create_user(stack.store, "root", "admin", "The Admin")
    # the admin: a course, the class list (30 students and an instructor), two problems
    _log_in(page, url, "root", admin_password)
    page.goto(f"{url}/courses")
    page.fill("#name", "cs101")
    page.fill("#title", "Programming 101")
    page.click("form[action$='/courses'] button[type=submit]")
    assert page.locator("h1").inner_text() == "Programming 101"
    class_list = tmp_path / "class.csv"
    class_list.write_text("username,name,email,role\nteach,Tess Teacher,t@x.org,instructor\n"
                          + "".join(f"s{i:02},Student {i:02},s{i:02}@x.org,student\n"
                                    for i in range(1, STUDENTS + 1)))
    page.goto(f"{url}/admin/users")
    page.set_input_files("#file", str(class_list))
    page.select_option("#course", "cs101")
    page.click("form[action$='/admin/users/import'] button[type=submit]")
    assert f"{STUDENTS + 1} new, 0 updated" in page.inner_text(".flash")
    passwords = dict(re.findall(r"(\S+)\t(\S+)", page.inner_text(
        "section[aria-label=Passwords] tbody")))
    assert len(passwords) == STUDENTS + 1
    page.screenshot(path=shots / "admin-users.png", full_page=True)
    page.goto(f"{url}/admin")
    for problem in ("aplusb", "fibonacci"):
        page.set_input_files("#package", str(_zip(problem, tmp_path)))
        page.select_option("#visibility", "private")
        page.click("form[action$='/admin/problems'] button[type=submit]")
        assert f"Problem {problem} stored" in page.inner_text(".flash")

    # the instructor: an assignment of the two problems, open now
    teacher = browser.new_context().new_page()
    _log_in(teacher, url, "teach", passwords["teach"])
    teacher.goto(f"{url}/courses/cs101")
    members = teacher.locator("h2:text-is('Members') ~ div.scroll table tbody tr")
    assert members.count() == STUDENTS + 2  # and two instructors: teach, root (its maker)
    teacher.click("text=New assignment or contest")
    teacher.fill("#name", "hw1")
    teacher.fill("#title", "Homework 1")
    start = teacher.evaluate("new Date(Date.now() - 60000).toISOString().slice(0, 16)")
    teacher.fill("#starts_at", start)
    teacher.fill("#problems", "A aplusb 100\nB fibonacci 100")
    teacher.click("main button[type=submit]")
    assert teacher.locator("h1").inner_text() == "Homework 1"
    assert teacher.locator("table tbody tr").count() == 2

    # three students submit: AC, WA, a partial score
    made = {}
    for student, label, language, source in (("s01", "A", "cpp17", AB_CPP),
                                             ("s02", "A", "python3", AB_WRONG),
                                             ("s03", "B", "c", FIB_LINEAR)):
        context = browser.new_context()
        spage = context.new_page()
        _log_in(spage, url, student, passwords[student])
        spage.goto(f"{url}/a/hw1")
        spage.click(f"table a:text-is('{label}')")
        spage.wait_for_selector(".cm-editor")  # its script may set the language too
        spage.select_option("#language", language)
        _type_source(spage, source)  # into the code editor
        spage.click("form[enctype] button:text-is('Submit')")
        assert re.search(r"/s/[0-9a-f-]{36}$", spage.url)
        spage.wait_for_selector(".state .verdict:not(.v-queued):not(.v-compiling)"
                                ":not(.v-running)", timeout=VERDICT_TIMEOUT)
        made[student] = (spage.url.rsplit("/", 1)[1], context, spage)
    verdicts = {s: p.inner_text(".state .verdict") for s, (_, _, p) in made.items()}
    assert verdicts["s01"] == "Accepted" and verdicts["s02"] == "Wrong answer", verdicts
    # the wrong answer teaches: sample 1's diff (3 expected, 2 received) behind its row's link
    wrong = made["s02"][2]
    wrong.click("tr.test-row a[href='#test-1']")
    feedback = wrong.locator("section#test-1")
    assert feedback.locator("table.diff tr.d-expected td.text").inner_text() == "3"
    assert feedback.locator("table.diff tr.d-received td.text").inner_text() == "2"
    wrong.screenshot(path=shots / "wrong-answer.png", full_page=True)
    assert "score 30 / 100" in made["s03"][2].inner_text(".state")

    # the scoreboard, live for everyone in the course
    teacher.goto(f"{url}/a/hw1/scoreboard")
    rows = teacher.locator("table.scoreboard tbody tr")
    assert rows.count() == STUDENTS
    top = [rows.nth(i).locator("td").all_inner_texts()[:5] for i in range(3)]
    assert top == [["1", "Student 01", "100", "100", "·"], ["2", "Student 03", "30", "·", "30"],
                   ["3", "Student 02", "0", "0", "·"]], top
    teacher.screenshot(path=shots / "scoreboard.png", full_page=True)
    with teacher.expect_download() as download:
        teacher.goto(f"{url}/a/hw1")
        teacher.click("text=Grades (CSV)")
    grades = {r["username"]: r for r in csv.DictReader(io.StringIO(
        download.value.path().read_text()))}
    assert len(grades) == STUDENTS
    assert (grades["s01"]["total"], grades["s02"]["total"], grades["s03"]["total"]) == (
        "100", "0", "30")
    assert (grades["s03"]["A"], grades["s03"]["B"]) == ("0", "30")

    # privacy: a student cannot open another's submission, by its page or the API
    nosy = made["s02"][2]
    other = made["s01"][0]
    assert nosy.goto(f"{url}/s/{other}").status == 404
    assert requests.get(f"{url}/api/v1/submissions/{other}", timeout=10).status_code == 404
    nosy.goto(f"{url}/s")
    assert other not in nosy.content() and made["s02"][0] in nosy.content()
    # ... and a stranger sees nothing private
    stranger = browser.new_context().new_page()
    stranger.goto(f"{url}/problems")
    assert "Fibonacci" not in stranger.inner_text("main")
    for private in ("/a/hw1", "/a/hw1/scoreboard", "/courses/cs101"):
        stranger.goto(url + private)
        assert "/login" in stranger.url, private
    assert requests.get(f"{url}/problems/aplusb", timeout=10).status_code == 404
    assert requests.get(f"{url}/a/hw1/grades.csv", timeout=10, allow_redirects=False
                        ).status_code == 303

    # screenshots of each page, desktop and phone
    for path, name, who in (("/a/hw1/scoreboard", "scoreboard", "s01"),
                            ("/a/hw1", "assignment", "s01"),
                            ("/courses/cs101", "course", "teach"),
                            (f"/s/{made['s02'][0]}", "wrong-answer", "s02"),
                            ("/login", "login", None)):
        _both_widths(browser, url, who, passwords.get(who), path, shots, name)
    for _, context, _ in made.values():
        context.close()

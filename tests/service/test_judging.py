"""Submit through the API, get the verdict: real Celery workers judging in the real sandbox."""

from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path

import pytest
import requests

from jbstack import example_zip, wait_until
from worker.store import submissions

REPO = Path(__file__).resolve().parents[2]
C_APLUSB = ("#include <stdio.h>\nint main(void){long a,b;if(scanf(\"%ld %ld\",&a,&b)!=2)"
            "return 1;printf(\"%ld\\n\",a+b);return 0;}\n")
PY_APLUSB = "a, b = map(int, input().split())\nprint(a + b)\n"


def wait_done(base: str, token: str, timeout: float = 60) -> dict:
    """Poll the native API until the submission is judged."""
    def done():
        body = requests.get(f"{base}/api/v1/submissions/{token}", timeout=10).json()
        return body if body["state"] == "done" else None
    return wait_until(done, timeout, 0.1, what=f"submission {token}")


def submit(base: str, **body) -> str:
    response = requests.post(f"{base}/api/v1/submissions", json=body, timeout=10)
    assert response.status_code == 202, response.text
    return response.json()["id"]


@pytest.mark.parametrize("language, source, tests, limits, verdict", [
    ("c", C_APLUSB, [{"stdin": "1 2\n", "expected": "3"}, {"stdin": "-5 5", "expected": "0"}],
     {}, "AC"),
    ("python3", PY_APLUSB, [{"stdin": "1 2\n", "expected": "3"}, {"stdin": "2 2", "expected":
                                                                  "5"}], {}, "WA"),
    ("c", "int main(void) { return x; }\n", [{"stdin": ""}], {}, "CE"),
    ("python3", "import sys\nsys.exit(3)\n", [{"stdin": ""}], {}, "RE"),
    ("python3", "while True:\n    pass\n", [{"stdin": ""}], {"time_limit": 0.5}, "TLE"),
    ("python3", "x = bytearray(200 * 1024 * 1024)\n", [{"stdin": ""}], {"memory_limit": 64},
     "MLE"),
])
def test_native_verdicts(stack, language, source, tests, limits, verdict):
    token = submit(stack.url, language=language, source=source, tests=tests, limits=limits)
    body = wait_done(stack.url, token)
    assert body["verdict"] == verdict, body
    if verdict == "CE":
        assert "error" in body["compile_output"] and body["tests"] == []
    elif verdict == "AC":
        assert [t["verdict"] for t in body["tests"]] == ["AC", "AC"]
        assert body["tests"][0]["stdout"] == "3\n" and body["time"] is not None
    elif verdict == "WA":
        assert [t["verdict"] for t in body["tests"]] == ["AC", "WA"]
        assert body["tests"][1]["stdout"] == "4\n"
    else:
        assert body["tests"][0]["verdict"] == verdict


def test_progress_is_stored_as_it_happens(stack):
    program = "import time\nt = time.time()\nwhile time.time() - t < 0.4:\n    pass\nprint(1)\n"
    token = submit(stack.url, language="python3", source=program,
                   tests=[{"stdin": "", "expected": "1"}] * 4)
    seen = []

    def watch():
        body = requests.get(f"{stack.url}/api/v1/submissions/{token}", timeout=10).json()
        step = (body["state"], body["test_index"], len(body["tests"]))
        if not seen or seen[-1] != step:
            seen.append(step)
        return body["state"] == "done"

    wait_until(watch, 60, 0.02, what="judging")
    states = [s for s, _, _ in seen]
    assert states[-1] == "done" and "running" in states
    running = [(i, n) for s, i, n in seen if s == "running"]
    assert len({i for i, _ in running}) >= 3, seen  # test k of 4 went by
    assert all(n == i - 1 or n == i for i, n in running), seen  # results arrive test by test


def test_run_all_goes_on_after_a_failure(stack):
    token = submit(stack.url, language="python3", source=PY_APLUSB, run_all=True,
                   tests=[{"stdin": "1 1", "expected": "3"}, {"stdin": "1 2", "expected": "3"}])
    body = wait_done(stack.url, token)
    assert body["verdict"] == "WA"
    assert [t["verdict"] for t in body["tests"]] == ["WA", "AC"]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize("source, lang, stdin, expected, status", [
    (C_APLUSB, 50, "20 22", "42", 3),
    (PY_APLUSB, 71, "20 22", "41", 4),
    ("int main(void) { return x; }", 50, "", None, 6),
    ("#include <signal.h>\nint main(void){raise(SIGSEGV);}", 50, "", None, 7),
    ("#include <stdlib.h>\nint main(void){abort();}", 50, "", None, 10),
    ("int main(void){return 2;}", 50, "", None, 11),
    ("while True: pass", 71, "", None, 5),
])
def test_judge0_statuses_with_wait(stack, source, lang, stdin, expected, status):
    body = {"source_code": b64(source), "language_id": lang, "stdin": b64(stdin),
            "cpu_time_limit": 1, "wall_time_limit": 3}
    if expected is not None:
        body["expected_output"] = b64(expected)
    response = requests.post(f"{stack.url}/submissions?base64_encoded=true&wait=true",
                             json=body, timeout=60)
    assert response.status_code == 201
    result = response.json()
    assert result["status"]["id"] == status, result
    if status == 6:  # as Judge0: the compiler's words alone, and no message
        compile_output = base64.b64decode(result["compile_output"]).decode()
        assert "error" in compile_output and "judgebox" not in compile_output
        assert result["message"] is None and result["time"] is None
    if status == 3:
        assert base64.b64decode(result["stdout"]) == b"42\n"
        assert float(result["time"]) >= 0 and isinstance(result["memory"], int)
    if status == 11:
        full = requests.get(f"{stack.url}/submissions/{result['token']}?fields=exit_code,"
                            "message", timeout=10).json()
        assert full == {"exit_code": 2, "message": "Exited with error status 2"}


def test_judge0_wait_with_output_that_is_not_utf8_still_gives_the_token(stack):
    """As Judge0: 201 with the token and the error, so the client can fetch it in base64."""
    response = requests.post(f"{stack.url}/submissions?wait=true", json={
        "source_code": "import sys\nsys.stdout.buffer.write(b'\\xff\\xfe\\x00ok')\n",
        "language_id": 71}, timeout=60)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"token", "error"} and "base64_encoded=true" in body["error"]
    again = requests.get(f"{stack.url}/submissions/{body['token']}?base64_encoded=true",
                         timeout=10).json()
    assert base64.b64decode(again["stdout"]) == b"\xff\xfe\x00ok"


def test_judge0_command_line_arguments_and_stderr_redirect(stack):
    source = "import sys\nprint(' '.join(sys.argv[1:]))\nprint('err', file=sys.stderr)\n"
    response = requests.post(f"{stack.url}/submissions?wait=true", json={
        "source_code": source, "language_id": 71, "command_line_arguments": "a 'b c' $HOME",
        "redirect_stderr_to_stdout": True}, timeout=60)
    result = response.json()
    assert result["status"]["id"] == 3, result
    assert result["stdout"] == "a b c $HOME\nerr\n" and result["stderr"] is None


def test_judge0_number_of_runs_runs_the_program_that_often(stack):
    """Each run spins 0.3 s of CPU: four runs take at least 0.9 s more than one, and the
    time reported is one run's (the mean), as Judge0 reports it."""
    spin = ("#include <stdio.h>\n#include <time.h>\nint main(void){clock_t t=clock();"
            "volatile unsigned long n=0;while(clock()-t<CLOCKS_PER_SEC*3/10)n++;puts(\"42\");"
            "return 0;}\n")
    elapsed = {}
    for runs in (1, 4):
        response = requests.post(f"{stack.url}/submissions?wait=true&fields=*", json={
            "source_code": spin, "language_id": 50, "expected_output": "42",
            "number_of_runs": runs}, timeout=60)
        result = response.json()
        assert result["status"]["id"] == 3 and result["number_of_runs"] == runs, result
        assert 0.29 <= float(result["time"]) < 0.6, result
        row = submissions.get(stack.store, result["token"])
        elapsed[runs] = (row.finished_at - row.started_at).total_seconds()
        assert len(row.results) == 1 and row.results[0].time == float(result["time"])
    assert elapsed[4] >= 1.2 and elapsed[4] > elapsed[1] + 0.6, elapsed


def test_judge0_number_of_runs_stops_at_the_first_failure(stack):
    """A wrong answer spinning 0.3 s: five runs would take 1.5 s of CPU; one is made."""
    spin = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3:\n" \
           "    pass\nprint(41)\n"
    response = requests.post(f"{stack.url}/submissions?wait=true", json={
        "source_code": spin, "language_id": 71, "expected_output": "42",
        "number_of_runs": 5}, timeout=60)
    result = response.json()
    assert result["status"]["id"] == 4, result
    row = submissions.get(stack.store, result["token"])
    assert (row.finished_at - row.started_at).total_seconds() < 1.3


@pytest.fixture(scope="module")
def admin_token(stack):
    from worker.store.tokens import create_token

    return create_token(stack.store, "judging-admin", scopes=["admin"])[1]


@pytest.mark.skipif(not (REPO / "examples" / "aplusb" / "problem.yaml").exists(),
                    reason="no example problem")
def test_problem_submissions(stack, admin_token):
    buffer = io.BytesIO()
    root = REPO / "examples" / "aplusb"
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(root.rglob("*")):
            zf.write(path, f"aplusb/{path.relative_to(root)}")
    response = requests.post(f"{stack.url}/api/v1/problems", headers={
        "X-Auth-Token": admin_token}, files={"package": ("aplusb.zip", buffer.getvalue())},
        timeout=30)
    assert response.status_code == 201, response.text
    count = response.json()["test_count"]
    ac = submit(stack.url, language="python3", source=PY_APLUSB, problem="aplusb")
    wa = submit(stack.url, language="c", problem="aplusb",
                source="#include <stdio.h>\nint main(void){puts(\"0\");return 0;}\n")
    body = wait_done(stack.url, ac)
    assert body["verdict"] == "AC", body
    assert len(body["tests"]) == count and body["score"] == body["max_score"]
    assert [t["name"] for t in body["tests"]][0].startswith("sample/")
    body = wait_done(stack.url, wa)
    assert body["verdict"] == "WA" and body["tests"][-1]["verdict"] == "WA"
    assert body["tests"][-1]["checker_message"]  # a sample (the first to fail): shown
    assert not body["tests"][-1]["hidden"]


def test_workers_endpoint_shows_the_worker(stack):
    queues = requests.get(f"{stack.url}/workers", timeout=10).json()
    assert [q["queue"] for q in queues] == ["interactive", "batch"]
    assert queues[0]["available"] == 2 and queues[0]["size"] == 0
    ready = requests.get(f"{stack.url}/readyz", timeout=10)
    assert ready.status_code == 200


# --- programs of several files, Judge0's additional files and Multi-file program ----------

def _zip_b64(files: dict[str, str]) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return base64.b64encode(buffer.getvalue()).decode()


def test_native_files_are_one_program(stack):
    files = [{"name": "main.c", "content": "#include <stdio.h>\n#include \"twice.h\"\n"
              "int main(void) { printf(\"%d\\n\", twice(21)); return 0; }\n"},
             {"name": "twice.h", "content": "int twice(int x);\n"},
             {"name": "twice.c", "content": "int twice(int x) { return 2 * x; }\n"}]
    body = wait_done(stack.url, submit(stack.url, language="c", files=files,
                                       tests=[{"stdin": "", "expected": "42"}]))
    assert body["verdict"] == "AC", body
    assert [f["name"] for f in body["files"]] == ["main.c", "twice.h", "twice.c"]
    # two Python files, none named main.py: the entry point decides which runs
    files = [{"name": "a.py", "content": "import b\nprint(b.X)\n"},
             {"name": "b.py", "content": "X = 'from b'\n"}]
    named = wait_done(stack.url, submit(stack.url, language="python3", files=files,
                                        entry="a.py", tests=[{"stdin": ""}]))
    assert named["verdict"] == "AC" and named["tests"][0]["stdout"] == "from b\n"
    files.reverse()  # unnamed: the first by name runs (DOMjudge's and problemtools' rule)
    unnamed = wait_done(stack.url, submit(stack.url, language="python3", files=files,
                                          tests=[{"stdin": ""}]))
    assert unnamed["verdict"] == "AC" and unnamed["tests"][0]["stdout"] == "from b\n"
    assert "entry point a.py: the first of a.py, b.py by name" in unnamed["compile_output"]


def test_judge0_additional_files_are_there_with_the_source(stack):
    response = requests.post(f"{stack.url}/submissions?wait=true", json={
        "language_id": 50, "stdin": "20 22",
        "source_code": '#include <stdio.h>\n#include "add.h"\nint main(void){int a,b;'
                       'scanf("%d %d",&a,&b);printf("%d\\n",add(a,b));}\n',
        "additional_files": _zip_b64({"add.h": "static int add(int a,int b){return a+b;}\n",
                                      "unused.c": "this is not C and is not compiled\n"})},
        timeout=60)
    assert response.status_code == 201, response.text
    assert response.json()["status"]["id"] == 3 and response.json()["stdout"] == "42\n", \
        response.json()
    python = requests.post(f"{stack.url}/submissions?wait=true", json={
        "language_id": 71, "source_code": "import util\nprint(open('data.txt').read() + "
                                          "util.WORD)\n",
        "additional_files": _zip_b64({"util.py": "WORD = 'box'\n", "data.txt": "in the "})},
        timeout=60).json()
    assert python["stdout"] == "in the box\n", python


def test_judge0_multi_file_program_runs_its_own_scripts_in_the_box(stack):
    files = {"compile": "gcc -O2 -o prog main.c add.c && javac Hi.java\n",
             "run": "./prog && java Hi && python3 -c 'print(sum(range(4)))' && "
                    "awk '/^Uid/ {print $2}' /proc/self/status\n",
             "main.c": "#include <stdio.h>\nint add(int,int);\nint main(void)"
                       "{printf(\"%d\\n\", add(40, 2));return 0;}\n",
             "add.c": "int add(int a, int b) { return a + b; }\n",
             "Hi.java": "class Hi { public static void main(String[] a) { "
                        "System.out.println(\"hi\"); } }\n"}
    response = requests.post(f"{stack.url}/submissions?wait=true&fields=*", json={
        "language_id": 89, "additional_files": _zip_b64(files)}, timeout=120)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"]["id"] == 3, (body["stdout"], body["stderr"], body["message"])
    lines = body["stdout"].split("\n")
    assert lines[:3] == ["42", "hi", "6"] and int(lines[3]) != 0  # a box uid, never root
    assert body["language"]["name"] == "Multi-file program" and body["source_code"] is None
    failed = requests.post(f"{stack.url}/submissions?wait=true", json={
        "language_id": 89, "additional_files": _zip_b64({"compile": "gcc nothing.c\n",
                                                         "run": "true\n"})}, timeout=60)
    assert failed.json()["status"]["id"] == 6 and "nothing.c" in failed.json()["compile_output"]


def test_answer_files_are_judged_on_a_submit_answer_problem(stack, admin_token):
    package = example_zip("squares", root=REPO / "tests/worker/packages/submit_answer")
    response = requests.post(f"{stack.url}/api/v1/problems", headers={
        "X-Auth-Token": admin_token}, files={"package": ("squares.zip", package)}, timeout=30)
    assert response.status_code == 201, response.text
    answers = [{"name": "sample.1.ans", "content": "9\n"},
               {"name": "secret.1.ans", "content": "144\n"},
               {"name": "2-big.ans", "content": "15241578750190521\n"}]
    body = wait_done(stack.url, submit(stack.url, problem="squares", files=answers))
    assert body["verdict"] == "AC" and body["language"] == "answers", body
    assert "3 of 3 tests answered" in body["compile_output"]
    wrong = wait_done(stack.url, submit(stack.url, problem="squares", files=answers[:2]))
    assert wrong["verdict"] == "WA" and wrong["tests"][-1]["verdict"] == "WA"

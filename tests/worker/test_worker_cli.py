"""``judgebox run`` and ``judgebox languages``: the contracts of DESIGN.md, through the real
command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
              pytest.mark.usefixtures("clean_host"), pytest.mark.timeout(120)]

RUN_KEYS = {"status", "exit_code", "signal", "time", "wall_time", "memory", "stdout", "stderr",
            "compile_output", "language"}


def judgebox(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """The command, its standard input a pipe holding ``stdin`` (never this test's own)."""
    return subprocess.run([sys.executable, "-m", "worker.cli", *args], capture_output=True,
                          text=True, timeout=110, env=os.environ.copy(), input=stdin)


@pytest.fixture
def src(tmp_path):
    def write(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write


def test_run_a_plus_b_json(statuses, src):
    source = src("sum.c", '#include <stdio.h>\nint main(void) { long a, b; scanf("%ld %ld", &a,'
                          ' &b); printf("%ld\\n", a + b); return 0; }\n')
    out = judgebox("run", source, "--stdin", src("in.txt", "2 40\n"), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == RUN_KEYS
    assert data["status"] == "OK" and data["stdout"] == "42\n" and data["language"] == "c"
    assert data["exit_code"] == 0 and data["signal"] is None and data["compile_output"] == ""
    assert isinstance(data["time"], float) and isinstance(data["memory"], int)


def test_run_reads_a_piped_stdin_and_stdin_dash(statuses, src):
    """``echo 1 2 | judgebox run sum.py``: a standard input that is not a terminal is the
    program's; ``--stdin -`` says so explicitly; ``--stdin FILE`` wins over a pipe."""
    source = src("sum.py", "a, b = map(int, input().split())\nprint(a + b)\n")
    piped = judgebox("run", source, "--json", stdin="1 2\n")
    assert piped.returncode == 0 and json.loads(piped.stdout)["stdout"] == "3\n", piped.stderr
    dash = judgebox("run", source, "--stdin", "-", "--json", stdin="20 22\n")
    assert dash.returncode == 0 and json.loads(dash.stdout)["stdout"] == "42\n", dash.stderr
    given = judgebox("run", source, "--stdin", src("in.txt", "5 5\n"), "--json", stdin="1 1\n")
    assert json.loads(given.stdout)["stdout"] == "10\n"
    empty = judgebox("run", source, "--json")
    assert json.loads(empty.stdout)["status"] == "RE"  # nothing to read: EOFError


def test_run_compile_error_is_ce_and_exit_0(statuses, src):
    out = judgebox("run", src("bad.py", "def f(:\n"), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == RUN_KEYS
    assert data["status"] == "CE" and data["language"] == "python3"
    assert "SyntaxError" in data["compile_output"] and data["exit_code"] is None


def test_run_limits_and_lang_option(statuses, src):
    # no extension: --lang says which; a 0.3 s time limit; the program's verdict exits 0
    out = judgebox("run", src("spin", "while True: pass\n"), "--lang", "python3",
                   "--time-limit", "0.3", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["status"] == "TLE" and 0.3 <= data["time"] < 0.5
    out = judgebox("run", src("hog.py", "x = bytearray(300 << 20)\nx[::4096] = b'1' * len(x[::4096])\n"),
                   "--memory-limit", "64", "--json")
    assert json.loads(out.stdout)["status"] == "MLE"
    out = judgebox("run", src("loud.py", "print('x' * 100000)\n"), "--output-limit", "10",
                   "--json")
    assert json.loads(out.stdout)["status"] == "OLE"


def test_run_plain_output(statuses, src):
    out = judgebox("run", src("hi.rb", "puts 'hi'\n$stderr.puts 'note'\nexit 3\n"))
    assert out.returncode == 0
    assert out.stdout == "hi\n"
    assert "note" in out.stderr and "RE (exit 3)" in out.stderr and "[ruby]" in out.stderr


@pytest.mark.parametrize("args, words", [
    (["run", "{dir}/x.unknownext"], "--lang"),
    (["run", "{dir}/x.unknownext", "--lang", "intercal"], "unknown language"),
    (["run", "{dir}/missing.c"], "does not exist"),
    (["run", "{dir}/x.unknownext", "--lang", "c", "--time-limit", "0"], "time-limit"),
])
def test_misuse_is_a_one_line_error(src, tmp_path, args, words):
    src("x.unknownext", "int main(void) { return 0; }\n")
    out = judgebox(*[a.format(dir=tmp_path) for a in args])
    assert out.returncode != 0 and out.stdout == ""
    assert words in out.stderr and len(out.stderr.strip().splitlines()) <= 3


def test_languages_json(statuses):
    out = judgebox("languages", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert all(set(entry) == {"id", "name", "version", "enabled"} for entry in data)
    by_id = {entry["id"]: entry for entry in data}
    assert by_id["c"]["enabled"] is True and by_id["c"]["version"]
    assert sum(entry["enabled"] for entry in data) >= 40
    assert [e["id"] for e in data] == sorted(by_id)


def test_languages_table(statuses):
    out = judgebox("languages")
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["id", "name", "version", "enabled"]
    assert any(line.startswith("python3 ") and line.rstrip().endswith("yes") for line in lines)

"""``judgebox sandbox`` and ``judgebox doctor`` as a user runs them (a real process each)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.usefixtures("clean_host"), pytest.mark.timeout(60)]

JUDGEBOX = [sys.executable, "-m", "worker.cli"]
ROOT = Path(__file__).resolve().parents[2]


def judgebox(*args: str, check: bool = True, stdin: str = "") -> subprocess.CompletedProcess:
    out = subprocess.run([*JUDGEBOX, *args], capture_output=True, text=True, cwd=ROOT,
                         timeout=50, input=stdin)
    if check:
        assert out.returncode == 0, out.stderr
    return out


def sandbox_json(*args: str) -> dict:
    out = judgebox("sandbox", "--json", *args)
    data = json.loads(out.stdout)
    assert set(data) == {"status", "exit_code", "signal", "time", "wall_time", "memory",
                         "stdout", "stderr"}
    assert isinstance(data["memory"], int) and isinstance(data["time"], (int, float))
    return data


def test_id_and_root_listing():
    data = sandbox_json("--", "/bin/sh", "-c", "id -u; ls /")
    uid, *root = data["stdout"].split()
    assert data["status"] == "OK" and int(uid) != 0
    assert set(root) <= {"bin", "box", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc",
                         "sbin", "tmp", "usr"}


def test_spinning_program_with_time_limit_1(cc):
    spin = cc("int main(void) { for (;;) ; }", "spin")
    data = sandbox_json("--time-limit", "1", "--ro-bind", f"{spin}:/opt/spin", "--", "/opt/spin")
    assert data["status"] == "TLE" and 1.0 <= data["time"] <= 1.2, data


def test_touching_512_mb_under_memory_limit_256(cc):
    hog = cc("""
        #include <stdlib.h>
        int main(void) {
            volatile char *p = malloc(512u << 20);
            for (unsigned i = 0; i < (512u << 20); i += 4096) p[i] = 1;
            return 0;
        }""", "touch512cli")
    data = sandbox_json("--memory-limit", "256", "--ro-bind", f"{hog}:/opt/hog", "--", "/opt/hog")
    assert data["status"] == "MLE", data


def _prove_pids_limit(cc) -> None:
    """Before any bomb: 20 sleepers under --processes 8 must never exceed 8 at once."""
    prog = cc("""
        #include <stdio.h>
        #include <unistd.h>
        int main(void) {
            int made = 0;
            for (int i = 0; i < 20; i++) { pid_t p = fork(); if (p == 0) { sleep(2); _exit(0); } if (p > 0) made++; }
            printf("%d\\n", made);
            return 0;
        }""", "twenty")
    data = sandbox_json("--processes", "8", "--time-limit", "1", "--wall-time-limit", "1",
                        "--ro-bind", f"{prog}:/opt/p", "--", "/opt/p")
    assert int(data["stdout"]) < 8, data  # the program itself is one of the 8


def test_fork_bomb_under_processes_16_is_contained(cc):
    _prove_pids_limit(cc)
    bomb = cc("#include <unistd.h>\nint main(void) { for (;;) fork(); }", "bomb")
    data = sandbox_json("--processes", "16", "--time-limit", "1", "--wall-time-limit", "2",
                        "--ro-bind", f"{bomb}:/opt/bomb", "--", "/opt/bomb")
    assert data["status"] == "TLE", data
    # clean_host: every bomb process is gone, and so is the cgroup


def test_human_output_and_usage_errors():
    out = judgebox("sandbox", "--", "/bin/echo", "hello")
    assert out.stdout == "hello\n" and out.stderr.startswith("OK (exit 0)")
    bad = judgebox("sandbox", "--memory-limit", "0", "--", "true", check=False)
    assert bad.returncode != 0 and "memory-limit" in bad.stderr
    missing = judgebox("sandbox", "--ro-bind", "/no/such", "--", "true", check=False)
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    se = judgebox("sandbox", "--json", "--", "/no/such/program", check=False)
    assert se.returncode == 1 and json.loads(se.stdout)["status"] == "SE"
    assert "sandbox error" in se.stderr


def test_stdin_option(tmp_path):
    (tmp_path / "in").write_text("21\n")
    data = sandbox_json("--stdin", str(tmp_path / "in"), "--", "sh", "-c", "read x; echo $((x*2))")
    assert data["stdout"] == "42\n"
    out = judgebox("sandbox", "--json", "--stdin", "-", "--", "sh", "-c", "read x; echo $((x+1))",
                   stdin="41\n")
    assert json.loads(out.stdout)["stdout"] == "42\n"
    # without --stdin the box's input is empty, whatever this command's own holds
    out = judgebox("sandbox", "--json", "--", "cat", stdin="not for the box\n")
    assert json.loads(out.stdout)["stdout"] == ""


def test_doctor_reports_every_layer():
    out = judgebox("doctor", "--json")
    checks = {c["name"]: c for c in json.loads(out.stdout)}
    assert set(checks) == {"root", "namespaces", "pivot_root", "seccomp", "box helper", "cgroups",
                           "cpu pinning", "tmpfs large folios"}
    assert all(c["ok"] for c in checks.values()), checks


def test_non_root_is_refused_with_a_clear_error():
    if os.geteuid() != 0:
        pytest.skip("needs root to drop to another user")
    code = ("import os; from worker.cli import main; os.setgid(65534); os.setuid(65534); "
            "main(['sandbox', '--', 'true'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 1 and "root" in out.stderr

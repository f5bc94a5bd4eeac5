"""``judgebox batch`` locally, through the real command line: a folder and a zip with a folder
per submitter give the expected report (CSV and JSON), an interrupted run resumes without
judging again what it finished, and bad inputs are one clear line."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
              pytest.mark.usefixtures("clean_host"), pytest.mark.timeout(180)]

REPO = Path(__file__).resolve().parents[2]
APLUSB = REPO / "examples" / "aplusb"
SUBS = APLUSB / "submissions"

# file -> (its source, the verdict expected; None: not judged, an older file of alice's)
CLASS = {"alice/v1.c": (SUBS / "accepted" / "sum.c", None),
         "alice/v2.py": (SUBS / "wrong_answer" / "difference.py", "WA"),
         "bob/sum.py": (SUBS / "accepted" / "sum.py", "AC"),
         "carol.c": (SUBS / "compile_error" / "missing_semicolon.c", "CE"),
         "dave.c": (SUBS / "time_limit_exceeded" / "spin.c", "TLE"),
         "erin.cpp": (SUBS / "run_time_error" / "abort.cpp", "RE")}
EXPECTED = {name: verdict for name, (_, verdict) in CLASS.items() if verdict}


def judgebox(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "worker.cli", "batch", *args],
                          capture_output=True, text=True, timeout=170, cwd=cwd,
                          env=os.environ.copy())


@pytest.fixture
def folder(tmp_path) -> Path:
    """The class as a folder: alice's v1.c is older than her v2.py."""
    root = tmp_path / "class"
    for name, (path, _) in CLASS.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(path.read_bytes())
    os.utime(root / "alice" / "v1.c", (400_000_000, 400_000_000))  # 1982: zips take it
    return root


def test_folder_csv_report(folder, tmp_path):
    out = tmp_path / "report.csv"
    proc = judgebox(str(APLUSB), str(folder), "--out", str(out), "--time-limit", "0.5")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["submitter", "file", "language", "verdict", "score",
                             "max_score", "time", "memory", "tests", "compile_output"]
    assert {r["file"]: r["verdict"] for r in rows} == EXPECTED
    by = {r["submitter"]: r for r in rows}
    assert by["alice"]["language"] == "python3" and by["erin"]["language"] == "cpp17"
    assert by["bob"]["score"] == "1" and by["bob"]["max_score"] == "1"
    assert by["bob"]["tests"].split() == [
        "sample/1:AC", "sample/2:AC", "secret/01-zero:AC", "secret/02-negative:AC",
        "secret/03-beyond-int32:AC", "secret/04-large:AC"]
    assert by["erin"]["tests"].endswith("secret/01-zero:RE")
    assert "expected" in by["carol"]["compile_output"] and by["carol"]["tests"] == ""
    assert float(by["dave"]["time"]) >= 0.5 and int(by["bob"]["memory"]) > 0
    # the summary: counts per verdict, then the slowest runs (dave's TLE first)
    assert "verdict  count" in proc.stdout and "slowest runs:" in proc.stdout
    slowest = proc.stdout.split("slowest runs:")[1].splitlines()
    assert slowest[2].startswith("dave")
    assert (tmp_path / "report.csv.state").exists()


def test_zip_all_files_json_report(folder, tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(folder.rglob("*")):
            zf.write(path, f"class/{path.relative_to(folder)}")  # one top folder: unwrapped
    out = tmp_path / "report.json"
    proc = judgebox(str(APLUSB), str(archive), "--out", str(out), "--time-limit", "0.5",
                    "--all-files", "-j", "2")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert {r["file"]: r["verdict"] for r in report} == {**EXPECTED, "alice/v1.c": "AC"}
    assert [r["file"] for r in report][:2] == ["alice/v1.c", "alice/v2.py"]
    bob = next(r for r in report if r["submitter"] == "bob")
    assert set(bob) == {"submitter", "file", "language", "verdict", "score", "max_score",
                        "time", "memory", "tests", "compile_output", "message"}
    assert bob["tests"][0] == {"name": "sample/1", "verdict": "AC",
                               "time": bob["tests"][0]["time"],
                               "memory": bob["tests"][0]["memory"]}


def test_newest_file_of_a_zip_comes_from_its_timestamps(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:  # written newest first
        zf.writestr(zipfile.ZipInfo("alice/b.py", (2026, 1, 2, 0, 0, 0)),
                    (SUBS / "accepted" / "sum.py").read_bytes())
        zf.writestr(zipfile.ZipInfo("alice/a.py", (2026, 1, 1, 0, 0, 0)),
                    (SUBS / "wrong_answer" / "difference.py").read_bytes())
    out = tmp_path / "r.csv"
    proc = judgebox(str(APLUSB), str(archive), "--out", str(out), "--time-limit", "1")
    assert proc.returncode == 0, proc.stderr
    assert [(r["file"], r["verdict"]) for r in csv.DictReader(out.open())] == [
        ("alice/b.py", "AC")]


def test_interrupted_run_resumes_without_judging_again(tmp_path):
    root = tmp_path / "spins"
    root.mkdir()
    spin = (SUBS / "time_limit_exceeded" / "spin.c").read_bytes()
    for i in range(6):
        (root / f"s{i}.c").write_bytes(spin + f"/* {i} */\n".encode())
    out = tmp_path / "report.csv"
    state = tmp_path / "report.csv.state"
    proc = subprocess.Popen([sys.executable, "-m", "worker.cli", "batch", str(APLUSB),
                             str(root), "--out", str(out), "--time-limit", "0.4", "-j", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=os.environ.copy())
    try:
        deadline = time.monotonic() + 120
        while not (state.exists() and state.read_text().count("\n") >= 2):
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)  # Ctrl-C: the running judgement ends, is recorded
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "run the same command again to resume" in err
    finished = state.read_text().count("\n")
    assert 2 <= finished < 6
    with state.open("a") as handle:  # a crash while writing leaves a torn line: ignored
        handle.write('{"key": "abc", "resu')
    again = judgebox(str(APLUSB), str(root), "--out", str(out), "--time-limit", "0.4")
    assert again.returncode == 0, again.stderr
    assert f"{finished} of 6 already judged" in again.stderr
    assert again.stderr.count(": TLE") == 6 - finished  # only the others were judged
    rows = list(csv.DictReader(out.open()))
    assert sorted(r["file"] for r in rows) == [f"s{i}.c" for i in range(6)]
    assert {r["verdict"] for r in rows} == {"TLE"}
    # everything judged: a third run judges nothing; another time limit judges again
    third = judgebox(str(APLUSB), str(root), "--out", str(out), "--time-limit", "0.4")
    assert third.returncode == 0 and "6 of 6 already judged" in third.stderr


@pytest.mark.parametrize("setup, message", [
    ("empty", "no submissions found"),
    ("unknown", "no language for alice/notes.txt"),
    ("broken-zip", "neither a folder nor a readable zip archive"),
    ("truncated-zip", "class.zip"),
])
def test_bad_inputs_are_one_clear_line(tmp_path, setup, message):
    target = tmp_path / "class"
    if setup == "empty":
        target.mkdir()
    elif setup == "unknown":
        (target / "alice").mkdir(parents=True)
        (target / "alice" / "notes.txt").write_text("hello\n")
    else:
        target = tmp_path / "class.zip"
        if setup == "broken-zip":
            target.write_bytes(b"this is not a zip\n")
        else:
            with zipfile.ZipFile(target, "w") as zf:
                zf.writestr("alice/a.py", "print(1)\n" * 1000)
            target.write_bytes(target.read_bytes()[:200])
    proc = judgebox(str(APLUSB), str(target), "--out", str(tmp_path / "r.csv"),
                    "--time-limit", "1")
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("judgebox: ") and message in lines[0]
    assert not (tmp_path / "r.csv").exists()


def test_unknown_files_skipped_or_mapped(tmp_path):
    root = tmp_path / "class"
    (root / "alice").mkdir(parents=True)
    (root / "alice" / "sum.py").write_bytes((SUBS / "accepted" / "sum.py").read_bytes())
    (root / "alice" / "README.txt").write_text("my solution\n")
    (root / "bob.txt").write_bytes((SUBS / "accepted" / "sum.py").read_bytes())
    (root / "carol").mkdir()
    (root / "carol" / "notes.md").write_text("todo\n")
    out = tmp_path / "r.csv"
    proc = judgebox(str(APLUSB), str(root), "--out", str(out), "--time-limit", "1",
                    "--skip-unknown")
    assert proc.returncode == 0, proc.stderr
    # alice is judged (her README left aside); bob and carol, with nothing to judge, are
    # listed with the reason: in the report and in the summary
    rows = {r["submitter"]: r for r in csv.DictReader(out.open())}
    assert rows["alice"]["file"] == "alice/sum.py" and rows["alice"]["verdict"] == "AC"
    assert (rows["bob"]["file"], rows["bob"]["verdict"]) == ("bob.txt", "skipped")
    assert rows["bob"]["compile_output"] == "no language for bob.txt"
    assert (rows["carol"]["file"], rows["carol"]["verdict"]) == ("carol", "skipped")
    assert rows["carol"]["compile_output"] == "no language for carol/notes.md"
    assert "skipped  2" in proc.stdout and "no language for carol/notes.md" in proc.stdout
    assert "(2 skipped: no language)" in proc.stdout
    report = tmp_path / "r.json"
    judgebox(str(APLUSB), str(root), "--out", str(report), "--time-limit", "1", "--skip-unknown")
    skipped = [r for r in json.loads(report.read_text()) if r["verdict"] == "skipped"]
    assert [(r["submitter"], r["message"]) for r in skipped] == [
        ("bob", "no language for bob.txt"), ("carol", "no language for carol/notes.md")]
    proc = judgebox(str(APLUSB), str(root), "--out", str(out), "--time-limit", "1",
                    "--lang", "txt=python3", "--all-files", "--skip-unknown")
    assert proc.returncode == 0, proc.stderr
    rows = {r["file"]: r for r in csv.DictReader(out.open())}
    assert rows["bob.txt"]["verdict"] == "AC" and rows["bob.txt"]["language"] == "python3"
    assert rows["alice/README.txt"]["verdict"] == "CE"  # "my solution" is not Python


def test_usage_errors(folder, tmp_path):
    proc = judgebox(str(APLUSB), str(folder), "--out", str(tmp_path / "r.txt"))
    assert proc.returncode == 2 and ".csv or a .json" in proc.stderr
    proc = judgebox(str(APLUSB), str(folder), "--out", str(tmp_path / "r.csv"))
    assert proc.returncode == 1 and "no time limit" in proc.stderr
    proc = judgebox(str(APLUSB), str(folder), "--lang", "intercal", "--time-limit", "1")
    assert proc.returncode == 1 and "unknown language 'intercal'" in proc.stderr


@pytest.mark.parametrize("entries, expected", [
    # one folder named like the zip: the class itself, two loose submissions
    (["class/a.py", "class/b.py"], [("a", "a.py"), ("b", "b.py")]),
    # one folder of files, named otherwise: one submitter
    (["alice/a.py", "alice/b.py"], [("alice", "alice/b.py")]),
    # one folder holding folders: the class
    (["2026/alice/a.py", "2026/bob/b.py"], [("alice", "alice/a.py"), ("bob", "bob/b.py")]),
    # hidden files and __MACOSX are not submissions
    (["bob.py", ".DS_Store", "__MACOSX/._bob.py"], [("bob", "bob.py")]),
])
def test_zip_layouts(tmp_path, entries, expected):
    from worker.core.batch import collect_submissions, open_submissions

    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i, name in enumerate(entries):
            zf.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, i, 0)), "print(1)\n")
    with open_submissions(archive) as root:
        items = collect_submissions(root)
        assert [(i.submitter, i.file) for i in items] == expected


def test_default_report_inside_the_folder_is_not_a_submission(tmp_path):
    root = tmp_path / "class"
    root.mkdir()
    (root / "bob.py").write_bytes((SUBS / "accepted" / "sum.py").read_bytes())
    for run in range(2):  # the second run finds class-report.csv(.state) in the folder
        proc = judgebox(str(APLUSB), ".", "--time-limit", "1", cwd=root)
        assert proc.returncode == 0, proc.stderr
    assert "1 of 1 already judged" in proc.stderr
    rows = list(csv.DictReader((root / "class-report.csv").open()))
    assert [(r["file"], r["verdict"]) for r in rows] == [("bob.py", "AC")]


def _minus_package(dest: Path) -> Path:
    """A copy of aplusb whose answers are a - b (the package "fixed" after a contest)."""
    import shutil

    root = dest / "aminusb"
    shutil.copytree(APLUSB, root)
    for answer in root.rglob("*.ans"):
        a, b = map(int, answer.with_suffix(".in").read_text().split())
        answer.write_text(f"{a - b}\n")
    return root


def test_compare_with_the_report_before_the_package_changed(folder, tmp_path):
    old = tmp_path / "before.csv"
    assert judgebox(str(APLUSB), str(folder), "--out", str(old), "--time-limit", "0.5"
                    ).returncode == 0
    new = tmp_path / "after.json"
    proc = judgebox(str(_minus_package(tmp_path)), str(folder), "--out", str(new),
                    "--time-limit", "0.5", "--compare", str(old))
    assert proc.returncode == 0, proc.stderr
    assert "5 of 5 judged: 3 changed, 2 unchanged" in proc.stdout  # erin fails sample 1 now
    diff = json.loads((tmp_path / "after-diff.json").read_text())
    assert diff["summary"]["transitions"] == {"AC->WA": 1, "RE->WA": 1, "WA->AC": 1}
    rows = {r["submission"]: (r["before"], r["after"], r["changed"])
            for r in diff["submissions"]}
    assert rows == {"alice/v2.py": ("WA", "AC", True), "bob/sum.py": ("AC", "WA", True),
                    "carol.c": ("CE", "CE", False), "dave.c": ("TLE", "TLE", False),
                    "erin.cpp": ("RE", "WA", True)}
    bob = next(r for r in diff["submissions"] if r["submission"] == "bob/sum.py")
    assert bob["before_tests"].startswith("sample/1:AC") and bob["after_tests"] == "sample/1:WA"
    same = judgebox(str(APLUSB), str(folder), "--out", str(old), "--compare", str(old))
    assert same.returncode == 2 and "not the one --out writes" in same.stderr
    (tmp_path / "junk.csv").write_text("what,ever\n1,2\n")
    junk = judgebox(str(APLUSB), str(folder), "--out", str(tmp_path / "x.csv"),
                    "--time-limit", "0.5", "--compare", str(tmp_path / "junk.csv"))
    assert junk.returncode == 1 and "not a judgebox batch report" in junk.stderr

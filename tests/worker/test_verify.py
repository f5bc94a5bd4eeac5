"""``judgebox verify`` on every example problem (each submission gets what its folder says),
a package with a misfiled submission (non-zero exit), and ``judgebox judge``'s outputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from problem_kit import EXAMPLE_NAMES, EXAMPLES, copy_example
from worker.cli import main as judgebox
from worker.core.problem import load_problem
from worker.core.verify import VerifyOptions, verify_problem


def invoke(*args: str):
    return CliRunner(mix_stderr=False).invoke(judgebox, list(args))


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_verify_every_example(name, clean_host):
    result = invoke("verify", str(EXAMPLES / name))
    assert result.exit_code == 0, result.stdout + result.stderr
    problem = load_problem(EXAMPLES / name)
    total = len(problem.submissions)
    assert f"{total} submissions: {total} as expected, 0 mismatched" in result.stdout
    assert "MISMATCH" not in result.stdout


def test_verify_derives_a_missing_time_limit_and_says_so():
    report = verify_problem(load_problem(EXAMPLES / "aplusb"))
    assert report.ok and report.time_limit_from == "derived" and report.time_limit == 1.0
    assert "slowest accepted run" in report.derivation and "time_multiplier" in \
        report.derivation
    by_name = {r.submission.name: r for r in report.reports}
    assert by_name["time_limit_exceeded/spin.c"].verdict == "TLE"
    assert by_name["compile_error/missing_semicolon.c"].verdict == "CE"


def test_verify_reports_a_mismatch(tmp_path):
    root = copy_example(tmp_path, "division")
    shutil.move(root / "submissions/wrong_answer/two_decimals.c",
                root / "submissions/accepted/two_decimals.c")
    (root / "submissions/time_limit_exceeded").mkdir()
    (root / "submissions/time_limit_exceeded/fast.py").write_text("print(1/3)\n")
    (root / "submissions/accepted/notes.xyz").write_text("not a program\n")
    result = invoke("verify", str(root), "--time-limit", "0.5")
    assert result.exit_code == 1
    assert "time limit 0.5 s (from --time-limit)" in result.stdout
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if "/" in line}
    assert "MISMATCH: expected AC" in lines["accepted/two_decimals.c"]
    assert "MISMATCH: expected TLE" in lines["time_limit_exceeded/fast.py"]
    assert "skipped" in lines["accepted/notes.xyz"]
    assert "2 mismatched" in result.stdout


def test_verify_on_a_broken_package_is_one_line(tmp_path):
    root = copy_example(tmp_path, "twosum")
    (root / "output_validators/twosum/validator.cpp").write_text("int main( {\n")
    result = invoke("verify", str(root))
    assert result.exit_code == 1
    assert result.stderr.startswith("judgebox: ") and len(result.stderr.strip().splitlines()) == 1
    assert "validator.cpp: the output validator does not compile" in result.stderr


def test_judge_json():
    result = invoke("judge", str(EXAMPLES / "twosum"),
                    str(EXAMPLES / "twosum/submissions/wrong_answer/zero.py"), "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["verdict"], data["score"], data["max_score"]) == ("WA", 0.0, 1.0)
    assert data["tests"][-1]["checker_message"] == "0 and 2 are not both positive"


def test_judge_table_and_options():
    source = EXAMPLES / "aplusb/submissions/wrong_answer/difference.py"
    result = invoke("judge", str(EXAMPLES / "aplusb"), str(source), "--time-limit", "2",
                    "--all")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].split()[:3] == ["test", "group", "verdict"]
    assert "verdict WA" in result.stdout and "6/6 tests judged, time limit 2 s" in \
        result.stdout


def test_judge_derives_the_time_limit_when_the_package_has_none():
    result = invoke("judge", str(EXAMPLES / "aplusb"),
                    str(EXAMPLES / "aplusb/submissions/accepted/sum.c"), "--json")
    assert result.exit_code == 0
    assert "time limit 1 s (derived" in result.stderr
    assert json.loads(result.stdout)["verdict"] == "AC"


@pytest.mark.parametrize("args, code, message", [
    (["judge", str(EXAMPLES / "aplusb")], 2, "Missing argument"),
    (["judge", str(EXAMPLES / "aplusb"), __file__, "--lang", "intercal"], 1,
     "unknown language 'intercal'"),
    (["judge", str(EXAMPLES / "aplusb"), str(EXAMPLES / "aplusb/problem.yaml")], 1,
     "no language for the extension"),
    (["judge", __file__, __file__], 1, "not a problem package"),
])
def test_judge_errors_are_one_line(args, code, message):
    result = invoke(*args)
    assert result.exit_code == code
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_verify_zipped_package(tmp_path):
    archive = shutil.make_archive(str(tmp_path / "guess"), "zip", EXAMPLES, "guess")
    report = None
    from worker.core.problem import open_problem
    with open_problem(Path(archive)) as problem:
        report = verify_problem(problem, VerifyOptions())
    assert report.ok and len(report.reports) == 5

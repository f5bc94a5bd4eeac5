"""Judging for real in the sandbox: the JSON contract, pass-fail stop rules, scoring groups
(2025-09 and legacy), custom validators with scores, a crashing validator (SE, never WA),
interactive rules, multi-pass problems."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from problem_kit import EXAMPLES, package, write_package
from sandbox import Outcome, Status
from worker.core.checkers import CheckResult
from worker.core.interactive import verdict as interactive_verdict
from worker.core.judging import JudgeOptions, judge
from worker.core.languages import get_language, language_for_file
from worker.core.problem import load_problem

PY = get_language("python3")
TEST_KEYS = ["name", "group", "verdict", "time", "wall_time", "memory", "exit_code", "signal",
             "checker_message"]


def judge_file(problem, path: Path, **options):
    return judge(problem, path.read_bytes(), language_for_file(path.name),
                 JudgeOptions(**options))


def judge_python(problem, code: str, **options):
    options.setdefault("time_limit", 1.0)
    return judge(problem, textwrap.dedent(code).encode(), PY, JudgeOptions(**options))


@pytest.fixture(scope="module")
def aplusb():
    return load_problem(EXAMPLES / "aplusb")


def test_json_contract(aplusb):
    judgement = judge_file(aplusb, EXAMPLES / "aplusb/submissions/accepted/sum.py",
                           time_limit=1.0)
    data = judgement.to_json()
    assert list(data) == ["verdict", "score", "max_score", "time", "memory",
                          "compile_output", "tests"]
    assert (data["verdict"], data["score"], data["max_score"]) == ("AC", 1.0, 1.0)
    assert len(data["tests"]) == 6 and all(list(t) == TEST_KEYS for t in data["tests"])
    first = data["tests"][0]
    assert (first["name"], first["group"], first["exit_code"], first["signal"]) == \
        ("sample/1", "sample", 0, None)
    assert data["time"] == max(t["time"] for t in data["tests"]) and data["memory"] > 0


def test_pass_fail_stops_at_the_first_failure_unless_judge_all(aplusb):
    source = EXAMPLES / "aplusb/submissions/wrong_answer/int32.c"
    first = judge_file(aplusb, source, time_limit=1.0)
    assert first.verdict == "WA" and first.tests[-1].name == "secret/03-beyond-int32"
    assert len(first.tests) == 5 and "String tokens mismatch" in first.tests[-1].checker_message
    every = judge_file(aplusb, source, time_limit=1.0, judge_all=True)
    assert every.verdict == "WA" and len(every.tests) == 6


def test_statuses_become_verdicts(aplusb):
    assert judge_python(aplusb, "while True: pass\n", time_limit=0.2).verdict == "TLE"
    crash = judge_python(aplusb, "raise SystemExit(3)\n")
    assert (crash.verdict, crash.tests[0].exit_code) == ("RE", 3)
    hog = judge_python(aplusb, "x = bytearray(200 * 1024 * 1024)\n")  # the package: 64 MB
    assert hog.verdict == "MLE"
    spew = judge_python(aplusb, "import sys\nwhile True: sys.stdout.write('x' * 65536)\n",
                        output_limit_mb=1)
    assert spew.verdict == "OLE"


def test_compile_error(aplusb):
    judgement = judge_file(aplusb, EXAMPLES / "aplusb/submissions/compile_error/"
                                              "missing_semicolon.c", time_limit=1.0)
    assert (judgement.verdict, judgement.tests, judgement.score) == ("CE", (), 0.0)
    assert "error" in judgement.compile_output


def test_a_time_limit_is_needed(aplusb):
    with pytest.raises(ValueError, match="no time limit"):
        judge(aplusb, b"print(1)\n", PY)


# --- scoring ------------------------------------------------------------------------

def test_scoring_groups():
    problem = load_problem(EXAMPLES / "fibonacci")
    full = judge_file(problem, EXAMPLES / "fibonacci/submissions/accepted/doubling.py")
    assert (full.verdict, full.score, full.max_score) == ("AC", 100.0, 100.0)
    partial = judge_file(problem, EXAMPLES / "fibonacci/submissions/partially_accepted/"
                                             "linear.c")
    assert (partial.verdict, partial.score) == ("TLE", 30.0)
    # group2 stopped at its first failure (a pass-fail group)
    assert [t.name for t in partial.tests][-1] == "secret/group2/02"
    assert [g.to_json() for g in partial.groups] == [
        {"name": "secret", "verdict": "TLE", "score": 30.0, "max_score": 100.0},
        {"name": "secret/group1", "verdict": "AC", "score": 30.0, "max_score": 30.0},
        {"name": "secret/group2", "verdict": "TLE", "score": 0.0, "max_score": 70.0}]
    assert judge_file(load_problem(EXAMPLES / "aplusb"), EXAMPLES / "aplusb/submissions/"
                      "accepted/sum.py", time_limit=1.0).groups == ()  # pass-fail: none


def test_a_group_left_unjudged_says_so(tmp_path):
    """secret is pass-fail: its first failing group stops it, the next is never judged."""
    problem = load_problem(package(tmp_path, {
        "problem.yaml": "problem_format_version: 2025-09\ntype: scoring\n"
                        "limits:\n  time_limit: 1\n",
        "data/secret/1.in": None, "data/secret/1.ans": None,
        "data/secret/test_group.yaml": "score_aggregation: pass-fail\nmax_score: 100\n",
        "data/secret/g1/test_group.yaml": "max_score: 40\n",
        "data/secret/g1/1.in": "1\n", "data/secret/g1/1.ans": "1\n",
        "data/secret/g2/test_group.yaml": "max_score: 60\n",
        "data/secret/g2/1.in": "2\n", "data/secret/g2/1.ans": "2\n"}))
    groups = judge_python(problem, "print(0)\n").groups
    assert [(g.name, g.verdict, g.score, g.max_score) for g in groups] == [
        ("secret", "WA", 0.0, 100.0), ("secret/g1", "WA", 0.0, 40.0),
        ("secret/g2", None, 0.0, 60.0)]


def test_runs_on_the_samples_judge_every_sample_and_nothing_else(aplusb):
    wrong = judge_python(aplusb, "print(0)\n", samples_only=True)
    assert [(t.name, t.verdict) for t in wrong.tests] == [("sample/1", "WA"),
                                                          ("sample/2", "WA")]
    assert (wrong.verdict, wrong.score, wrong.max_score, wrong.message) == \
        ("WA", None, None, "")
    fibonacci = load_problem(EXAMPLES / "fibonacci")
    run = judge_file(fibonacci, EXAMPLES / "fibonacci/submissions/partially_accepted/"
                                           "linear.c", samples_only=True)
    assert (run.verdict, [t.name for t in run.tests], run.groups) == ("AC", ["sample/1"], ())


def test_no_samples_to_run_on_is_a_judge_error(tmp_path):
    problem = load_problem(package(tmp_path, {
        "problem.yaml": "limits:\n  time_limit: 1\n", "data/sample": None}))
    run = judge_python(problem, "print(input())\n", samples_only=True)
    assert (run.verdict, run.tests) == ("SE", ())
    assert "no sample tests" in run.message


def test_output_is_kept_for_feedback_more_of_a_sample(aplusb):
    code = ("import sys\nprint('x' * 5000)\nprint('y' * 5000, file=sys.stderr)\n"
            "sys.stdout.flush()\nsys.stdout.buffer.write(b'\\0\\xff')\n")
    judged = judge_python(aplusb, code, judge_all=True, keep_output_kib=8,
                          keep_hidden_output_kib=1)
    sample, secret = judged.tests[0], judged.tests[2]
    assert sample.stdout == b"x" * 5000 + b"\n\0\xff"  # whole, bytes as printed
    assert sample.stderr == b"y" * 5000 + b"\n"
    assert (secret.group, secret.stdout, secret.stderr) == ("secret", b"x" * 1024, b"y" * 1024)
    assert judge_python(aplusb, code).tests[0].stdout == b""  # judgebox judge keeps none


LEGACY_GROUPS = {
    "problem.yaml": "type: scoring\nlimits:\n  time_limit: 1\n",
    "data/secret/1.in": None, "data/secret/1.ans": None,
    "data/secret/g1/testdata.yaml": "accept_score: 10\n",
    "data/secret/g1/1.in": "1\n", "data/secret/g1/1.ans": "1\n",
    "data/secret/g1/2.in": "2\n", "data/secret/g1/2.ans": "2\n",
    "data/secret/g2/testdata.yaml": "accept_score: 30\ngrader_flags: min\non_reject: continue\n",
    "data/secret/g2/1.in": "3\n", "data/secret/g2/1.ans": "3\n",
    "data/secret/g2/2.in": "4\n", "data/secret/g2/2.ans": "4\n",
}


def test_legacy_scoring_counts_the_samples_as_problemtools_does(tmp_path):
    """problemtools' default grader grades data/ itself over sample and secret: each sample
    test scores accept_score (1) too, and a failed sample stops data/ (on_reject: break)."""
    problem = load_problem(package(tmp_path, LEGACY_GROUPS | {
        "data/sample/1.in": "5\n", "data/sample/1.ans": "5\n"}))
    assert problem.data_scoring is not None and problem.data_scoring.max_score == 51.0
    echo = "print(input())\n"
    assert (judge_python(problem, echo).verdict, judge_python(problem, echo).score) == \
        ("AC", 51.0)
    not_five = judge_python(problem, "n = input()\nprint(n if n != '5' else 0)\n")
    assert (not_five.verdict, not_five.score, len(not_five.tests)) == ("WA", 0.0, 1)
    ignored = load_problem(package(tmp_path / "ignored", LEGACY_GROUPS | {
        "data/sample/1.in": "5\n", "data/sample/1.ans": "5\n",
        "data/testdata.yaml": "on_reject: continue\ngrader_flags: ignore_sample\n",
        # secret would inherit ignore_sample (and grade its last group alone) otherwise
        "data/secret/testdata.yaml": "grader_flags: sum\n"}))
    assert ignored.data_scoring.max_score == 50.0
    graded = judge_python(ignored, "n = input()\nprint(n if n != '5' else 0)\n")
    assert (graded.verdict, graded.score) == ("AC", 50.0)  # the sample's WA is ignored


def test_legacy_scoring(tmp_path):
    root = package(tmp_path, {
        "problem.yaml": "type: scoring\nlimits:\n  time_limit: 1\n",
        "data/sample": None,
        "data/secret/1.in": None, "data/secret/1.ans": None,
        "data/secret/g1/testdata.yaml": "accept_score: 10\n",
        "data/secret/g1/1.in": "1\n", "data/secret/g1/1.ans": "1\n",
        "data/secret/g1/2.in": "2\n", "data/secret/g1/2.ans": "2\n",
        "data/secret/g2/testdata.yaml": "accept_score: 30\ngrader_flags: min\n"
                                        "on_reject: continue\n",
        "data/secret/g2/1.in": "3\n", "data/secret/g2/1.ans": "3\n",
        "data/secret/g2/2.in": "4\n", "data/secret/g2/2.ans": "4\n",
    })
    problem = load_problem(root)
    assert problem.secret.scoring.max_score == 50.0
    echo = "print(input())\n"
    assert judge_python(problem, echo).score == 50.0
    fails_on_4 = judge_python(problem, "n = input()\nprint(n if n != '4' else 0)\n")
    assert (fails_on_4.verdict, fails_on_4.score) == ("WA", 20.0)
    assert [t.score for t in fails_on_4.tests if t.group == "secret/g1"] == [10.0, 10.0]


SCORE_VALIDATOR = textwrap.dedent('''
    import sys
    team = sys.stdin.read().split()
    if team == ["crash"]:
        raise RuntimeError("validator bug")
    if not team or not team[0].isdigit():
        sys.exit(43)
    open(sys.argv[3] + "score.txt", "w").write(team[0] + "\\n")
    sys.exit(42)
''')


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    root = package(tmp_path_factory.mktemp("scored"), {
        "problem.yaml": "problem_format_version: 2025-09\ntype: scoring\n"
                        "limits:\n  time_limit: 1\n",
        "data/secret/2.in": "2\n", "data/secret/2.ans": "2\n",
        "output_validator/validator.py": SCORE_VALIDATOR,
    })
    return load_problem(root)


def test_validator_scores(scored):
    judgement = judge_python(scored, "print(30)\n")
    # secret: sum of two tests, each at most 100 / 2
    assert (judgement.verdict, judgement.score, judgement.max_score) == ("AC", 60.0, 100.0)
    assert [t.score for t in judgement.tests if t.group == "secret"] == [30.0, 30.0]
    too_much = judge_python(scored, "print(80)\n")
    assert too_much.verdict == "SE" and "above the test's maximum" in too_much.message


def test_a_crashing_validator_is_a_judge_error_not_wa(scored):
    judgement = judge_python(scored, "print('crash')\n")
    assert judgement.verdict == "SE"
    assert judgement.tests[0].verdict == "SE" and "exited with code 1" in \
        judgement.tests[0].checker_message
    assert len(judgement.tests) == 1  # judging stopped there


# --- interactive ----------------------------------------------------------------------

def outcome(status: str, **fields) -> Outcome:
    return Outcome(Status(status), **fields)


@pytest.mark.parametrize("sub, check, first, expected", [
    ("OK", "AC", False, "AC"),
    ("OK", "WA", False, "WA"),
    ("TLE", "WA", True, "WA"),     # the validator said WA first: WA whatever happened after
    ("RE", "WA", True, "WA"),
    ("TLE", "WA", False, "TLE"),   # otherwise the submission's failure comes first
    ("RE", "AC", False, "RE"),
    ("RE", "WA", False, "RE"),
    ("MLE", "AC", True, "MLE"),
    ("OK", "SE", False, "SE"),     # a failing validator is a judge error...
    ("TLE", "SE", True, "SE"),
    ("OLE", "SE", False, "OLE"),   # ...unless the submission flooded it past its output limit
    ("OLE", "SE", True, "OLE"),
    ("OLE", "WA", True, "WA"),
])
def test_interactive_verdict_rules(sub, check, first, expected):
    assert interactive_verdict(outcome(sub), CheckResult(check), first) == expected


def test_interactive_runs(clean_host):
    problem = load_problem(EXAMPLES / "guess")
    base = EXAMPLES / "guess/submissions"
    ok = judge_file(problem, base / "accepted/binary_search.py")
    assert ok.verdict == "AC" and "found" in ok.tests[-1].checker_message
    linear = judge_file(problem, base / "wrong_answer/linear_search.py")
    assert linear.verdict == "WA" and "no correct guess" in linear.tests[-1].checker_message
    silent = judge_python(problem, "pass\n")
    assert silent.verdict == "WA" and "stopped after 0 guesses" in \
        silent.tests[0].checker_message


def test_an_endless_line_to_the_validator_is_the_submission_s_ole_not_se(clean_host):
    """What the submission sends the validator is counted and limited as its output is on any
    other problem: an endless line (the validator reads lines) ends in OLE, charged to the
    submission, and the validator never holds more than the limit."""
    problem = load_problem(EXAMPLES / "guess")
    flood = judge_python(problem, """
        import sys
        while True:
            sys.stdout.write("9" * 65536)
    """)
    assert flood.verdict == "OLE", flood.to_json()
    assert flood.tests[0].verdict == "OLE"


TESTLIB_INTERACTOR = textwrap.dedent('''
    # A testlib-style interactor: interactor input tout [answer]; exit 0 ok, 1 wrong answer.
    import sys
    secret = int(open(sys.argv[1]).read())
    print(secret * 2, flush=True)
    reply = sys.stdin.readline().strip()
    open(sys.argv[2], "w").write(reply + "\\n")
    if reply != str(secret * 4):
        print(f"wrong answer expected {secret * 4}, found {reply!r}", file=sys.stderr)
        sys.exit(1)
    print("ok doubled", file=sys.stderr)
''')


def test_testlib_interactor(tmp_path):
    root = package(tmp_path, {
        "problem.yaml": "problem_format_version: 2025-09\ntype: interactive\n"
                        "limits:\n  time_limit: 1\njudgebox:\n  checker: testlib\n",
        "data/sample/1.in": "3\n", "data/sample/1.ans": "\n",
        "data/secret/1.in": "21\n", "data/secret/1.ans": "\n",
        "output_validator/interactor.py": TESTLIB_INTERACTOR,
    })
    problem = load_problem(root)
    ok = judge_python(problem, "print(int(input()) * 2)\n")
    assert ok.verdict == "AC" and ok.tests[-1].checker_message == "ok doubled"
    wrong = judge_python(problem, "print(int(input()) * 3)\n")
    assert wrong.verdict == "WA" and "expected 12, found '18'" in wrong.tests[0].checker_message


# --- multi-pass -----------------------------------------------------------------------

MULTI_PASS_VALIDATOR = textwrap.dedent('''
    import os, sys
    infile, answer, feedback = sys.argv[1:4]
    passes = int(sys.argv[4])
    n = int(open(infile).read())
    team = sys.stdin.read().split()
    state = feedback + "state.txt"   # persists across passes
    number = int(open(state).read()) + 1 if os.path.exists(state) else 1
    open(state, "w").write(str(number))
    with open(feedback + "judgemessage.txt", "a") as f:
        f.write(f"pass {number}: n={n} team={' '.join(team)}\\n")
    if team != [str(n + 1)]:
        sys.exit(43)
    if number < passes:
        open(feedback + "nextpass.in", "w").write(f"{n + 1}\\n")
    sys.exit(42)
''')


def multi_pass(tmp_path: Path, passes: int, asked: int):
    root = package(tmp_path, {
        "problem.yaml": f"problem_format_version: 2025-09\ntype: multi-pass\nlimits:\n"
                        f"  time_limit: 1\n  validation_passes: {passes}\n",
        "data/sample/1.in": None, "data/sample/1.ans": None,
        "data/secret/1.in": "5\n", "data/secret/1.ans": "\n",
        "data/secret/test_group.yaml": f"output_validator_args: ['{asked}']\n",
        "output_validator/validator.py": MULTI_PASS_VALIDATOR,
    }, name=f"multipass{passes}{asked}")
    return load_problem(root)


def test_multi_pass(tmp_path):
    problem = multi_pass(tmp_path, 3, 3)
    assert problem.multi_pass
    ok = judge_python(problem, "print(int(input()) + 1)\n")
    assert ok.verdict == "AC"
    assert ok.tests[0].checker_message.splitlines() == [
        "[pass 3] pass 1: n=5 team=6", "pass 2: n=6 team=7", "pass 3: n=7 team=8"]
    wrong = judge_python(problem, "n = int(input())\nprint(n + 1 if n == 5 else n)\n")
    assert wrong.verdict == "WA" and "pass 2: n=6 team=6" in wrong.tests[0].checker_message


def test_too_many_passes_is_a_judge_error(tmp_path):
    problem = multi_pass(tmp_path, 2, 3)
    judgement = judge_python(problem, "print(int(input()) + 1)\n")
    assert judgement.verdict == "SE" and "validation_passes is 2" in judgement.message


def test_zero_time_limit_from_package_is_used(tmp_path):
    root = write_package(package(tmp_path), {".timelimit": "0.3\n"})
    judgement = judge_python(load_problem(root), "while True: pass\n", time_limit=None)
    assert judgement.verdict == "TLE" and judgement.time_limit == 0.3
    assert 0.3 <= judgement.tests[0].time < 0.5

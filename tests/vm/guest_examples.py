"""A judgement of every example problem (run inside the cgroup v2 guest of tests/vm).

Its name keeps it out of the host's own collection (tests/worker judges the examples there);
the guest names this file on pytest's command line. One accepted submission per problem, in
Python or C (a C one is compiled in a box, in the guest), and a TLE: each problem's checker
kind (default, float tolerance, Kattis validator, testlib checker, interactive) and scoring
are judged on the v2 kernel. The validators compile here too (C++, testlib's included), with
compile limits sized for a machine that emulates every instruction.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from worker.core.compile import CompileLimits
from worker.core.judging import JudgeOptions, judge
from worker.core.languages import language_for_file
from worker.core.problem import open_problem, read_source

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# (problem, submission, expected verdict): every example problem, seconds of CPU allowed
# (Python starts slowly under emulation)
CASES = [
    ("aplusb", "accepted/sum.c", "AC"),
    ("aplusb", "time_limit_exceeded/spin.c", "TLE"),
    ("division", "accepted/divide.py", "AC"),
    ("fibonacci", "accepted/doubling.py", "AC"),
    ("guess", "accepted/binary_search.py", "AC"),
    ("sumlist", "accepted/sum.py", "AC"),
    ("twosum", "accepted/one.py", "AC"),
]
TIME_LIMIT_S = 5.0
COMPILE = CompileLimits(cpu_time_ms=240_000, wall_time_ms=300_000)  # testlib, emulated


def test_every_example_is_here():
    assert {p for p, _, _ in CASES} == {p.name for p in EXAMPLES.iterdir()
                                        if (p / "problem.yaml").is_file()}


@pytest.mark.timeout(600)
@pytest.mark.parametrize("problem,submission,expected", CASES,
                         ids=[f"{p}/{s}" for p, s, _ in CASES])
def test_example(problem, submission, expected, clean_host):
    path = EXAMPLES / problem / "submissions" / submission
    language = language_for_file(str(path))
    with open_problem(EXAMPLES / problem) as package:
        judgement = judge(package, read_source(path, language), language,
                          JudgeOptions(time_limit=TIME_LIMIT_S if expected == "AC" else 1.0,
                                       compile_limits=COMPILE))
    summary = [(t.name, t.verdict, t.time, t.checker_message[:200]) for t in judgement.tests]
    assert judgement.verdict == expected, (judgement.message, judgement.compile_output, summary)
    if expected == "AC":
        assert judgement.tests and judgement.score == judgement.max_score, summary

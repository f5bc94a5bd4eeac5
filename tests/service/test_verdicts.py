"""From a run's outcome to our verdict and Judge0's status id, as Judge0 decides it."""

from __future__ import annotations

import pytest

from sandbox import Outcome, Status
from worker.core.languages import get_language
from worker.core.verdicts import judge0_status, lines_match, run_verdict, tokens_match
from worker.service.pipeline import language_with_options


@pytest.mark.parametrize("outcome, expected, verdict, status, code, signal", [
    (Outcome(Status.OK, 0, stdout=b"3\n"), b"3", "AC", 3, 0, None),
    (Outcome(Status.OK, 0, stdout=b"4\n"), b"3", "WA", 4, 0, None),
    (Outcome(Status.OK, 0, stdout=b"x"), None, "AC", 3, 0, None),
    (Outcome(Status.TLE, None, 9, killed_by="cpu-time"), b"", "TLE", 5, 0, 9),
    (Outcome(Status.RE, None, 11), None, "RE", 7, 0, 11),
    (Outcome(Status.RE, None, 25), None, "RE", 8, 0, 25),
    (Outcome(Status.RE, None, 8), None, "RE", 9, 0, 8),
    (Outcome(Status.RE, None, 6), None, "RE", 10, 0, 6),
    (Outcome(Status.RE, None, 15), None, "RE", 12, 0, 15),
    (Outcome(Status.RE, 3), None, "RE", 11, 3, None),
    (Outcome(Status.MLE, None, 9, oom_killed=True), None, "MLE", 12, 0, 9),
    (Outcome(Status.MLE, 1), None, "MLE", 11, 1, None),   # a runtime's own MemoryError
    (Outcome(Status.OLE, None, 9, killed_by="output"), None, "OLE", 8, 0, 25),
    (Outcome(Status.SE, message="box failed"), None, "SE", 13, None, None),
])
def test_run_verdicts(outcome, expected, verdict, status, code, signal):
    rv = run_verdict(outcome, expected, cpu_limit_s=1.0, checker="lines")
    assert (rv.verdict, rv.judge0_status, rv.exit_code, rv.exit_signal) == \
        (verdict, status, code, signal)


def test_cpu_time_beyond_the_promised_limit_is_tle():
    rv = run_verdict(Outcome(Status.OK, 0, time=1.2, stdout=b"1"), b"1", cpu_limit_s=1.0)
    assert (rv.verdict, rv.judge0_status) == ("TLE", 5)


def test_judge0_comparison_trims_trailing_whitespace_only():
    assert lines_match(b"1 2  \n3\t\n\n\n", b"1 2\n3")
    assert not lines_match(b" 1", b"1")
    assert not lines_match(b"1\n\n2", b"1\n2")
    assert tokens_match(b"1   2\n3\n", b"1 2 3")
    assert not tokens_match(b"1 2", b"1 3")


def test_statuses_of_compile_and_system_errors():
    assert judge0_status("CE", None, None) == 6
    assert judge0_status("SE", None, None) == 13


def test_options_are_argument_lists_with_braces_kept():
    lang = get_language("c")
    changed = language_with_options(lang, "-DX='{source}' -O0", "a 'b c' {heap_mb}")
    assert changed.compile[changed.compile.index("{source}") - 2:][:2] == \
        ("-DX={{source}}", "-O0")
    assert changed.run[-3:] == ("a", "b c", "{{heap_mb}}")
    argv = changed.argv(changed.run, changed.values(b""), 64)
    assert argv[-3:] == ("a", "b c", "{heap_mb}")

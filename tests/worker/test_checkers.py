"""Checkers: Kattis' default validator (a case pinning each rule and flag), the exact compare,
custom Kattis validators and testlib checkers run for real in the sandbox (a crashing
validator is SE, never WA)."""

from __future__ import annotations

import random
import re
import textwrap
import tracemalloc
from pathlib import Path

import pytest

from problem_kit import EXAMPLES
from sandbox import Limits, Outcome, Status
from worker.core.checkers import (CHECKERS, CheckOptions, CheckResult, default as default_module,
                                  get_checker, testlib as testlib_checker)
from worker.core.checkers.default import compare, parse_flags, parse_float
from worker.core.compile import compile_program
from worker.core.languages import get_language
from worker.core.problem import read_source


def default(output: str | bytes, answer: str | bytes, *flags: str):
    out = output.encode() if isinstance(output, str) else output
    ans = answer.encode() if isinstance(answer, str) else answer
    return compare(out, ans, parse_flags(flags))


# --- the default validator ------------------------------------------------------------

@pytest.mark.parametrize("output", ["1 2\n", "1\n2", "  1\t2  \n\n", "\r\n1\x0b2\x0c"])
def test_tokens_any_whitespace_by_default(output):
    assert default(output, "1 2\n").verdict == "AC"


def test_missing_and_extra_tokens_are_wrong():
    missing = default("1\n", "1 2\n")
    assert missing.verdict == "WA" and "User EOF while judge had more output" in missing.message
    extra = default("1 2 3\n", "1 2\n")
    assert extra.verdict == "WA" and "Trailing output" in extra.message
    assert "user output was empty" in default("", "1\n").message
    assert "contained no tokens" in default(" \n", "1\n").message


def test_line_numbers_in_the_message():
    result = default("1\n2\n4\n", "1\n2\n3\n")
    assert result.message.startswith("Wrong answer on line 3 of output (corresponding to "
                                     "line 3 in answer file)")


def test_case_insensitive_unless_case_sensitive():
    assert default("YES\n", "yes\n").verdict == "AC"
    assert default("YES\n", "yes\n", "case_sensitive").verdict == "WA"
    assert default("yes\n", "yes\n", "case_sensitive").verdict == "AC"
    # only ASCII letters fold (strcasecmp in the C locale)
    assert default("\u00c9\n", "\u00e9\n").verdict == "WA"


def test_space_change_sensitive():
    assert default("1  2\n", "1 2\n").verdict == "AC"
    for output in ("1  2\n", "1 2", " 1 2\n", "1\t2\n", "1 2\n\n"):
        result = default(output, "1 2\n", "space_change_sensitive")
        assert result.verdict == "WA" and "Space change error" in result.message, output
    assert default("1 2\n", "1 2\n", "space_change_sensitive").verdict == "AC"


def test_float_absolute_tolerance():
    flags = ("float_absolute_tolerance", "1e-6")
    assert default("1.0000009\n", "1\n", *flags).verdict == "AC"
    assert default("1.000002\n", "1\n", *flags).verdict == "WA"
    # absolute only: a large number's relative closeness does not help
    assert default("1000000000.5\n", "1000000000\n", *flags).verdict == "WA"


def test_float_relative_tolerance():
    flags = ("float_relative_tolerance", "1e-6")
    assert default("1000000000.5\n", "1000000000\n", *flags).verdict == "AC"
    # relative only: a tiny answer leaves almost no room
    assert default("0.0000002\n", "0.0000001\n", *flags).verdict == "WA"


def test_float_tolerance_is_either():
    flags = ("float_tolerance", "1e-6")
    assert default("1000000000.5\n", "1000000000\n", *flags).verdict == "AC"  # relative
    assert default("0.0000009\n", "0.0000001\n", *flags).verdict == "AC"      # absolute
    assert default("1.01\n", "1\n", *flags).verdict == "WA"


def test_both_tolerances_accept_within_either():
    flags = ("float_absolute_tolerance", "1e-3", "float_relative_tolerance", "1e-9")
    assert default("5.0009\n", "5\n", *flags).verdict == "AC"
    assert default("5.002\n", "5\n", *flags).verdict == "WA"


def test_float_formats_and_non_numbers():
    flags = ("float_tolerance", "1e-6")
    assert default("3.14000000e-2\n", "0.0314\n", *flags).verdict == "AC"
    assert default("3\n", "3.0000001\n", *flags).verdict == "AC"   # integers are numbers too
    assert default("+.5\n", "0.5\n", *flags).verdict == "AC"
    for bad in ("abc", "inf", "nan", "0x1p0", "1e400", "1,5"):
        result = default(f"{bad}\n", "1\n", *flags)
        assert result.verdict == "WA" and "Expected float" in result.message, bad
    # an answer token that is not a number compares as a string
    assert default("yes 1.0000001\n", "YES 1\n", *flags).verdict == "AC"
    assert parse_float(b"1e400") is None and parse_float(b"-2.5E+3") == -2500.0


def test_numbers_compare_as_strings_without_tolerance():
    assert default("1.0\n", "1\n").verdict == "WA"
    assert default("1\n", "1\n").verdict == "AC"


# The default validator as it was written first (the whole output split into a list): the
# oracle the streaming comparison must agree with, message for message.
_SPLIT = re.compile(rb"([^ \t\n\v\f\r]+)")


def reference_compare(output: bytes, answer: bytes, flags) -> CheckResult:
    judge_parts, team_parts = _SPLIT.split(answer), _SPLIT.split(output)
    judge_line = team_line = 1

    def wrong(reason: str) -> CheckResult:
        return CheckResult("WA", f"Wrong answer on line {team_line} of output (corresponding "
                                 f"to line {judge_line} in answer file)\n{reason}")

    for index in range(0, max(len(judge_parts), len(team_parts))):
        judge = judge_parts[index] if index < len(judge_parts) else None
        team = team_parts[index] if index < len(team_parts) else None
        if index % 2 == 0:
            if flags.space_change_sensitive and judge is not None and team != judge:
                after = team_parts[index + 1][:1] if index + 1 < len(team_parts) else b""
                return wrong(default_module._space_error(judge, (team or b"") + after))
            judge_line += (judge or b"").count(b"\n")
            team_line += (team or b"").count(b"\n")
            continue
        if judge is None:
            return wrong(f"Trailing output:\n{default_module._show(team or b'')}")
        if team is None:
            if index > 1:
                return wrong(f"User EOF while judge had more output\n(Next judge token: "
                             f"{default_module._show(judge)})")
            what = "was empty" if not output else "contained no tokens"
            return wrong(f"User EOF while judge had more output; user output {what}.\n"
                         f"(Next judge token: {default_module._show(judge)})")
        error = default_module._token_error(judge, team, flags)
        if error:
            return wrong(error)
    return CheckResult("AC")


def _random_text(rng: random.Random, tokens: list[bytes]) -> bytes:
    spaces = [b" ", b"  ", b"\n", b"\r\n", b"\t", b" \n ", b"\x0b", b"\x0c", b" " * 9]
    out = [rng.choice(spaces) if rng.random() < 0.2 else b""]
    for token in tokens:
        out += [token, rng.choice(spaces)]
    if rng.random() < 0.3:
        out.pop()
    return b"".join(out)


def _mutated(rng: random.Random, tokens: list[bytes]) -> list[bytes]:
    tokens = list(tokens)
    what = rng.randrange(6)
    if what == 0 and tokens:
        tokens[rng.randrange(len(tokens))] = rng.choice([b"x", b"1.0000001", b"2.5", b"ABC"])
    elif what == 1 and tokens:
        del tokens[rng.randrange(len(tokens)):]
    elif what == 2:
        tokens += [b"extra"] * rng.randrange(1, 3)
    elif what == 3:
        tokens = [t.upper() for t in tokens]
    elif what == 4 and tokens:
        i = rng.randrange(len(tokens))
        tokens[i] = tokens[i] + b"0"
    return tokens


@pytest.mark.parametrize("block", [1, 2, 3, 5, 64, 1 << 16])
def test_streaming_default_agrees_with_the_whole_output_split(monkeypatch, block):
    """Random answers and outputs (the same tokens with other whitespace, a token changed,
    cut short, extended, upper-cased, a float written otherwise), under every flag set, with
    blocks as small as one byte: the verdict and the message are the first version's."""
    monkeypatch.setattr(default_module, "_BLOCK", block)
    rng = random.Random(block)
    words = [b"1", b"yes", b"Yes", b"2.5", b"2.50", b"-3e2", b"abc", b"12345678901234", b"0.1"]
    flag_sets = [(), ("case_sensitive",), ("space_change_sensitive",),
                 ("float_tolerance", "1e-6"), ("float_absolute_tolerance", "0.5",
                                               "space_change_sensitive", "case_sensitive")]
    for _ in range(300):
        tokens = [rng.choice(words) for _ in range(rng.randrange(0, 12))]
        answer = _random_text(rng, tokens)
        output = _random_text(rng, _mutated(rng, tokens) if rng.random() < 0.7 else tokens)
        if rng.random() < 0.1:
            output = answer
        for flags in flag_sets:
            parsed = parse_flags(flags)
            want = reference_compare(output, answer, parsed)
            assert compare(output, answer, parsed) == want, (output, answer, flags)
            if not flags:
                assert default_module.same_tokens(output, answer) == (output.split() ==
                                                                 answer.split())
                lines = [line.rstrip() for line in output.split(b"\n")]
                wanted = [line.rstrip() for line in answer.split(b"\n")]
                while lines and not lines[-1]:
                    lines.pop()
                while wanted and not wanted[-1]:
                    wanted.pop()
                assert default_module.same_lines(output, answer) == (lines == wanted), \
                    (output, answer)


def test_the_default_validator_holds_no_token_list(tmp_path):
    """4 MB of two-byte tokens (1.4 million): the check allocates at most a few MB above
    the output itself (it held every token before: about 100 MB here, 1.5 GB for 64 MB), and
    the answer file is mapped, not read whole. bench/checkers.py measures 64 MB."""
    output = b"ab " * ((4 << 20) // 3)
    answer = tmp_path / "big.ans"
    answer.write_bytes(output.replace(b" ", b"\n"))
    check = get_checker("default")
    for flags, verdict in (((), "AC"), (("space_change_sensitive",), "WA"),
                           (("float_tolerance", "1e-6"), "AC")):
        tracemalloc.start()
        try:
            result = check(output, answer, CheckOptions(flags=flags))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert result.verdict == verdict, (flags, result)
        assert peak < 4 << 20, (flags, peak)
    wrong = output[:-3] + b"ac "
    tracemalloc.start()
    try:
        result = check(wrong, answer, CheckOptions())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.verdict == "WA" and peak < 4 << 20
    assert f"line 1 of output (corresponding to line {(4 << 20) // 3} in" in result.message
    lines = output.replace(b" ", b"\n")
    spaced = lines[:1 << 20].replace(b"\n", b" \n")  # each line trimmed: slower, 1 MB is enough
    tracemalloc.start()
    try:
        assert default_module.same_tokens(output, lines) and default_module.same_lines(lines, lines)
        assert default_module.same_lines(spaced, lines[:1 << 20])
        assert not default_module.same_lines(output, lines)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20


@pytest.mark.parametrize("flags", [("bogus",), ("float_tolerance",),
                                   ("float_tolerance", "x"), ("float_tolerance", "-1"),
                                   ("float_tolerance", "1e-6", "float_absolute_tolerance", "1"),
                                   ("float_relative_tolerance", "1", "float_relative_tolerance",
                                    "2")])
def test_bad_flags_are_a_judge_error(tmp_path, flags):
    answer = tmp_path / "a.ans"
    answer.write_text("1\n")
    result = get_checker("default")(b"1\n", answer, CheckOptions(flags=flags))
    assert result.verdict == "SE"


def test_exact_compare(tmp_path):
    answer = tmp_path / "a.ans"
    answer.write_bytes(b"1 2\n")
    check = get_checker("exact")
    assert check(b"1 2\n", answer, CheckOptions()).verdict == "AC"
    for output in (b"1 2", b"1  2\n", b"1 2\n\n", b"1 3\n"):
        assert check(output, answer, CheckOptions()).verdict == "WA"


def test_lines_checker_is_judge0s_comparison(tmp_path):
    answer = tmp_path / "a.ans"
    answer.write_bytes(b"1 2\n3\n")
    check = get_checker("lines")
    for output in (b"1 2\n3\n", b"1 2  \n3\t\n\n\n", b"1 2\n3"):
        assert check(output, answer, CheckOptions()) == CheckResult("AC"), output
    for output in (b" 1 2\n3\n", b"1  2\n3\n", b"1 2\n\n3\n", b"1 2 3\n"):
        assert check(output, answer, CheckOptions()) == CheckResult("WA"), output


def test_registry_lists_every_checker():
    assert sorted(CHECKERS) == ["default", "exact", "kattis", "lines", "testlib"]
    with pytest.raises(KeyError):
        get_checker("nope")


# --- custom Kattis validators, in the sandbox -----------------------------------------

VALIDATOR = textwrap.dedent('''
    import os, sys, time
    infile, ansfile, feedback = sys.argv[1:4]
    flags = sys.argv[4:]
    team = sys.stdin.read().strip()
    expected = open(ansfile).read().strip()
    def message(text):
        with open(feedback + "judgemessage.txt", "w") as f:
            f.write(text)
    if team == "accept":
        message("fine " + open(infile).read().strip() + " " + " ".join(flags))
        sys.exit(42)
    if team == "score":
        open(feedback + "score.txt", "w").write("7.5\\n")
        sys.exit(42)
    if team == "badscore":
        open(feedback + "score.txt", "w").write("lots\\n")
        sys.exit(42)
    if team == "reject":
        message("expected " + expected)
        open(feedback + "teammessage.txt", "w").write("try again")
        sys.exit(43)
    if team == "reject-with-score":
        open(feedback + "score.txt", "w").write("1\\n")
        sys.exit(43)
    if team == "exit0":
        sys.exit(0)
    if team == "crash":
        raise RuntimeError("validator bug")
    if team == "signal":
        os.kill(os.getpid(), 9)
    if team == "loop":
        while True:
            pass
    if team == "symlink":
        os.symlink("/etc/shadow", feedback + "judgemessage.txt")
        sys.exit(43)
    sys.exit(43)
''')


@pytest.fixture(scope="module")
def kattis_validator(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("validator")
    program = compile_program(get_language("python3"), VALIDATOR.encode(), workdir)
    assert program.ok, program.report()
    return program, workdir


def run_kattis(kattis_validator, output: str, flags=(), cpu_ms: int = 5000):
    program, workdir = kattis_validator
    infile, answer = workdir / "t.in", workdir / "t.ans"
    infile.write_text("input-42\n")
    answer.write_text("the answer\n")
    options = CheckOptions(flags=flags, input=infile, program=program, workdir=workdir,
                           limits=Limits(cpu_time_ms=cpu_ms, wall_time_ms=2 * cpu_ms,
                                         memory_kib=256 * 1024))
    return get_checker("kattis")(output.encode(), answer, options)


def test_kattis_validator_accepts_and_reads_its_files(kattis_validator):
    result = run_kattis(kattis_validator, "accept", ("case_sensitive", "x"))
    assert result.verdict == "AC"
    assert result.message == "fine input-42 case_sensitive x"


def test_kattis_validator_rejects_with_messages(kattis_validator):
    result = run_kattis(kattis_validator, "reject")
    assert (result.verdict, result.message, result.team_message) == \
        ("WA", "expected the answer", "try again")


def test_kattis_validator_score(kattis_validator):
    result = run_kattis(kattis_validator, "score")
    assert (result.verdict, result.score) == ("AC", 7.5)


@pytest.mark.parametrize("output", ["exit0", "crash", "signal", "badscore",
                                    "reject-with-score"])
def test_a_failing_validator_is_a_judge_error_never_wa(kattis_validator, output, clean_host):
    result = run_kattis(kattis_validator, output)
    assert result.verdict == "SE", result


def test_a_validator_past_its_time_limit_is_a_judge_error(kattis_validator):
    result = run_kattis(kattis_validator, "loop", cpu_ms=300)
    assert result.verdict == "SE" and "time limit" in result.message


def test_feedback_links_are_not_followed(kattis_validator):
    result = run_kattis(kattis_validator, "symlink")
    assert result.verdict == "WA"
    assert "root:" not in result.message  # /etc/shadow was not read through the link


# --- testlib checkers -----------------------------------------------------------------

@pytest.fixture(scope="module")
def testlib_program(tmp_path_factory):
    """The sumlist example's checker (judgebox's minimal testlib-compatible header)."""
    source = EXAMPLES / "sumlist" / "output_validators" / "checker" / "checker.cpp"
    language = get_language("cpp17")
    program = compile_program(language, read_source(source, language),
                              tmp_path_factory.mktemp("testlib"))
    assert program.ok, program.report()
    return program


def run_testlib(program, tmp_path: Path, output: str, answer: str = "6\n"):
    infile, ans = tmp_path / "t.in", tmp_path / "t.ans"
    infile.write_text("3\n1 2 3\n")
    ans.write_text(answer)
    options = CheckOptions(input=infile, program=program, workdir=tmp_path,
                           limits=Limits(cpu_time_ms=5000, memory_kib=256 * 1024))
    return get_checker("testlib")(output.encode(), ans, options)


def test_testlib_checker_verdicts(testlib_program, tmp_path):
    ok = run_testlib(testlib_program, tmp_path, "6\n")
    assert ok.verdict == "AC" and ok.message.startswith("ok")
    wrong = run_testlib(testlib_program, tmp_path, "7\n")
    assert wrong.verdict == "WA" and "expected 6, found 7" in wrong.message
    presentation = run_testlib(testlib_program, tmp_path, "six\n")
    assert presentation.verdict == "WA" and "presentation error" in presentation.message
    extra = run_testlib(testlib_program, tmp_path, "6 6\n")
    assert extra.verdict == "WA" and "Extra information" in extra.message


def test_testlib_fail_is_a_judge_error(testlib_program, tmp_path):
    # the jury's answer file is broken: testlib says FAIL (exit 3)
    result = run_testlib(testlib_program, tmp_path, "6\n", answer="oops\n")
    assert result.verdict == "SE" and "FAIL" in result.message


@pytest.mark.parametrize("code, stderr, verdict, score, multiplier", [
    (0, b"ok fine", "AC", None, None),
    (1, b"wrong answer no", "WA", None, None),
    (2, b"wrong output format", "WA", None, None),
    (4, b"dirt", "WA", None, None),
    (8, b"unexpected eof", "WA", None, None),
    (3, b"FAIL jury", "SE", None, None),
    (7, b"points 2.5 partial", "AC", 2.5, None),
    (7, b"0.75", "AC", 0.75, None),
    (7, b"no number", "SE", None, None),
    (66, b"", "AC", None, 0.5),
    (5, b"", "SE", None, None),
])
def test_testlib_exit_codes(code, stderr, verdict, score, multiplier):
    outcome = Outcome(Status.OK if code == 0 else Status.RE, exit_code=code, stderr=stderr)
    result = testlib_checker.interpret(outcome)
    assert (result.verdict, result.score, result.score_multiplier) == \
        (verdict, score, multiplier)


def test_testlib_checker_killed_is_a_judge_error():
    outcome = Outcome(Status.RE, signal=11)
    assert testlib_checker.interpret(outcome).verdict == "SE"
    assert testlib_checker.interpret(Outcome(Status.TLE, signal=9)).verdict == "SE"

"""Packages as they exist in the wild (issue 16): a fixture package of our own for each thing
the reference examples of the Kattis and DOMjudge formats do, and one that mixes them.

Each is verified through ``judgebox verify --json`` (every labelled submission gets its label;
the ones judgebox cannot judge are skipped with the reason), and the rules behind them are
checked one by one: DOMjudge's tags, ``domjudge-problem.ini``, problemtools' grader, the
default output limit, programs of several files, Java packages, 2025-09 constants, included
files and ``submissions.yaml``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from worker.cli import main as judgebox
from worker.core.languages import get_language, java_main_class
from worker.core.problem import load_problem, parse_domjudge_ini, substitute_constants
from worker.core.problem.submissions import _annotation, glob_matches
from worker.core.sources import SourceError, SourceFiles, entry_file, language_of, read_zip

PACKAGES = Path(__file__).parent / "packages"

# package -> (as expected, skipped with the reason in the note)
EXPECTED = {
    "sample_only": (2, {}),
    "tags": (6, {"check_manually/manual.py": "CHECK-MANUALLY"}),
    "multipass_draft": (2, {}),
    "domjudge_ini": (1, {}),
    "legacy_scoring": (3, {}),
    "output_limit": (3, {}),
    "multifile": (6, {}),
    "java_package": (3, {}),
    "format_2025": (6, {}),
    "mixed": (4, {"run_time_error/py2.py": "Python 2"}),
    "submit_answer": (4, {}),
}


def invoke(*args: str):
    return CliRunner(mix_stderr=False).invoke(judgebox, list(args))


def verify_json(name: str) -> dict:
    result = invoke("verify", "--json", str(PACKAGES / name))
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_labelled_submission_gets_its_label(name, clean_host):
    report = verify_json(name)
    ok, skipped = EXPECTED[name]
    assert report["counts"] == {"ok": ok, "mismatch": 0, "error": 0,
                                "skipped": len(skipped)}, report
    for entry in report["submissions"]:
        if entry["status"] == "skipped":
            assert skipped[entry["name"]] in entry["note"]
        else:
            assert entry["got"] is not None and entry["time"] is not None
    assert report["ok"] is True


def test_verify_json_has_expected_got_and_time(clean_host):
    report = verify_json("tags")
    by_name = {s["name"]: s for s in report["submissions"]}
    slow = by_name["multiple/slow_or_wrong.py"]
    assert (slow["expected"], slow["got"], slow["expected_from"]) == ("TLE/WA", "TLE", "tag")
    assert slow["time"] >= 1.0 and report["time_limit"] == 1.0
    # the tag listed the folder's own result: the folder's result alone is expected
    assert by_name["accepted/either.py"]["expected"] == "AC"
    assert by_name["run_time_error/alias.c"]["got"] == "RE"


# --- 1. samples only -----------------------------------------------------------------------

def test_a_package_with_only_samples_is_judged_on_them_and_says_so(clean_host):
    problem = load_problem(PACKAGES / "sample_only")
    assert problem.sample_only and [c.name for c in problem.cases] == ["sample/1", "sample/2"]
    result = invoke("judge", str(PACKAGES / "sample_only"),
                    str(PACKAGES / "sample_only/submissions/accepted/echo.py"))
    assert result.exit_code == 0, result.stderr
    assert "no secret test data: judged on its samples" in result.stdout
    assert "verdict AC" in result.stdout


# --- 2. tags -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, results, problem", [
    (b"// @EXPECTED_RESULTS@: CORRECT\n", ("CORRECT",), ""),
    (b"# @expected_results@:   run_time_error , ACCEPTED   \n", ("RUN-ERROR", "CORRECT"), ""),
    (b"/* @EXPECTED_RESULTS@: WRONG_ANSWER */\n", ("WRONG-ANSWER",), ""),
    (b"the @EXPECTED_RESULTS@ tag, in prose\n", None, ""),
    (b"@EXPECTED_RESULTS@: CORRECT\n@EXPECTED_RESULTS@: CORRECT\n", None, "twice"),
    (b"@EXPECTED_SCORE@: 42\n", None, ""),
])
def test_tags_are_read_by_domjudges_rules(text, results, problem):
    found = _annotation(text)
    if results is None and not problem and b"SCORE" not in text:
        assert found is None
        return
    assert found is not None and problem in found.problem
    assert found.results == results
    if b"SCORE" in text:
        assert found.score == 42.0


def test_judging_one_source_reads_no_other_tag(tmp_path, clean_host):
    """A tag judgebox does not know, in another file, stops nothing."""
    result = invoke("judge", "--json", str(PACKAGES / "tags"),
                    str(PACKAGES / "tags/submissions/accepted/prose.py"))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["verdict"] == "AC"


# --- 3, 4. multi-pass in 2023-07-draft; domjudge-problem.ini --------------------------------

def test_draft_multi_pass_and_domjudge_ini():
    assert load_problem(PACKAGES / "multipass_draft").multi_pass
    problem = load_problem(PACKAGES / "domjudge_ini")
    assert (problem.limits.time_limit, problem.limits.time_limit_from) == \
        (2.0, "domjudge-problem.ini")
    settings = parse_domjudge_ini(PACKAGES / "domjudge_ini/domjudge-problem.ini")
    assert settings["short_name"] == "echo" and settings["name"] == "Echo"
    assert settings["externalid"] == "echo-1" and settings["special_compare"] == ""


# --- 5. problemtools' grader ---------------------------------------------------------------

def test_legacy_groups_are_graded_as_problemtools_grades_them(clean_host):
    problem = load_problem(PACKAGES / "legacy_scoring")
    assert problem.legacy_grading and problem.data_scoring.ignore_sample
    assert problem.data_scoring.max_score == 100.0
    by_name = {s["name"]: s for s in verify_json("legacy_scoring")["submissions"]}
    # accept_if_any_accepted: one subtask passed is AC, with its 50 points
    assert (by_name["partially_accepted/small.py"]["got"],
            by_name["partially_accepted/small.py"]["score"]) == ("AC", 50.0)
    assert by_name["wrong_answer/zero.py"]["score"] == 0.0


# --- 6. the default output limit -----------------------------------------------------------

def test_the_default_output_limit_is_the_formats_8_mib(clean_host):
    by_name = {s["name"]: s for s in verify_json("output_limit")["submissions"]}
    assert by_name["accepted/seven_mb.py"]["got"] == "AC"
    assert by_name["output_limit/ten_mb.py"]["got"] == "OLE"


# --- 7. programs of several files ----------------------------------------------------------

def test_judge_takes_a_directory_or_several_files(clean_host):
    base = PACKAGES / "multifile/submissions/accepted"
    for args in ([str(base / "cpp")],
                 [str(base / "python/solve.py"), str(base / "python/greeting.py")],
                 ["--entry", "start.js", str(base / "js")]):
        result = invoke("judge", "--json", str(PACKAGES / "multifile"), *args)
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["verdict"] == "AC", args


def test_without_an_entry_point_the_first_file_by_name_runs_and_it_is_said(clean_host):
    result = invoke("judge", "--json", str(PACKAGES / "multifile"),
                    str(PACKAGES / "multifile/submissions/wrong_answer/two_mains"))
    judgement = json.loads(result.stdout)
    assert judgement["verdict"] == "WA"  # a.py ran: it prints "a"
    assert "entry point a.py: the first of a.py, b.py by name" in judgement["compile_output"]
    # nothing to decide: nothing said; a named entry point is taken as it is
    named = invoke("judge", "--json", "--entry", "b.py", str(PACKAGES / "multifile"),
                   str(PACKAGES / "multifile/submissions/wrong_answer/two_mains"))
    assert "entry point" not in json.loads(named.stdout)["compile_output"]


def test_entry_points_are_decided_as_domjudge_and_kattis_do():
    python = get_language("python3")
    main_guard = SourceFiles((("lib.py", b"x = 1\n"),
                              ("run.py", b"if __name__ == '__main__':\n    pass\n")))
    assert entry_file(python, main_guard) == ("run.py", "")
    dunder = SourceFiles((("__main__.py", b""), ("lib.py", b"")))
    assert entry_file(python, dunder)[0] == "__main__.py"
    named = SourceFiles((("a.py", b""), ("b.py", b"")), entry="b.py")
    assert entry_file(python, named)[0] == "b.py"
    pascal = SourceFiles((("unit1.pas", b"unit unit1;\n"), ("hello.pp", b"program hello;\n")))
    assert entry_file(get_language("pascal"), pascal)[0] == "hello.pp"
    # problemtools: a file named main.* is the main file
    assert entry_file(python, SourceFiles((("a.py", b""), ("Main.py", b""))))[0] == "Main.py"
    # undecided: the first by name (DOMjudge's $1, problemtools' src[0]), with a note
    first, note = entry_file(get_language("javascript"),
                             SourceFiles((("module.js", b""), ("hello.js", b""))))
    assert first == "hello.js" and "the first of hello.js, module.js by name" in note
    assert entry_file(python, SourceFiles((("a.py", b""),), entry="nope.py"))[0] is None
    with pytest.raises(Exception, match="several languages"):
        language_of(SourceFiles((("a.c", b""), ("b.py", b""))))


def test_a_zip_of_files_and_bad_names(tmp_path):
    import io
    import zipfile
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("prog/main.py", "print(1)\n")
        zf.writestr("prog/util.py", "x = 1\n")
    files = read_zip(buffer.getvalue())
    assert files.names == ["main.py", "util.py"]
    for bad in ("../x.py", "a/b.py", ".hidden", "with space.py", "..", "a\0b.py", "",
                "x" * 256, "/etc/passwd"):
        with pytest.raises(SourceError):
            SourceFiles(((bad, b""),))
    assert SourceFiles((("x" * 255, b"\0\xff"),)).files == (("x" * 255, b"\0\xff"),)
    with pytest.raises(SourceError, match="share one name"):
        SourceFiles((("a.py", b""), ("a.py", b"")))


@pytest.mark.parametrize("entries, why", [
    ({"a/b/c.py": b""}, "in a directory"),
    ({"../evil.py": b""}, "in a directory"),
    ({"ok.py": b"", "sub/two.py": b""}, "in a directory"),
    ({"a.py": b"1", "b.py": b"2", "dir/": b""}, None),      # a directory entry is skipped
    ({"__MACOSX/._a.py": b"", "a.py": b""}, None),
    ({"bad name.py": b""}, "bad file name"),
])
def test_zip_entries_are_checked(entries, why):
    import io
    import zipfile

    from worker.core.sources import zip_files
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    if why is None:
        assert [n for n, _ in zip_files(buffer.getvalue(), strip_folder=False)] == \
            [n for n in entries if not n.endswith("/") and not n.startswith("__MACOSX")]
    else:
        with pytest.raises(SourceError, match=why):
            zip_files(buffer.getvalue(), strip_folder=False)
    with pytest.raises(SourceError, match="not a readable zip"):
        zip_files(b"PK\x03\x04 not really")


def test_a_zip_that_unpacks_beyond_its_cap_is_refused():
    import io
    import zipfile

    from worker.core.sources import zip_files
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.txt", b"0" * (2 * 1024 * 1024))
    assert len(buffer.getvalue()) < 10_000
    with pytest.raises(SourceError, match="more than 1048576 bytes"):
        zip_files(buffer.getvalue(), max_bytes=1024 * 1024)


# --- 8. Java packages ----------------------------------------------------------------------

def test_java_package_declarations_name_the_class_in_full():
    values = java_main_class(b"package bin;\nclass Main { public static void main(String[] a) {} }")
    assert values["main_class"] == "bin.Main" and values["main_class_file"] == "bin/Main.class"
    assert java_main_class(b"/* x */ package a . b ;\npublic class Deep {\n"
                           b"static public void main(String[] a) {} }")["main_class"] == "a.b.Deep"


# --- 9. the 2025-09 format's features ------------------------------------------------------

def test_constants_included_files_and_submissions_yaml(clean_host):
    problem = load_problem(PACKAGES / "format_2025")
    assert dict(problem.constants) == {"offset": "7", "offset.value": "7", "offset.tex": "7"}
    assert substitute_constants(b"{{offset}} {{offset.tex}} {{other}}",
                                problem.constants) == b"7 7 {{other}}"
    assert [name for name, _ in problem.includes("python3")] == ["offset.py"]
    assert [name for name, _ in problem.includes("php")] == ["offset.txt"]
    by_name = {s.name: s for s in problem.submissions}
    assert by_name["accepted/two_files"].entry == "run.py"
    slow = by_name["time_limit_exceeded/slow_on_two.py"]
    assert [r.tests for r in slow.rules] == [None, "secret/1", "secret/2"]
    assert glob_matches("secret/*", "secret/2") and glob_matches("{a,b}.py", "b.py")
    assert not glob_matches("secret/*", "sample/1")


def test_batch_judges_a_submitters_folder_as_one_program(tmp_path, clean_host):
    import shutil
    base = PACKAGES / "multifile/submissions/accepted"
    shutil.copytree(base / "python", tmp_path / "class/alice")
    shutil.copytree(base / "cpp", tmp_path / "class/bob")
    report = tmp_path / "report.json"
    result = invoke("batch", str(PACKAGES / "multifile"), str(tmp_path / "class"),
                    "--multi-file", "--out", str(report))
    assert result.exit_code == 0, result.stdout + result.stderr
    rows = json.loads(report.read_text())
    assert [(r["submitter"], r["language"], r["verdict"]) for r in rows] == \
        [("alice", "python3", "AC"), ("bob", "cpp17", "AC")]


# --- submit-answer problems (2025-09) ------------------------------------------------------

def test_answer_files_are_named_by_their_test(clean_host):
    from worker.core.judging import answer_names, match_answers
    problem = load_problem(PACKAGES / "submit_answer")
    names = answer_names(problem)
    # sample/1 and secret/1 share a base name: only the full name tells them apart
    assert names["sample/1"][:2] == ["sample.1.ans", "sample.1.out"] and "1.ans" not in \
        names["sample/1"]
    assert "2-big.ans" in names["secret/2-big"] and "secret.2-big" in names["secret/2-big"]
    found, note = match_answers(problem, SourceFiles((("sample.1.ans", b"9\n"),
                                                      ("2-big", b"x"), ("extra.py", b""))))
    assert found == {"sample/1": b"9\n", "secret/2-big": b"x"}
    assert "2 of 3 tests answered" in note and "extra.py" in note


def test_judge_takes_answer_files_and_says_which_test_lacks_one(clean_host):
    base = PACKAGES / "submit_answer"
    result = invoke("judge", "--json", "--all", str(base),
                    str(base / "submissions/wrong_answer/missing"))
    assert result.exit_code == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert [t["verdict"] for t in report["tests"]] == ["AC", "AC", "WA"]
    assert "no answer file" in report["tests"][2]["checker_message"]
    assert "not the answer of any test (ignored): README" in report["compile_output"]
    # a program is still judged as a program, and --lang answers is only for such problems
    ran = invoke("judge", "--json", str(base), str(base / "submissions/accepted/solve.py"))
    assert json.loads(ran.stdout)["verdict"] == "AC" and json.loads(ran.stdout)["memory"] > 0
    refused = invoke("judge", "--lang", "answers", str(PACKAGES / "sample_only"),
                     str(base / "problem.yaml"))
    assert refused.exit_code == 2 and "not a submit-answer problem" in refused.stderr


# --- .pl: Perl to DOMjudge, Prolog to Kattis, told apart by content -------------------------

PROLOG = b"% reads two numbers\n:- initialization(main).\n\nmain :-\n    read(X), write(X), nl.\n"
PERL = b"# @EXPECTED_RESULTS@: CORRECT\nprint \"Hello world!\\n\";\nmy $x = <STDIN>;\nexit;\n"


def test_a_pl_file_is_perl_or_prolog_by_what_it_holds(tmp_path):
    from worker.core.languages import LanguageError
    from worker.core.problem.sources import looks_like_prolog, prolog_language
    assert looks_like_prolog(PROLOG) and looks_like_prolog(b"solve(X, Y) :- Y is X * 2.\n")
    assert not looks_like_prolog(PERL)
    assert not looks_like_prolog(b"#!/usr/bin/perl\n$a = $b ? 1 :-1;\n:- x\n")
    (tmp_path / "perl.pl").write_bytes(PERL)
    (tmp_path / "main.pl").write_bytes(PROLOG)
    (tmp_path / "lib.pl").write_bytes(b":- module(lib, []).\n")
    assert prolog_language([tmp_path / "perl.pl"]) is None
    assert prolog_language([tmp_path / "x.c"]) is None
    try:  # judgebox has a Prolog (issue 18), or says it has none
        found = prolog_language([tmp_path / "main.pl", tmp_path / "lib.pl"])
        assert "Prolog" in found.name
    except LanguageError as exc:
        assert "Prolog" in str(exc) and "main.pl, lib.pl" in str(exc)


# --- submissions.yaml: use_for_time_limit, group scores -------------------------------------

@pytest.mark.timeout(600)  # timing: re-run alone before believing a failure (a loaded host
def test_time_limit_inference_and_group_scores_of_submissions_yaml(clean_host):  # kills by wall)
    from worker.core.verify import lower_bound, upper_bound
    problem = load_problem(PACKAGES / "timelimit_2025")
    by_name = {s.name: s for s in problem.submissions}
    # which submissions bound the limit, and from which side (the format's inference)
    assert [lower_bound(by_name[n]) for n in ("accepted/fast.py", "wrong_answer/off.py",
                                              "partially_accepted/slow.py",
                                              "other/opted_out.py", "other/spin.py")] == \
        [True, True, True, False, False]
    assert upper_bound(by_name["other/spin.py"]) and upper_bound(by_name["other/barely.py"])
    slow = {r.tests: r for r in by_name["partially_accepted/slow.py"].rules}
    assert slow["secret/group1"].time_limit == "lower" and \
        slow["secret/group2"].time_limit == "upper" and slow["secret/group2"].score == (0, 0)
    report = verify_json("timelimit_2025")
    assert report["counts"] == {"ok": 6, "mismatch": 0, "error": 0, "skipped": 0}, report
    assert report["time_limit"] == 1.0 and report["time_limit_from"] == "derived"
    assert "bounding it from below" in report["derivation"]
    assert "opted_out" not in report["derivation"]
    # barely.py times out at 1 s but not at 1.5 s (time_limit_to_tle): the only warning
    assert [w.split(" ")[0] for w in report["warnings"]] == ["other/barely.py"], report
    assert "time_limit_to_tle" in report["warnings"][0]


def test_a_group_score_rule_checks_that_groups_score():
    from worker.core.judging import Judgement
    from worker.core.problem.model import Rule, Submission
    from worker.core.verify import _compare_rules
    judgement = Judgement("TLE", 40.0, 100.0, group_scores={
        "secret": 40.0, "secret/group1": 40.0, "secret/group2": 0.0})
    submission = Submission("x.py", PACKAGES, "other", frozenset())

    def problem_of(*rules):
        import dataclasses
        return _compare_rules(dataclasses.replace(submission, rules=rules), judgement).note

    assert problem_of(Rule("secret/group1", score=(40, 40)), Rule(None, score=(40, 40))) == ""
    assert problem_of(Rule("secret/group2", score=(1, 60))) == \
        "score of secret/group2 0 outside [1, 60]"
    # a glob over both groups checks each; one that names no group is the package's mistake
    assert "secret/group2 0 outside" in problem_of(Rule("secret/group*", score=(40, 40)))
    assert problem_of(Rule("secret/nope", score=(0, 1))).startswith("score on secret/nope")

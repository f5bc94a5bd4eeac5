"""Problem packages: every example loads into the one model; zips are extracted safely; every
kind of broken package raises PackageError naming the file and what is wrong."""

from __future__ import annotations

import os
import stat
import warnings
import zipfile
from pathlib import Path

import pytest

from problem_kit import EXAMPLE_NAMES, EXAMPLES, copy_example, package, write_package
from worker.core.judging import prepare_checker
from worker.core.languages import get_language
from worker.core.problem import (ArchiveLimits, PackageError, derive_time_limit, load_problem,
                                 open_problem, read_source)
from worker.core.problem.model import ProblemLimits

# --- the examples -----------------------------------------------------------------------

def test_examples_are_all_here():
    assert set(EXAMPLE_NAMES) >= {"aplusb", "division", "twosum", "sumlist", "guess",
                                  "fibonacci"}


def test_legacy_aplusb():
    problem = load_problem(EXAMPLES / "aplusb")
    assert (problem.name, problem.format, problem.legacy, problem.type) == \
        ("A plus B", "legacy", True, "pass-fail")
    assert problem.limits.time_limit is None and problem.limits.memory_mb == 64
    assert [c.name for c in problem.cases][:3] == ["sample/1", "sample/2", "secret/01-zero"]
    assert problem.validator.kind == "default"
    by_name = {s.name: s for s in problem.submissions}
    assert by_name["accepted/sum.py"].expected == {"AC"}
    assert by_name["run_time_error/abort.cpp"].expected == {"RE", "MLE"}
    tagged = by_name["rejected/exits_nonzero.py"]
    assert tagged.expected == {"RE", "MLE", "WA"} and tagged.expected_from == "tag"


def test_division_flags_from_test_group_yaml():
    problem = load_problem(EXAMPLES / "division")
    assert problem.format == "2025-09" and problem.limits.time_limit == 1.0
    assert all(c.validator_args == ("float_tolerance", "1e-6") for c in problem.cases)


def test_twosum_custom_validator_and_timelimit_file():
    problem = load_problem(EXAMPLES / "twosum")
    assert problem.validator.kind == "kattis"
    assert problem.validator.source.name == "validator.cpp"
    assert (problem.limits.time_limit, problem.limits.time_limit_from) == (1.0, ".timelimit")


def test_sumlist_testlib_and_guess_interactive():
    assert load_problem(EXAMPLES / "sumlist").validator.kind == "testlib"
    guess = load_problem(EXAMPLES / "guess")
    assert guess.interactive and guess.validator.source.name == "validator.py"


def test_fibonacci_groups_and_scores():
    problem = load_problem(EXAMPLES / "fibonacci")
    assert problem.scoring and problem.secret.scoring.max_score == 100
    assert problem.secret.scoring.aggregation == "sum"
    groups = problem.secret.groups
    assert [(g.name, g.scoring.aggregation, g.scoring.max_score) for g in groups] == \
        [("secret/group1", "pass-fail", 30), ("secret/group2", "pass-fail", 70)]
    assert problem.submissions[1].partial


# --- archives ---------------------------------------------------------------------------

def zip_dir(directory: Path, archive: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(directory.rglob("*")):
            zf.write(path, prefix + str(path.relative_to(directory)))
    return archive


@pytest.mark.parametrize("prefix, suffix", [("aplusb/", ".zip"), ("", ".kpp")])
def test_zipped_package(tmp_path, prefix, suffix):
    archive = zip_dir(EXAMPLES / "aplusb", tmp_path / f"aplusb{suffix}", prefix)
    with open_problem(archive) as problem:
        assert problem.short_name == "aplusb" and len(problem.cases) == 6
        root = problem.root
        assert (root / "data" / "secret" / "04-large.ans").read_text() == "1\n"
    assert not root.exists()  # extracted into a temporary directory, gone afterwards


def bad_zip(tmp_path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate on purpose
        zf.writestr("problem.yaml", "name: x\n")
        for info, data in entries:
            zf.writestr(info, data)
    return archive


def symlink_entry(name: str, target: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize("entries, reason", [
    ([("/etc/evil", b"x")], "absolute path"),
    ([("data/../../evil", b"x")], "'..'"),
    ([("..\\evil", b"x")], "backslash"),
    ([(symlink_entry("data/link", "/etc/shadow"), b"/etc/shadow")], "symbolic link"),
    ([("a.txt", b"1"), ("a.txt", b"2")], "appears twice"),
])
def test_unsafe_archives_are_refused(tmp_path, entries, reason):
    archive = bad_zip(tmp_path, entries)
    with pytest.raises(PackageError) as info:
        with open_problem(archive):
            pass
    assert info.value.path == str(archive) and reason in info.value.reason
    assert not (tmp_path / "evil").exists() and not Path("/etc/evil").exists()


@pytest.mark.parametrize("entries, inner", [
    ([("x/readme.txt", b"hi")], "x/problem.yaml: missing"),
    ([("p/problem.yaml", b"name: [unclosed\n")], "p/problem.yaml"),
    ([("p/problem.yaml", b"name: P\n"), ("p/data/secret/.keep", b"")], "p/data/secret"),
])
def test_a_broken_package_in_a_zip_is_named_after_the_zip(tmp_path, entries, inner):
    """Not the temporary folder it was unpacked to (a /tmp path no one can look at)."""
    archive = tmp_path / "broken.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, data in entries:
            zf.writestr(name, data)
    with pytest.raises(PackageError) as info:
        with open_problem(archive):
            pass
    assert str(info.value).startswith(f"{archive}: {inner}"), str(info.value)
    assert "judgebox-package-" not in str(info.value)
    # and while judging: a failure raised inside the ``with`` is named so too
    with pytest.raises(PackageError) as info:
        with open_problem(zip_dir(EXAMPLES / "aplusb", tmp_path / "ok.zip", "aplusb/")) as ok:
            raise PackageError(ok.root / "output_validators", f"{ok.root} is odd")
    assert str(info.value) == f"{tmp_path / 'ok.zip'}: aplusb/output_validators: " \
                              f"{tmp_path / 'ok.zip'}: aplusb is odd"


def test_archive_size_caps(tmp_path):
    archive = bad_zip(tmp_path, [("data/big", b"0" * 100_000)])
    with pytest.raises(PackageError, match="more than"):
        with open_problem(archive, ArchiveLimits(max_total_bytes=10_000)):
            pass
    with pytest.raises(PackageError, match="larger than"):
        with open_problem(archive, ArchiveLimits(max_file_bytes=10_000)):
            pass
    with pytest.raises(PackageError, match="entries"):
        with open_problem(archive, ArchiveLimits(max_entries=1)):
            pass


def test_not_a_zip(tmp_path):
    archive = tmp_path / "p.zip"
    archive.write_bytes(b"not a zip")
    with pytest.raises(PackageError, match="not a readable zip"):
        with open_problem(archive):
            pass


# --- broken packages: one clear error each ---------------------------------------------

BROKEN = [
    ({"problem.yaml": None}, "problem.yaml", "missing"),
    ({"problem.yaml": "name: [unclosed\n"}, "problem.yaml", "invalid YAML"),
    ({"problem.yaml": "- a list\n"}, "problem.yaml", "must be a YAML mapping"),
    ({"problem.yaml": "problem_format_version: 1999\n"}, "problem.yaml",
     "unknown problem_format_version"),
    ({"problem.yaml": "problem_format_version: 2025-09\ntype: pass-fail scoring\n"},
     "problem.yaml", "cannot go together"),
    ({"problem.yaml": "problem_format_version: 2025-09\ntype: quiz\n"}, "problem.yaml",
     "unknown type"),
    ({"problem.yaml": "type: scoring\nvalidation: sometimes\n"}, "problem.yaml",
     "validation must be"),
    ({"problem.yaml": "limits:\n  time_limit: fast\n"}, "problem.yaml",
     "limits.time_limit must be a number"),
    ({"problem.yaml": "limits:\n  memory: -5\n"}, "problem.yaml", "limits.memory"),
    ({"problem.yaml": "validation: custom\n"}, "output_validators", "missing"),
    ({"problem.yaml": "judgebox:\n  checker: magic\n"}, "problem.yaml", "judgebox.checker"),
    ({"data/secret/2.in": "1\n"}, "data/secret/2.in", "without an answer file"),
    ({"data/secret/3.ans": "1\n"}, "data/secret/3.ans", "without an input file"),
    ({"data/secret": None, "data/sample": None}, "data/secret", "missing"),
    ({"data/secret/1.in": None, "data/secret/1.ans": None, "data/secret/README": "x",
      "data/sample": None}, "data/secret", "no test cases"),
    ({".timelimit": "soon\n"}, ".timelimit", "positive number"),
    ({"domjudge-problem.ini": "timelimit = -1\n"}, "domjudge-problem.ini", "timelimit"),
    ({"domjudge-problem.ini": "this is not ini\n"}, "domjudge-problem.ini", "key = value"),
    ({"data/secret/testdata.yaml": "on_reject: sometimes\n"}, "data/secret/testdata.yaml",
     "on_reject"),
    ({"data/secret/testdata.yaml": "grading: custom\n"}, "data/secret/testdata.yaml",
     "not supported"),
    ({"data/secret/testdata.yaml": "accept_score: 5\n"}, "data/secret/testdata.yaml",
     "only for scoring problems"),
    ({"problem.yaml": "validation: custom\n", "output_validators/v/a.cpp": "",
      "output_validators/v/b.cpp": ""}, "output_validators/v", "several source files"),
    ({"problem.yaml": "validation: custom\n", "output_validators/v/build": "make\n",
      "output_validators/v/a.cpp": ""}, "output_validators/v", "build/run scripts"),
    ({"data/secret/1.files/x": "1\n"}, "data/secret/1.files", ".files directories"),
]


@pytest.mark.parametrize("changes, where, reason", BROKEN,
                         ids=[f"{b[1]}:{b[2]}" for b in BROKEN])
def test_broken_packages(tmp_path, changes, where, reason):
    root = package(tmp_path, changes)
    with pytest.raises(PackageError) as info:
        load_problem(root)
    assert info.value.path == str(root / where)
    assert reason in info.value.reason, info.value.reason


def test_new_format_group_errors(tmp_path):
    base = {"problem.yaml": "problem_format_version: 2025-09\ntype: scoring\n",
            "data/secret/1.in": None, "data/secret/1.ans": None,
            "data/secret/g1/1.in": "1\n", "data/secret/g1/1.ans": "1\n"}
    root = package(tmp_path, base)
    with pytest.raises(PackageError, match="needs a max_score") as info:
        load_problem(root)
    assert info.value.path.endswith("data/secret/g1/test_group.yaml")
    write_package(root, {"data/secret/g1/test_group.yaml": "max_score: 100\n",
                         "data/secret/2.in": "1\n", "data/secret/2.ans": "1\n"})
    with pytest.raises(PackageError, match="both test cases and test groups"):
        load_problem(root)
    write_package(root, {"data/secret/2.in": None, "data/secret/2.ans": None,
                         "data/sample/test_group.yaml": "max_score: 5\n"})
    with pytest.raises(PackageError, match="only apply to the secret groups"):
        load_problem(root)


def test_symlinks_must_stay_inside(tmp_path):
    root = package(tmp_path)
    outside = tmp_path / "outside.in"
    outside.write_text("1 1\n")
    os.symlink(outside, root / "data" / "secret" / "9.in")
    (root / "data" / "secret" / "9.ans").write_text("2\n")
    with pytest.raises(PackageError, match="leads outside the package"):
        load_problem(root)
    (root / "data" / "secret" / "9.in").unlink()
    os.symlink("1.in", root / "data" / "secret" / "9.in")  # inside: fine
    assert len(load_problem(root).secret.cases) == 2


def test_a_validator_that_does_not_compile(tmp_path):
    root = package(tmp_path, {"problem.yaml": "validation: custom\n",
                              "output_validators/v/v.cpp": "int main( {\n"})
    problem = load_problem(root)
    with pytest.raises(PackageError, match="does not compile") as info:
        prepare_checker(problem, tmp_path / "work")
    assert info.value.path == str(root / "output_validators/v/v.cpp")


# --- settings of the several layouts --------------------------------------------------

def test_domjudge_ini_and_precedence(tmp_path):
    root = package(tmp_path, {"domjudge-problem.ini": "probid = A\nname = 'x'\n"
                                                      "timelimit = '2.5'\n"})
    assert load_problem(root).limits.time_limit == 2.5
    write_package(root, {".timelimit": "3\n"})
    assert load_problem(root).limits.time_limit_from == ".timelimit"
    write_package(root, {"problem.yaml": "limits:\n  time_limit: 4\n"})
    assert (load_problem(root).limits.time_limit, load_problem(root).limits.time_limit_from) \
        == (4.0, "problem.yaml")


def test_legacy_inheritance_and_flags(tmp_path):
    root = package(tmp_path, {
        "problem.yaml": "type: scoring\nvalidator_flags: case_sensitive\n",
        "data/testdata.yaml": "output_validator_flags: float_tolerance 1e-3\n"
                              "grader_flags: min\naccept_score: 10\non_reject: continue\n",
        "data/secret/1.in": None, "data/secret/1.ans": None,
        "data/secret/g/testdata.yaml": "accept_score: 25\n",
        "data/secret/g/1.in": "1\n", "data/secret/g/1.ans": "1\n",
        "data/secret/g/2.in": "1\n", "data/secret/g/2.ans": "1\n",
    })
    problem = load_problem(root)
    group = problem.secret.groups[0]
    assert group.cases[0].validator_args == ("case_sensitive", "float_tolerance", "1e-3")
    assert (group.scoring.aggregation, group.scoring.accept_score, group.scoring.on_reject,
            group.scoring.max_score) == ("min", 25.0, "continue", 25.0)
    assert problem.secret.scoring.max_score == 25.0  # min over its one group


def test_2023_07_scoring_dictionary(tmp_path):
    root = package(tmp_path, {
        "problem.yaml": "problem_format_version: 2023-07-draft\ntype: scoring\n",
        "data/secret/1.in": None, "data/secret/1.ans": None,
        "data/secret/a/testdata.yaml": "scoring:\n  score: 40\n  aggregation: sum\n",
        "data/secret/a/1.in": "1\n", "data/secret/a/1.ans": "1\n",
        "data/secret/b/testdata.yaml": "scoring:\n  score: 60\n",
        "data/secret/b/x/1.in": "1\n", "data/secret/b/x/1.ans": "1\n",
    })
    problem = load_problem(root)
    a, b = problem.secret.groups
    assert (a.scoring.aggregation, a.scoring.max_score) == ("sum", 40)
    assert (b.scoring.aggregation, b.scoring.max_score) == ("pass-fail", 60)
    assert [c.name for c in b.cases] == ["secret/b/x/1"]  # a directory inside a group


def test_case_yaml_arguments(tmp_path):
    root = package(tmp_path, {
        "problem.yaml": "problem_format_version: 2025-09\n",
        "data/secret/test_group.yaml": "output_validator_args: [case_sensitive]\n",
        "data/secret/1.yaml": "output_validator_args: [space_change_sensitive]\n"
                              "args: [--fast]\n",
        "data/secret/2.in": "1\n", "data/secret/2.ans": "1\n",
    })
    one, two = load_problem(root).secret.cases
    assert (one.validator_args, one.args) == (("space_change_sensitive",), ("--fast",))
    assert two.validator_args == ("case_sensitive",)


@pytest.mark.parametrize("legacy, slowest, expected", [
    (True, 0.01, 1.0), (True, 0.25, 1.0), (True, 0.3, 2.0), (True, 1.0, 5.0),
    (False, 0.01, 1.0), (False, 0.3, 1.0), (False, 1.2, 3.0),
])
def test_derived_time_limits(legacy, slowest, expected):
    problem = load_problem(EXAMPLES / ("aplusb" if legacy else "division"))
    assert derive_time_limit(problem, slowest) == expected


def test_time_resolution(tmp_path):
    root = package(tmp_path, {"problem.yaml": "problem_format_version: 2025-09\nlimits:\n"
                                              "  time_resolution: 0.5\n  time_multipliers:\n"
                                              "    ac_to_time_limit: 3\n"})
    problem = load_problem(root)
    assert isinstance(problem.limits, ProblemLimits)
    assert derive_time_limit(problem, 0.7) == 2.5


def test_local_headers_are_inlined(tmp_path):
    write_package(tmp_path, {"main.cpp": '#include <cstdio>\n#include "a.h"\nint main() '
                                         '{ return f(); }\n',
                             "a.h": '#pragma once\n#include "b.h"\ninline int f() '
                                    '{ return g(); }\n',
                             "b.h": "inline int g() { return 0; }\n"})
    source = read_source(tmp_path / "main.cpp", get_language("cpp17")).decode()
    assert "#include <cstdio>" in source and '#include "' not in source
    assert source.index("int g()") < source.index("int f()") < source.index("int main()")
    assert '#line 3 "main.cpp"' in source


def test_copy_helper_keeps_examples_pristine(tmp_path):
    copy = copy_example(tmp_path, "aplusb")
    assert (copy / "problem.yaml").read_text() == (EXAMPLES / "aplusb" /
                                                  "problem.yaml").read_text()

"""Judge0 language ids: each runs what Judge0 CE runs under it (a Clang id runs Clang) and is
named as Judge0 CE names it, with our version; the ids that cannot be had are the documented
ones (docs/languages.md)."""

from __future__ import annotations

import re

import pytest

from worker.core.languages import all_languages
from worker.service import judge0

# Judge0 CE's names: 43-89 from its db/languages/active.rb (1.13.1), 90-105 as the hosted
# Judge0 CE lists them.
JUDGE0_CE = {
    43: "Plain Text", 44: "Executable", 45: "Assembly (NASM 2.14.02)", 46: "Bash (5.0.0)",
    47: "Basic (FBC 1.07.1)", 48: "C (GCC 7.4.0)", 49: "C (GCC 8.3.0)", 50: "C (GCC 9.2.0)",
    51: "C# (Mono 6.6.0.161)", 52: "C++ (GCC 7.4.0)", 53: "C++ (GCC 8.3.0)",
    54: "C++ (GCC 9.2.0)", 55: "Common Lisp (SBCL 2.0.0)", 56: "D (DMD 2.089.1)",
    57: "Elixir (1.9.4)", 58: "Erlang (OTP 22.2)", 59: "Fortran (GFortran 9.2.0)",
    60: "Go (1.13.5)", 61: "Haskell (GHC 8.8.1)", 62: "Java (OpenJDK 13.0.1)",
    63: "JavaScript (Node.js 12.14.0)", 64: "Lua (5.3.5)", 65: "OCaml (4.09.0)",
    66: "Octave (5.1.0)", 67: "Pascal (FPC 3.0.4)", 68: "PHP (7.4.1)",
    69: "Prolog (GNU Prolog 1.4.5)", 70: "Python (2.7.17)", 71: "Python (3.8.1)",
    72: "Ruby (2.7.0)", 73: "Rust (1.40.0)", 74: "TypeScript (3.7.4)", 75: "C (Clang 7.0.1)",
    76: "C++ (Clang 7.0.1)", 77: "COBOL (GnuCOBOL 2.2)", 78: "Kotlin (1.3.70)",
    79: "Objective-C (Clang 7.0.1)", 80: "R (4.0.0)", 81: "Scala (2.13.2)",
    82: "SQL (SQLite 3.27.2)", 83: "Swift (5.2.3)", 84: "Visual Basic.Net (vbnc 0.0.0.5943)",
    85: "Perl (5.28.1)", 86: "Clojure (1.10.1)", 87: "F# (.NET Core SDK 3.1.202)",
    88: "Groovy (3.0.3)", 89: "Multi-file program", 90: "Dart (2.19.2)",
    91: "Java (JDK 17.0.6)", 92: "Python (3.11.2)", 93: "JavaScript (Node.js 18.15.0)",
    94: "TypeScript (5.0.3)", 95: "Go (1.18.5)", 96: "JavaFX (JDK 17.0.6, OpenJFX 22.0.2)",
    97: "JavaScript (Node.js 20.17.0)", 98: "PHP (8.3.11)", 99: "R (4.4.1)",
    100: "Python (3.12.5)", 101: "TypeScript (5.6.2)", 102: "JavaScript (Node.js 22.08.0)",
    103: "C (GCC 14.1.0)", 104: "C (Clang 18.1.8)", 105: "C++ (GCC 14.1.0)",
}
# Not in Debian 12 (docs/languages.md says why): FreeBASIC, Python 2, Swift, VB.NET (vbnc),
# F#, Dart, JavaFX (a GUI toolkit); Multi-file programs need additional_files.
NOT_OFFERED = {47, 70, 83, 84, 87, 90, 96}
# The same language by another build of the same front end: D's DMD front end in LDC, the
# JDK as Debian's OpenJDK.
SAME_TOOLCHAIN = {"DMD": "LDC", "JDK": "OpenJDK"}

_VERSION = re.compile(r"\s*\d[\w.]*")


def _shape(name: str) -> str:
    """A name without its version numbers: ``C (Clang)``, ``Python``, ``Plain Text``."""
    shape = _VERSION.sub("", name).replace(" ()", "").replace("( ", "(")
    for theirs, ours in SAME_TOOLCHAIN.items():
        shape = shape.replace(f"({theirs})", f"({ours})")
    return shape.replace(" ,", ",")


def _offered(version: str = "9.9.9") -> dict[str, dict]:
    return {lang.id: {"enabled": True, "version": version} for lang in all_languages()}


def test_every_judge0_id_runs_what_judge0_runs_under_it():
    for j in judge0.judge0_languages(_offered()):
        assert j.id in JUDGE0_CE, f"{j.id} is not a Judge0 CE id"
        assert _shape(j.name) == _shape(JUDGE0_CE[j.id]), (j.id, j.name, JUDGE0_CE[j.id])


def test_every_judge0_ce_id_is_offered_but_the_documented_ones():
    offered = {j.id for j in judge0.judge0_languages(_offered())}
    assert set(JUDGE0_CE) - offered == NOT_OFFERED


@pytest.mark.parametrize("judge0_id, versions, name", [
    (50, {"c": "12.2.0"}, "C (GCC 12.2.0)"),
    (75, {"c-clang": "14.0.6"}, "C (Clang 14.0.6)"),
    (104, {"c-clang": "14.0.6"}, "C (Clang 14.0.6)"),
    (76, {"cpp-clang": "14.0.6"}, "C++ (Clang 14.0.6)"),
    (54, {"cpp17": "12.2.0"}, "C++ (GCC 12.2.0)"),
    (71, {"python3": "3.11.2"}, "Python (3.11.2)"),
    (43, {"plaintext": "9.1"}, "Plain Text"),
    (44, {"executable": "6.1.0"}, "Executable"),
    (82, {"sql": "3.40.1"}, "SQL (SQLite 3.40.1)"),
    (79, {"objc": "14.0.6"}, "Objective-C (Clang 14.0.6)"),
])
def test_names_as_judge0_ce_gives_them_with_our_versions(judge0_id, versions, name):
    offered = {i: {"enabled": True, "version": v} for i, v in versions.items()}
    found = {j.id: j.name for j in judge0.judge0_languages(offered)}
    assert found[judge0_id] == name


def test_a_clang_id_never_runs_gcc():
    by_id = {j.id: j.language.id for j in judge0.judge0_languages(_offered())}
    assert by_id[75] == by_id[104] == "c-clang" and by_id[76] == "cpp-clang"
    assert by_id[48] == by_id[49] == by_id[50] == by_id[103] == "c"
    assert judge0.language_by_judge0_id(76).id == "cpp-clang"


def test_disabled_languages_have_no_judge0_ids():
    offered = _offered() | {"c-clang": {"enabled": False, "version": ""}}
    ids = {j.id for j in judge0.judge0_languages(offered)}
    assert 75 not in ids and 104 not in ids and 50 in ids

"""The language files: loading and validation, the Java hook, and a broken toolchain disabled
with its reason (never silently wrong)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sandbox import load_template
from worker.core.languages import (LanguageError, _registry, ada_main_unit, all_languages,
                                   get_language, java_main_class, language_for_file,
                                   scala_main_object)

MINIMAL = """
[language]
name = "Toy"
extensions = ["toy"]
source = "main.toy"
version = ["sh", "-c", "echo 1.0"]
run = ["sh", "{source}"]
selftest = "echo hello world"
"""


@pytest.fixture
def templates(tmp_path, monkeypatch):
    """``templates(name=text, ...)``: a templates folder of its own for one test."""
    monkeypatch.setenv("JUDGEBOX_TEMPLATES", str(tmp_path))

    def make(**files: str) -> Path:
        for name, text in files.items():
            (tmp_path / f"{name}.toml").write_text(text)
        _registry.cache_clear()
        load_template.cache_clear()
        return tmp_path

    yield make
    _registry.cache_clear()
    load_template.cache_clear()


# Languages with no syntax check: what runs is the check (SQL's errors show when it runs; a
# plain text is its own output).
UNCHECKED = {"sql", "plaintext"}


def test_every_shipped_language_loads():
    langs = all_languages()
    assert len(langs) >= 40
    for lang in langs:
        assert lang.template == lang.id and load_template(lang.id).mounts
        assert lang.compiled == (lang.artifact is not None)
        assert lang.compiled or lang.check or lang.id in UNCHECKED, \
            "interpreted languages get a syntax check"
    assert {j for lang in langs for j in lang.judge0} >= {50, 54, 62, 71, 63}
    owners = [j for lang in langs for j in lang.judge0]
    assert len(owners) == len(set(owners)), "a Judge0 id runs one language"


@pytest.mark.parametrize("filename, lang_id", [
    ("a.c", "c"), ("a.cpp", "cpp17"), ("a.CC", "cpp17"), ("x/y/sol.py", "python3"),
    ("Main.java", "java"), ("a.kt", "kotlin"), ("a.js", "javascript"), ("a.go", "go"),
    ("a.rs", "rust"), ("a.pas", "pascal"), ("a.hs", "haskell"), ("a.rb", "ruby"),
    ("a.php", "php"), ("a.pl", "perl"), ("a.lua", "lua"), ("a.sh", "bash"), ("a.cs", "csharp"),
    ("a.ml", "ocaml"),
    # DOMjudge's and Kattis' extensions
    ("a.p", "pascal"), ("a.c++", "cpp17"), ("a.cxx", "cpp17"), ("a.cc", "cpp17"),
    ("a.plg", "swiprolog"), ("a.pro", "prolog"), ("a.R", "r"), ("a.awk", "awk"),
    ("a.adb", "ada"), ("a.ads", "ada"), ("a.lisp", "lisp"), ("a.cl", "lisp"),
    ("a.scala", "scala"), ("a.exs", "elixir"), ("a.erl", "erlang"), ("a.f95", "fortran"),
    ("a.f90", "fortran"), ("a.py3", "python3"), ("a.swift", None), ("a.clj", "clojure"),
    ("a.groovy", "groovy"), ("a.ts", "typescript"), ("a.d", "d"), ("a.cob", "cobol"),
    ("a.asm", "nasm"), ("a.sql", "sql"), ("a.tcl", "tcl"), ("a.raku", "raku"),
    ("a.scm", "scheme"), ("a.rkt", "racket"), ("a.nim", "nim"), ("a.cr", "crystal"),
])
def test_language_from_the_extension(filename, lang_id):
    if lang_id is None:
        with pytest.raises(LanguageError, match="no language"):
            language_for_file(filename)
    else:
        assert language_for_file(filename).id == lang_id


@pytest.mark.parametrize("source, lang_id", [
    (b"#import <Foundation/Foundation.h>\nint main(void) { return 0; }\n", "objc"),
    (b"#include <stdio.h>\nint main(void) { return 0; }\n", "objc"),
    (b"@interface Foo : NSObject\n@end\n", "objc"),
    (b"  int main(int argc, char **argv) { }\n", "objc"),
    (b"x = fscanf(stdin, '%d');\ndisp(x)\n", "octave"),
    (b"% include the sum\nfunction r = f(x)\n  r = x + 1;\nend\n", "octave"),
    (b"# a comment that mentions #include\nprintf('%d', 1)\n", "octave"),
    (b"", "octave"),
])
def test_dot_m_is_objective_c_or_octave_by_its_content(tmp_path, source, lang_id):
    assert language_for_file("a.m", source).id == lang_id
    path = tmp_path / "sol.m"  # read from the file when the source is not given
    path.write_bytes(source)
    assert language_for_file(str(path)).id == lang_id


def test_a_shared_extension_needs_detect_on_all_but_one(templates):
    shared = MINIMAL + 'detect = "^#!toy2"\n'
    templates(toy=MINIMAL, toy2=shared.replace("Toy", "Toy2"))
    assert language_for_file("a.toy", b"#!toy2\n").name == "Toy2"
    assert language_for_file("a.toy", b"anything else\n").name == "Toy"
    with pytest.raises(LanguageError, match="cannot read"):
        language_for_file("/no/such/dir/a.toy")


def test_unknown_extension_and_id():
    with pytest.raises(LanguageError, match="--lang"):
        language_for_file("notes.txt")
    with pytest.raises(LanguageError, match="unknown language"):
        get_language("intercal")


def test_placeholders():
    java = get_language("java")
    values = java.values(b"public class Foo { public static void main(String[] a) {} }")
    assert values["source"] == "Foo.java" and values["main_class"] == "Foo"
    argv = java.argv(java.run, values, 256)
    assert "-Xmx208m" in argv and argv[-1] == "Foo"


@pytest.mark.parametrize("source, expected", [
    (b"public class Main { public static void main(String[] a) {} }", ("Main.java", "Main")),
    (b"public final class Sol {\n static public void main(String[] a) {} }", ("Sol.java", "Sol")),
    (b"class A { static class Inner {} public static void main(String[] a) {} }",
     ("Main.java", "A")),
    (b"class Helper {}\npublic class Solve { public static void main(String[] x) {} }",
     ("Solve.java", "Solve")),
    (b"public class Lib {}\nclass Runner { public static void main(String[] x) {} }",
     ("Lib.java", "Runner")),
    (b"// public class Fake {}\n/* class Fake2 */ class Real { static void main(String[] a){} }",
     ("Main.java", "Real")),
    (b'class Q { String s = "public class X {"; public static void main(String[] a) {} }',
     ("Main.java", "Q")),
    (b"int x;", ("Main.java", "Main")),
])
def test_java_main_class(source, expected):
    found = java_main_class(source)
    assert (found["source"], found["main_class"]) == expected


@pytest.mark.parametrize("source, expected", [
    (b"object Main { def main(args: Array[String]): Unit = println(1) }", "Main"),
    (b"object Solution extends App { println(1) }", "Solution"),
    (b"class Helper { def main(): Unit = () }\nobject Run { def main(a: Array[String]) = () }",
     "Run"),
    (b"object Util { val x = 1 }\n// object Fake extends App\nobject Go extends App {}", "Go"),
    (b'object Q { val s = "object X extends App"; def main(a: Array[String]) = () }', "Q"),
    (b"println(1)", "Main"),
])
def test_scala_main_object(source, expected):
    assert scala_main_object(source) == {"main_class": expected}


@pytest.mark.parametrize("source, expected", [
    (b"with Ada.Text_IO; use Ada.Text_IO;\nprocedure Hello is\nbegin\n  null;\nend Hello;",
     "hello.adb"),
    (b"-- procedure Fake is\nPROCEDURE Sum_Up IS\n  procedure Inner is begin null; end;\n",
     "sum_up.adb"),
    (b'procedure P is S : String := "procedure X"; begin null; end P;', "p.adb"),
    (b"package Nothing is end Nothing;", "main.adb"),
])
def test_ada_main_unit(source, expected):
    assert ada_main_unit(source) == {"source": expected}


def test_run_environment_placeholders():
    prolog = get_language("prolog")
    env = dict(prolog.environment(prolog.values(b""), 256))
    assert env == {"GLOBALSZ": str((256 - prolog.memory_reserve_mb) * 1024)}


@pytest.mark.parametrize("text, words", [
    ("[language]\nname = 'x'\n", "lacks"),
    (MINIMAL.replace('run = ["sh", "{source}"]', 'run = "sh main.toy"'), "list of strings"),
    (MINIMAL + 'compile = ["cc", "{source}"]\n', "compile and artifact go together"),
    (MINIMAL + 'hook = "nosuch"\n', "unknown hook"),
    (MINIMAL.replace('source = "main.toy"', 'source = "../main.toy"'), "plain names"),
    (MINIMAL + 'detect = "(unclosed"\n', "bad detect pattern"),
    (MINIMAL + 'judge0_name = "Toy ({release})"\n', "judge0_name may hold"),
])
def test_bad_language_files(templates, text, words):
    templates(toy=text)
    with pytest.raises(LanguageError, match=words):
        all_languages()


def test_selftest_via_names_a_language(templates):
    templates(toy=MINIMAL + 'selftest_via = "nosuch"\n')
    with pytest.raises(LanguageError, match="selftest_via names no language"):
        all_languages()


def test_an_extension_belongs_to_one_language(templates):
    templates(toy=MINIMAL, toy2=MINIMAL)
    with pytest.raises(LanguageError, match="already toy's"):
        all_languages()


@pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root")
@pytest.mark.usefixtures("clean_host")
def test_missing_or_broken_toolchain_is_disabled_with_a_reason(templates):
    from worker.core.selftest import language_statuses

    box = '\n[box]\npaths = ["/bin", "/lib", "/lib64", "/usr/lib64", "/etc/ld.so.cache",' \
          ' "/usr/lib/x86_64-linux-gnu", "/usr/bin/sh", "/usr/bin/dash"]\n' \
          '[box.env]\nPATH = "/usr/bin"\n'
    missing = MINIMAL.replace('"toy"', '"toy1"') + box.replace(
        '"/usr/bin/dash"', '"/usr/bin/dash", "/opt/no-such-toolchain/bin/toyc"')
    broken = MINIMAL.replace('"toy"', '"toy2"').replace("echo hello world", "echo hallo") + box
    working = MINIMAL.replace('"toy"', '"toy3"').replace(
        'selftest = "echo hello world"',
        "selftest = 'echo hello world; while IFS= read -r l; do echo \"$l\"; done'") + box
    templates(toy1=missing, toy2=broken, toy3=working)
    statuses = {s.id: s for s in language_statuses(refresh=True)}
    assert not statuses["toy1"].enabled and not statuses["toy1"].transient
    assert "not installed: no /opt/no-such-toolchain/bin/toyc" in statuses["toy1"].reason
    assert not statuses["toy2"].enabled and "hallo" in statuses["toy2"].reason
    assert statuses["toy3"].enabled and statuses["toy3"].version == "1.0"
    assert statuses["toy3"].to_json() == {"id": "toy3", "name": "Toy", "version": "1.0",
                                          "enabled": True}


def test_a_sandbox_failure_is_reported_but_never_cached(templates, monkeypatch):
    import json

    from worker.core import selftest

    def sandbox_fails(lang):
        raise selftest._SandboxFailed("version command SE: setup: the box died before exec")

    box = '\n[box]\npaths = ["/bin"]\n'
    templates(toy=MINIMAL + box)
    monkeypatch.setattr(selftest, "_version", sandbox_fails)
    [status] = selftest.language_statuses(refresh=True)
    assert not status.enabled and status.transient and "sandbox failed" in status.reason
    cached = json.loads(selftest.cache_path().read_text()) if selftest.cache_path().exists() \
        else {}
    assert "toy" not in cached


def test_dot_m_files_of_a_program_are_told_by_their_content():
    from worker.core.sources import SourceFiles, language_of

    objc = SourceFiles((("main.m", b"#import <Foundation/Foundation.h>\nint main(void) {}\n"),
                        ("util.m", b"@implementation Util\n@end\n")))
    octave = SourceFiles((("main.m", b"x = util(2);\ndisp(x)\n"),
                          ("util.m", b"function y = util(x)\n  y = x + 1;\nend\n")))
    assert language_of(objc).id == "objc" and language_of(octave).id == "octave"


@pytest.mark.parametrize("files, entry, expected", [
    ([("A.scala", b"object Helper { val x = 1 }"),
      ("B.scala", b"object Solve { def main(a: Array[String]) = () }")], None, "Solve"),
    ([("A.scala", b"object Run extends App {}"),
      ("B.scala", b"object Other extends App {}")], "B.scala", "Other"),
    ([("A.scala", b"object Helper")], "pkg.Main", "pkg.Main"),
    ([("A.scala", b"class Helper")], None, "Main"),
])
def test_scala_main_object_of_several_files(files, entry, expected):
    from worker.core.languages import scala_main_object_of_files

    assert scala_main_object_of_files(files, entry) == {"main_class": expected}

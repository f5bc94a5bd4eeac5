"""Every language, for real in the sandbox: its self-test (hello world, then its input copied
to the output: reading stdin to its end), then six programs each
(``programs/<lang>/<case>.<ext>``): A+B from stdin, a compile or syntax error (CE) with the
compiler's message, a runtime error (RE), an infinite loop (TLE), an allocation beyond the limit
(MLE, within the box's memory, the runtime's own included), and every number of an input read
to its end, kept in a file written in /tmp and read back (``eof``). A language that cannot
have a case says why (``NOT_APPLICABLE`` in conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from language_kit import CASES, NOT_APPLICABLE, PROGRAMS, program_input
from sandbox import Limits, Status, load_template
from worker.core.compile import run_program
from worker.core.languages import all_languages

pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
              pytest.mark.usefixtures("clean_host"), pytest.mark.timeout(120)]

LANGS = [lang.id for lang in all_languages()]
# `./dev.sh test` installs every toolchain Debian 12 has, so none of these may be disabled
# (docs/languages.md lists the languages Debian 12 cannot give, and why).
REQUIRED = {"c", "cpp17", "cpp20", "python3", "pypy3", "java", "kotlin", "javascript", "go",
            "rust", "pascal", "haskell", "ruby", "php", "perl", "lua", "bash", "csharp", "ocaml",
            "fortran", "c-clang", "cpp-clang", "nasm", "cobol", "lisp", "d", "erlang", "elixir",
            "clojure", "groovy", "scala", "octave", "objc", "prolog", "swiprolog", "r",
            "typescript", "awk", "tcl", "raku", "ada", "scheme", "racket", "nim", "crystal",
            "plaintext", "sql", "executable"}

MEMORY_MB = 128   # the run box of every test, runtime included (a JVM's heap gets 80 of it)
TLE_CPU_MS = 500
EOF_INPUT = "1 2 3\n4\n\n5 6 7\n  8 9   10"  # no newline at the end


def _limits(**kwargs) -> Limits:
    return Limits(**{"cpu_time_ms": 5_000, "memory_kib": MEMORY_MB * 1024, **kwargs})


def test_required_languages_are_enabled(statuses):
    disabled = {i: statuses[i].reason for i in REQUIRED if not statuses[i].enabled}
    assert not disabled
    assert sum(s.enabled for s in statuses.values()) >= 40


@pytest.mark.parametrize("lang_id", LANGS)
def test_self_test_reports_a_version(statuses, lang_id):
    status = statuses[lang_id]
    if not status.enabled:
        pytest.skip(f"disabled: {status.reason}")
    assert status.version and status.version[0].isdigit(), status


@pytest.mark.parametrize("lang_id", LANGS)
def test_a_plus_b_from_stdin(compiled, stdin_file, lang_id):
    program = compiled(lang_id, "aplusb")
    assert program.ok, program.report()
    stdin = program_input(lang_id, "aplusb", "1000000000000 2345\n")
    outcome = run_program(program, _limits(), stdin_file(stdin))
    assert outcome.status is Status.OK, outcome
    assert outcome.stdout.strip() == b"1000000002345"


@pytest.mark.parametrize("lang_id", LANGS)
def test_compile_error_is_ce(compiled, lang_id):
    program = compiled(lang_id, "ce")
    assert not program.ok
    assert program.error.startswith("compilation failed"), program.error
    assert program.output.strip(), "the compiler's message is kept"
    ce = next((Path(__file__).parent / "programs" / lang_id).glob("ce.*")).read_bytes()
    source = program.language.values(ce)["source"]
    assert source in program.output  # the message names the file in /box...
    assert "/tmp/pytest" not in program.output and "/run/judgebox" not in program.output  # only


@pytest.mark.parametrize("lang_id", LANGS)
def test_runtime_error_is_re(compiled, stdin_file, lang_id):
    program = compiled(lang_id, "re")
    assert program.ok, program.report()
    outcome = run_program(program, _limits(), stdin_file(program_input(lang_id, "re", "")))
    assert outcome.status is Status.RE, outcome
    assert outcome.exit_code or outcome.signal


@pytest.mark.parametrize("lang_id", LANGS)
def test_infinite_loop_is_tle(compiled, stdin_file, lang_id):
    program = compiled(lang_id, "tle")
    assert program.ok, program.report()
    outcome = run_program(program, _limits(cpu_time_ms=TLE_CPU_MS),
                          stdin_file(program_input(lang_id, "tle", "")))
    assert outcome.status is Status.TLE, outcome
    assert outcome.killed_by == "cpu-time"
    assert TLE_CPU_MS / 1000 <= outcome.time < TLE_CPU_MS / 1000 + 0.2


@pytest.mark.parametrize("lang_id", LANGS)
def test_allocation_beyond_the_limit_is_mle(compiled, stdin_file, lang_id):
    program = compiled(lang_id, "mle")
    assert program.ok, program.report()
    outcome = run_program(program, _limits(), stdin_file(program_input(lang_id, "mle", "")))
    assert outcome.status is Status.MLE, outcome
    assert outcome.memory_kib <= MEMORY_MB * 1024 + 1024


def _evict_from_the_page_cache(template: str) -> None:
    """Drop the template's files from the page cache (those no process has mapped), as memory
    pressure or a worker's fresh start leaves them: the next box to read them is charged."""
    for mount in load_template(template).mounts:
        paths = [mount.source] if os.path.isfile(mount.source) else (
            os.path.join(d, f) for d, _, names in os.walk(mount.source) for f in names)
        for path in paths:
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                continue  # a dangling link, a socket...
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


@pytest.mark.parametrize("lang_id", ["octave", "python3"])
def test_allocation_beyond_the_limit_is_mle_with_the_runtime_not_cached(compiled, stdin_file,
                                                                        lang_id):
    """The box is charged for the interpreter's files it reads in; at the limit its reclaim
    evicted them and the interpreter read them back until the CPU limit: Octave's MLE program
    ended TLE so in a CI run, and in 3 runs of 3 here with its files evicted first (5 s of
    CPU, memory at the limit). It is MLE, thrashing (``sandbox.runner._thrashing``)."""
    program = compiled(lang_id, "mle")
    assert program.ok, program.report()
    _evict_from_the_page_cache(program.language.template)
    outcome = run_program(program, _limits(cpu_time_ms=2_000),
                          stdin_file(program_input(lang_id, "mle", "")))
    assert outcome.status is Status.MLE, outcome


# (swiprolog's {heap_mb} is its --stack-limit, which the run of a saved state does not take:
# the state keeps the limit it was saved with, docs/languages.md; its mle program grew to the
# box's 512 MB, and the box's limit made it MLE, as the MLE test above checks)
HEAP_LIMITED = [lang.id for lang in all_languages()
                if "{heap_mb}" in " ".join(lang.run) and lang.id != "swiprolog"]


@pytest.mark.parametrize("lang_id", HEAP_LIMITED)
def test_a_runtime_whose_own_heap_runs_out_first_is_mle(compiled, stdin_file, lang_id):
    """A runtime given a heap limit (``{heap_mb}``: the box's memory less the runtime's own
    share) may run out of it before the box's memory runs out: which one comes first depends
    on how much the runtime itself took (Clojure's heap of 80 MB filled at 120 MB of the
    box's 128 in one CI run, and Clojure says so in words of its own, which were read as RE).
    Here the heap is made far smaller than the box, so the runtime's own error is what ends
    the program: it must be MLE, as the box's limit would have been."""
    import dataclasses

    program = compiled(lang_id, "mle")
    assert program.ok, program.report()
    language = dataclasses.replace(program.language, memory_reserve_mb=512 - 64)
    outcome = run_program(dataclasses.replace(program, language=language),
                          _limits(memory_kib=512 * 1024),
                          stdin_file(program_input(lang_id, "mle", "")))
    assert outcome.status is Status.MLE, outcome
    assert outcome.message == "the runtime ran out of memory", outcome
    assert outcome.memory_kib < 400 * 1024, outcome  # the heap ran out, not the box


@pytest.mark.parametrize("lang_id", LANGS)
def test_reads_stdin_to_its_end_through_a_file_in_tmp(compiled, stdin_file, lang_id):
    program = compiled(lang_id, "eof")
    assert program.ok, program.report()
    outcome = run_program(program, _limits(), stdin_file(program_input(lang_id, "eof",
                                                                       EOF_INPUT)))
    assert outcome.status is Status.OK, outcome
    assert outcome.stdout.split() == [b"10", b"55"], outcome.stdout


def test_every_case_is_there_or_said_why_not():
    """A language's missing program is a gap, not a silent skip."""
    for lang_id in LANGS:
        skipped = NOT_APPLICABLE.get(lang_id, ((), ""))[0]
        have = {p.stem for p in (PROGRAMS / lang_id).glob("*.*") if p.suffix != ".in"}
        assert have == set(CASES) - set(skipped), lang_id

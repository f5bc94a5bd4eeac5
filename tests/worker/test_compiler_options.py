"""Judge0's ``compiler_options`` reach the compiler of a language whose compile step is a fixed
script (NASM, TypeScript, Groovy take them as the script's arguments before the source)."""

from __future__ import annotations

import os

import pytest

from sandbox import Limits, Status
from worker.core.compile import compile_program, run_program
from worker.core.languages import get_language
from worker.service.pipeline import language_with_options

pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
              pytest.mark.usefixtures("clean_host"), pytest.mark.timeout(120)]

NASM = b"""section .data
%ifdef LOUD
msg:    db "loud", 10
%else
msg:    db "quiet", 10
%endif
section .text
global _start
_start: mov eax, 1
        mov edi, 1
        lea rsi, [rel msg]
        mov edx, 5
        syscall
        mov eax, 60
        xor edi, edi
        syscall
"""


def test_nasm_gets_the_options(tmp_path):
    nasm = language_with_options(get_language("nasm"), "-DLOUD", None)
    program = compile_program(nasm, NASM, tmp_path, cache=False)
    assert program.ok, program.report()
    outcome = run_program(program, Limits(cpu_time_ms=1_000, memory_kib=32 * 1024))
    assert outcome.status is Status.OK and outcome.stdout == b"loud\n"


def test_tsc_gets_the_options(tmp_path):
    source = b"function twice(x) { return x * 2; }\nconsole.log(twice(21));\n"
    typescript = get_language("typescript")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert compile_program(typescript, source, tmp_path / "a", cache=False).ok
    strict = compile_program(language_with_options(typescript, "--strict", None), source,
                             tmp_path / "b", cache=False)
    assert not strict.ok and "implicitly has an 'any' type" in strict.output

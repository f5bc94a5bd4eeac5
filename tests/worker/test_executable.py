"""Judge0's "Executable" (id 44): the source is a Linux x86-64 program, run as it is in a run box
like any compiled program's. Anything else is a clear CE, never an exec failure (SE). The
generic cases (A+B, RE, TLE, MLE, stdin to its end) are in test_languages.py."""

from __future__ import annotations

import os
import struct
import subprocess

import pytest

from sandbox import Limits, Status
from worker.core.compile import compile_program, run_program
from worker.core.languages import get_language

pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
              pytest.mark.usefixtures("clean_host"), pytest.mark.timeout(60)]

PROGRAM = r"""
#include <stdio.h>
#include <unistd.h>
int main(void) {
    char line[256];
    printf("hello world, gcc %s\n", access("/usr/bin/gcc", F_OK) == 0 ? "seen" : "unseen");
    while (fgets(line, sizeof line, stdin)) fputs(line, stdout);
    return 0;
}
"""


def _elf_header(elf_class: int, data: int, elf_type: int, machine: int) -> bytes:
    """The first 64 bytes of an ELF file with these fields (the rest zero)."""
    ident = b"\x7fELF" + bytes([elf_class, data, 1, 0]) + bytes(8)
    return ident + struct.pack("<HH", elf_type, machine) + bytes(44)


def test_a_dynamically_linked_program_runs_with_the_shared_libraries(tmp_path):
    (tmp_path / "p.c").write_text(PROGRAM)
    # built on the host (a PIE linked against the C library), run only in the box
    subprocess.run(["gcc", "-O2", "-o", str(tmp_path / "p"), str(tmp_path / "p.c")],
                   check=True)
    binary = (tmp_path / "p").read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    program = compile_program(get_language("executable"), binary, out)
    assert program.ok, program.report()
    (tmp_path / "in").write_text("a b\nc\n")
    outcome = run_program(program, Limits(cpu_time_ms=2_000, memory_kib=64 * 1024),
                          str(tmp_path / "in"))
    assert outcome.status is Status.OK, outcome
    assert outcome.stdout == b"hello world, gcc unseen\na b\nc\n"  # no toolchain in the box


@pytest.mark.parametrize("source, words", [
    (b"#!/bin/sh\necho a script\n", "not a 64-bit little-endian ELF file"),
    (b"", "not a 64-bit little-endian ELF file"),
    (b"MZ\x90\x00 a Windows program", "not a 64-bit little-endian ELF file"),
    (_elf_header(1, 1, 2, 3), "not a 64-bit little-endian ELF file"),      # i386
    (_elf_header(2, 2, 2, 0x3e), "not a 64-bit little-endian ELF file"),   # big-endian
    (_elf_header(2, 1, 2, 0xb7), "not an x86-64 executable"),             # AArch64
    (_elf_header(2, 1, 1, 0x3e), "not an x86-64 executable"),             # an object file
    (_elf_header(2, 1, 4, 0x3e), "not an x86-64 executable"),             # a core dump
])
def test_what_is_not_an_x86_64_program_is_ce_with_the_reason(tmp_path, source, words):
    program = compile_program(get_language("executable"), source, tmp_path)
    assert not program.ok
    assert program.error.startswith("compilation failed")
    assert words in program.output and "a.out" in program.output

"""A hostile Kattis output validator (package code) attacks the judge through its feedback
directory (issue 9): the box's own ``/box``, whose files the judge reads back after the run
and carries into the next pass of a multi-pass problem.

The validator plants symbolic links to the host canary (its file and its directory, paths the
box cannot see but the judge could), to /etc/shadow, hard links, sockets or FIFOs, and
directories under the names the judge reads (``judgemessage.txt``, ``teammessage.txt``,
``score.txt``, ``nextpass.in``), or fills the directory. The judge must read none of them,
never hang, and write nothing on the host (the feedback directory is a size-limited tmpfs of
the box); the canary file, directory and process are unchanged afterwards (the ``canary``
fixture).
"""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest

from sandbox import Limits
from worker.core.checkers import CheckOptions, get_checker, kattis
from worker.core.compile import compile_program
from worker.core.languages import get_language

pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
              pytest.mark.timeout(60)]

# The team's output is "<attack> <canary file> <canary dir>".
VALIDATOR = textwrap.dedent('''
    import os, socket, sys
    feedback = sys.argv[3]
    attack, canary_file, canary_dir = sys.stdin.read().split()

    def plant(target, name):
        os.symlink(target, os.path.join(feedback, name))

    if attack == "symlinks":
        plant(canary_file, "judgemessage.txt")
        plant("/etc/shadow", "teammessage.txt")
        plant(canary_file, "score.txt")
        plant("../../../../../../../../etc/shadow", "nextpass.in")
        sys.exit(42)
    if attack == "symlink-dirs":
        plant(canary_dir, "sub")
        plant(canary_dir, "judgemessage.txt")
        os.mkdir(os.path.join(feedback, "real"))
        os.symlink(canary_file, os.path.join(feedback, "real", "deep"))
        sys.exit(43)
    if attack == "hardlinks":
        for source in ("/box/testcase.ans", "/etc/passwd", "/usr/bin/python3", canary_file):
            try:
                os.link(source, os.path.join(feedback, "judgemessage.txt"))
            except OSError as exc:
                print("blocked", source, exc, file=sys.stderr)
            else:
                open(os.path.join(feedback, "teammessage.txt"), "w").write(
                    "ESCAPED: hard link of " + source)
        sys.exit(43)
    if attack == "fill":
        try:
            for i in range(100000):
                with open(os.path.join(feedback, f"junk-{i}"), "wb") as f:
                    f.write(b"x" * 65536)
        except OSError as exc:
            print("stopped:", exc, file=sys.stderr)
        sys.exit(43)
    if attack == "special":
        try:
            os.mkfifo(os.path.join(feedback, "judgemessage.txt"))
        except OSError as exc:
            print("mkfifo blocked:", exc, file=sys.stderr)
        s = socket.socket(socket.AF_UNIX)
        s.bind(os.path.join(feedback, "teammessage.txt"))
        s.listen(1)
        os.mkdir(os.path.join(feedback, "score.txt"))
        for i in range(20):
            open(os.path.join(feedback, "score.txt", str(i)), "w").write("1")
        sys.exit(43)
    sys.exit(1)
''')

LIMITS = Limits(cpu_time_ms=2000, wall_time_ms=4000, memory_kib=131072)


@pytest.fixture(scope="module")
def validator(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("hostile-validator")
    program = compile_program(get_language("python3"), VALIDATOR.encode(), workdir)
    assert program.ok, program.report()
    (workdir / "t.in").write_text("1\n")
    (workdir / "t.ans").write_text("1\n")
    return program, workdir


def check(validator, canary, attack: str, feedback: kattis.Feedback | None = None,
          limits: Limits = LIMITS):
    """One check of a team output that tells the validator which attack to run."""
    program, workdir = validator
    options = CheckOptions(input=workdir / "t.in", program=program, workdir=workdir,
                           limits=limits, feedback=feedback)
    output = f"{attack} {canary.file} {canary.dir}\n".encode()
    started = time.monotonic()
    result = get_checker("kattis")(output, workdir / "t.ans", options)
    return result, time.monotonic() - started


def _leaks(result, canary) -> list[str]:
    text = f"{result.message}\n{result.team_message}\n{result.score}\n{result.nextpass!r}"
    return [f"host content in the judgement: {text[:300]!r}"
            for secret in (canary.token, "root:") if secret in text]


def _host_files(workdir: Path) -> list[str]:
    """What a check left in the judge's work directory (its own inputs aside)."""
    return sorted(p.name for p in workdir.iterdir() if p.name not in ("t.in", "t.ans")
                  and not p.name.endswith((".py", ".pyc")))


def test_symlinks_to_host_files_are_not_read(validator, canary, settled_leftovers):
    """judgemessage, teammessage, score and nextpass are links to the canary and /etc/shadow:
    AC with no message and no score; nothing read through them."""
    result, _ = check(validator, canary, "symlinks")
    assert result.verdict == "AC", result
    assert result.score is None and result.nextpass is None, result
    assert not _leaks(result, canary)
    assert not _host_files(validator[1]), "a check left files on the host"
    assert not settled_leftovers() and not canary.problems()


def test_links_to_host_directories_are_not_followed(validator, canary):
    """A link to the canary's directory (and a link inside a real subdirectory): nothing is
    read or deleted through them."""
    result, _ = check(validator, canary, "symlink-dirs")
    assert result.verdict == "WA", result
    assert not _leaks(result, canary)
    assert not _host_files(validator[1])
    assert not canary.problems()


def test_hard_links_out_of_the_box_fail(validator, canary):
    """Hard links of the template's host files and the canary's path into the feedback
    directory all fail (other mounts, or not visible); only the box's own answer file can be
    linked, which the validator may read anyway."""
    result, _ = check(validator, canary, "hardlinks")
    assert result.verdict == "WA", result
    for outside in ("/etc/passwd", "/usr/bin/python3", str(canary.file)):
        assert f"hard link of {outside}" not in result.team_message, result.team_message
    assert not _leaks(result, canary)
    assert not canary.problems()


def test_sockets_fifos_and_directories_do_not_hang_the_judge(validator, canary):
    """A unix socket, a FIFO (when mknod is allowed at all) and a directory of files under
    the names the judge reads: WA at once, nothing read, all removed."""
    result, took = check(validator, canary, "special")
    assert result.verdict == "WA", result
    assert took < 3, f"the check took {took:.1f} s"
    assert not _leaks(result, canary)
    assert not _host_files(validator[1])
    assert not canary.problems()


def test_multi_pass_carries_no_links(validator, canary):
    """Between the passes of a multi-pass problem the judge carries the feedback files into
    the next box: links planted in one pass are not carried (nor read) into the next."""
    feedback = kattis.Feedback()
    first, _ = check(validator, canary, "symlinks", feedback=feedback)
    assert first.verdict == "AC" and first.nextpass is None, first
    assert feedback.files == {}  # only links were left: nothing to carry
    second, _ = check(validator, canary, "symlink-dirs", feedback=feedback)
    assert second.verdict == "WA", second
    assert not _leaks(first, canary) and not _leaks(second, canary)
    assert not canary.problems()


def test_filling_the_feedback_directory_fills_only_the_box(validator, canary, tmp_path):
    """Writing file after file into the feedback directory stops at the box's size (a tmpfs
    of the box, not a host disk): the judge's disk is not touched, the check ends at once,
    and at most 256 files, each capped, come back."""
    small = Limits(cpu_time_ms=5000, wall_time_ms=10000, memory_kib=262144,
                   box_kib=8 * 1024)
    before = os.statvfs(validator[1]).f_bfree
    result, took = check(validator, canary, "fill", limits=small)
    assert result.verdict == "WA", result
    assert "No space left on device" in result.message  # the validator's stderr
    assert took < 10, f"the check took {took:.1f} s"
    lost = (before - os.statvfs(validator[1]).f_bfree) * os.statvfs(validator[1]).f_frsize
    assert lost < 4 * 1024 * 1024, f"the host lost {lost} bytes of disk"
    assert not _host_files(validator[1]) and not canary.problems()

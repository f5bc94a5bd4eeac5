"""A hostile Kattis output validator (package code) attacks the judge through its feedback
directory (issue 9): the one place a box writes into a host directory the judge then reads,
chmods (between passes) and deletes.

The validator plants symbolic links to the host canary (its file and its directory, paths the
box cannot see but the judge could), to /etc/shadow, hard links, sockets or FIFOs, and
directories under the names the judge reads (``judgemessage.txt``, ``teammessage.txt``,
``score.txt``, ``nextpass.in``). The judge must read none of them, chmod nothing through them,
delete nothing outside the feedback directory, and never hang; the canary file, directory and
process are unchanged afterwards (the ``canary`` fixture).
"""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest

from sandbox import Limits
from worker.checkers import CheckOptions, get_checker
from worker.compile import compile_program
from worker.languages import get_language

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


def check(validator, canary, attack: str, feedback_dir: Path | None = None):
    """One check of a team output that tells the validator which attack to run."""
    program, workdir = validator
    options = CheckOptions(input=workdir / "t.in", program=program, workdir=workdir,
                           limits=LIMITS, feedback_dir=feedback_dir)
    output = f"{attack} {canary.file} {canary.dir}\n".encode()
    started = time.monotonic()
    result = get_checker("kattis")(output, workdir / "t.ans", options)
    return result, time.monotonic() - started


def _leaks(result, canary) -> list[str]:
    text = f"{result.message}\n{result.team_message}\n{result.score}\n{result.nextpass!r}"
    return [f"host content in the judgement: {text[:300]!r}"
            for secret in (canary.token, "root:") if secret in text]


def _feedback_dirs(workdir: Path) -> list[str]:
    return sorted(p.name for p in workdir.iterdir() if p.name.startswith("feedback-"))


def test_symlinks_to_host_files_are_not_read(validator, canary, settled_leftovers):
    """judgemessage, teammessage, score and nextpass are links to the canary and /etc/shadow:
    AC with no message and no score; nothing read through them."""
    result, _ = check(validator, canary, "symlinks")
    assert result.verdict == "AC", result
    assert result.score is None and result.nextpass is None, result
    assert not _leaks(result, canary)
    assert not _feedback_dirs(validator[1]), "the feedback directory was not removed"
    assert not settled_leftovers() and not canary.problems()


def test_links_to_host_directories_are_not_followed_on_cleanup(validator, canary):
    """A link to the canary's directory (and a link inside a real subdirectory): the judge
    removes its feedback directory without deleting anything through them."""
    result, _ = check(validator, canary, "symlink-dirs")
    assert result.verdict == "WA", result
    assert not _leaks(result, canary)
    assert not _feedback_dirs(validator[1])
    assert not canary.problems()


def test_hard_links_out_of_the_box_fail(validator, canary):
    """Hard links of the box's files, its template's host files and the canary's path into the
    (host) feedback directory all fail: other mounts."""
    result, _ = check(validator, canary, "hardlinks")
    assert result.verdict == "WA", result
    assert "ESCAPED" not in result.team_message, result.team_message
    assert "blocked /etc/passwd" in result.message  # stderr, as there is no judgemessage.txt
    assert not _leaks(result, canary)
    assert not canary.problems()


def test_sockets_fifos_and_directories_do_not_hang_the_judge(validator, canary):
    """A unix socket, a FIFO (when mknod is allowed at all) and a directory of files under
    the names the judge reads: WA at once, nothing read, all removed."""
    result, took = check(validator, canary, "special")
    assert result.verdict == "WA", result
    assert took < 3, f"the check took {took:.1f} s"
    assert not _leaks(result, canary)
    assert not _feedback_dirs(validator[1])
    assert not canary.problems()


def test_multi_pass_reuse_does_not_chmod_through_links(validator, canary, tmp_path):
    """Between the passes of a multi-pass problem the judge makes the previous pass's files
    writable (chmod) and removes nextpass.in: never through a planted link. The canary keeps
    its mode 0600 and its content."""
    feedback = tmp_path / "feedback"
    feedback.mkdir()
    os.chmod(feedback, 0o777)
    first, _ = check(validator, canary, "symlinks", feedback_dir=feedback)
    assert first.verdict == "AC" and first.nextpass is None, first
    second, _ = check(validator, canary, "symlink-dirs", feedback_dir=feedback)
    # the second pass's own links collide with the first's: the validator fails, a judge
    # error, never a read through a link
    assert second.verdict in ("WA", "SE"), second
    assert not _leaks(first, canary) and not _leaks(second, canary)
    assert not canary.problems()

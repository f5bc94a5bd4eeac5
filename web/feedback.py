"""Feedback on a problem submission's tests: the expected output (the package's ``.ans``)
against the program's, as a diff, and a scoring problem's groups (docs/web.md#feedback).

Call :func:`test_diff` only for a test whose data the viewer may see (the ``hidden`` flag of
``services.visible_results`` is false): it reads that test's answer from the package. For
any other test nothing is read and nothing is computed, so nothing of it can leak.

A diff is bounded: the answer is read up to the cap the program's output was kept at
(``KEEP_OUTPUT_KB`` for samples, ``KEEP_OUTPUT_HIDDEN_KB`` for other tests), the common
first and last lines are skipped cheaply, at most :data:`COMPARED_LINES` lines of each side
are compared after that, at most :data:`DIFF_ROWS` rows are shown and each line is cut at
:data:`LINE_CHARS` characters.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from worker.store import packages
from worker.store.db import Submission, TestResult

__all__ = ["DiffRow", "Diff", "test_diff", "groups", "package_root", "sample_count",
           "COMPARED_LINES", "DIFF_ROWS", "LINE_CHARS", "CONTEXT"]

CONTEXT = 3            # unchanged lines shown around a change
COMPARED_LINES = 400   # lines of each side compared once the common ends are skipped
DIFF_ROWS = 120        # rows of a diff shown
LINE_CHARS = 200       # characters of a line shown
# how whitespace and control characters show in a changed line (as escapes in ASCII rather
# than Unicode's control pictures, which few fonts have)
_VISIBLE = {" ": "·", "\t": "→", "\r": "\\r", "\0": "\\0", "\x7f": "\\x7f"} | {
    chr(c): f"\\x{c:02x}" for c in range(1, 32) if chr(c) not in "\t\r\n"}


@dataclass(frozen=True)
class DiffRow:
    """One row of a diff: ``kind`` is ``same`` (in both), ``expected`` (only in the expected
    output), ``received`` (only in the program's) or ``hunk`` (a jump; ``text`` is its
    ``@@`` header). Line numbers are 1-based."""

    kind: str
    expected_line: int | None
    received_line: int | None
    text: str
    last: bool = False  # the side's last line, without a newline at its end

    @property
    def segments(self) -> list[tuple[str, bool]]:
        """The text as (piece, is_whitespace) with whitespace and control characters made
        visible (changed lines only; unchanged lines as they are)."""
        if self.kind not in ("expected", "received"):
            return [(self.text, False)]
        pieces: list[tuple[str, bool]] = []
        for char in self.text:
            shown = _VISIBLE.get(char)
            marked = shown is not None
            piece = shown or char
            if pieces and pieces[-1][1] == marked:
                pieces[-1] = (pieces[-1][0] + piece, marked)
            else:
                pieces.append((piece, marked))
        if self.last:
            pieces.append(("⌀ no newline at the end", True))
        return pieces

    @property
    def unified(self) -> str:
        """The row as a line of a unified diff."""
        mark = {"same": " ", "expected": "-", "received": "+"}.get(self.kind)
        return self.text if mark is None else mark + self.text


@dataclass(frozen=True)
class Diff:
    """Expected against received output. ``notes`` say what was left out (cut sides, rows
    beyond :data:`DIFF_ROWS`); ``answer_only``: the checker may accept other answers, the
    package's is one of them."""

    rows: tuple[DiffRow, ...]
    notes: tuple[str, ...] = ()
    answer_only: bool = False

    @property
    def unified(self) -> str:
        """As a unified diff (``---`` the expected output, ``+++`` the program's)."""
        lines = ["--- expected", "+++ received", *(row.unified for row in self.rows)]
        lines += [f"# {note}" for note in self.notes]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class _Facts:
    """What a package says of its tests, for feedback: each test's answer file, and whether
    its checker compares the output with that answer (not interactive, not multi-pass)."""

    answers: dict[str, Path]
    comparable: bool
    custom: bool


def package_root(digest: str) -> Path:
    """The package with this hash, unpacked in this host's cache (``PackageFetchError`` when
    the store no longer has it)."""
    from worker.core.problem import extract_archive

    from ._store import store

    return packages.unpacked(Path(current_app.config["CACHE_DIR"]), digest,
                             lambda sha: packages.get_bytes(store(), sha), extract_archive)


@functools.lru_cache(maxsize=64)
def _facts(root: Path) -> _Facts:
    from worker.core.problem import load_problem

    problem = load_problem(root)
    return _Facts({case.name: case.answer for case in problem.cases},
                  not (problem.interactive or problem.multi_pass or problem.submit_answer),
                  problem.validator.kind in ("kattis", "testlib"))


def sample_count(digest: str) -> int:
    """How many sample tests the package has."""
    return sum(1 for name in _facts(package_root(digest)).answers
               if name.split("/")[0] == "sample")


def _cap(sample: bool) -> int:
    key = "KEEP_OUTPUT_KB" if sample else "KEEP_OUTPUT_HIDDEN_KB"
    return int(current_app.config[key]) * 1024


def test_diff(row: Submission, result: TestResult, sample: bool) -> Diff | None:
    """The diff of a wrong answer's expected and received output, or ``None`` (not a wrong
    answer, not a problem's test, a checker that does not compare with the answer, or the
    package is gone). Only for a test whose data the viewer may see."""
    if result.verdict != "WA" or row.package_sha256 is None:
        return None
    from worker.core.problem import PackageError
    from worker.store.packages import PackageFetchError

    cap = _cap(sample)
    try:
        facts = _facts(package_root(row.package_sha256))
        answer = facts.answers.get(result.name)
        if answer is None or not facts.comparable:
            return None
        with open(answer, "rb") as f:
            expected = f.read(cap + 1)
    except (PackageFetchError, PackageError, OSError):
        current_app.logger.warning("no expected output for %s of %s", result.name, row.token)
        return None
    received = bytes(result.stdout or b"")
    notes = []
    if len(expected) > cap or len(received) >= cap:
        notes.append(f"only the first {cap // 1024} KB of each output were kept and compared")
    diff = diff_texts(expected[:cap].decode("utf-8", "replace"),
                      received[:cap].decode("utf-8", "replace"))
    return Diff(diff.rows, tuple(notes) + diff.notes, facts.custom)


def diff_texts(expected: str, received: str) -> Diff:
    """The line diff of two texts, bounded (see the module's docstring)."""
    old, new = expected.splitlines(keepends=True), received.splitlines(keepends=True)
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    head = max(0, start - CONTEXT)  # the common ends, less the context kept around a change
    tail = max(0, end - CONTEXT)
    a, b = old[head:len(old) - tail], new[head:len(new) - tail]
    notes = []
    if max(len(a), len(b)) > COMPARED_LINES:
        notes.append(f"only {COMPARED_LINES} lines of each side were compared from line "
                     f"{head + 1}")
        a, b = a[:COMPARED_LINES], b[:COMPARED_LINES]
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in matcher.get_grouped_opcodes(CONTEXT):
        first, last = group[0], group[-1]
        rows.append(DiffRow("hunk", None, None, (
            f"@@ -{_range(head + first[1], last[2] - first[1])} "
            f"+{_range(head + first[3], last[4] - first[3])} @@")))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows += [_row("same", head + i, head + j, a[i], None)
                         for i, j in zip(range(i1, i2), range(j1, j2))]
                continue
            rows += [_row("expected", head + i, None, a[i], i == len(old) - 1 - head)
                     for i in range(i1, i2)]
            rows += [_row("received", None, head + j, b[j], j == len(new) - 1 - head)
                     for j in range(j1, j2)]
    if len(rows) > DIFF_ROWS:
        notes.append(f"{len(rows) - DIFF_ROWS} more rows of the diff are not shown")
        rows = rows[:DIFF_ROWS]
    return Diff(tuple(rows), tuple(notes))


def _range(start: int, length: int) -> str:
    """A hunk's range as unified diffs write it (``difflib``'s rule): 1-based, ``,length``
    unless 1, and the line before for an empty side."""
    if length == 1:
        return f"{start + 1}"
    return f"{start + 1 if length else start},{length}"


def _row(kind: str, i: int | None, j: int | None, line: str, last: bool | None) -> DiffRow:
    text = line[:-1] if line.endswith("\n") else line
    if len(text) > LINE_CHARS:
        text = text[:LINE_CHARS] + "…"
    return DiffRow(kind, None if i is None else i + 1, None if j is None else j + 1, text,
                   bool(last) and not line.endswith("\n"))


def groups(row: Submission) -> list[dict]:
    """A scoring problem's groups as judged (``name``, ``verdict``, ``score``,
    ``max_score``); empty for other submissions."""
    return list((row.details or {}).get("groups") or [])

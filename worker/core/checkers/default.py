"""Kattis' default output validator, in Python, with its exact semantics.

- Both files are read as single-byte characters and split into tokens on whitespace: space,
  ``\\f``, ``\\n``, ``\\r``, ``\\t``, ``\\v``. Tokens are compared one by one; a different
  number of tokens is a wrong answer (``User EOF while judge had more output`` /
  ``Trailing output``).
- Tokens compare case-insensitively (ASCII letters only) unless ``case_sensitive``.
- ``space_change_sensitive``: every whitespace run (leading and trailing ones too) must be the
  same bytes as in the answer file.
- ``float_absolute_tolerance ε``, ``float_relative_tolerance ε``, ``float_tolerance ε`` (both):
  an answer token that is a number (the package format's grammar: decimal, optional
  exponent; ``inf``/``nan``/hex are not numbers, nor is anything that overflows a double)
  accepts an output token that is a number within *either* tolerance:
  ``|s-a| <= abs`` or ``|s-a| <= rel*|a|``. An output token that is not a number is wrong.
  Integers are numbers too. Giving a tolerance twice, or ``float_tolerance`` with another,
  is an error of the package (a judge error here).

Messages follow problemtools' ``default_validator.cc``: ``Wrong answer on line X of output
(corresponding to line Y in answer file)`` and what differed.
"""

from __future__ import annotations

import contextlib
import math
import mmap
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from .result import CheckOptions, CheckResult

__all__ = ["check", "compare", "open_answer", "DefaultFlags", "parse_flags", "parse_float",
           "same_tokens", "same_lines"]

Buffer = Union[bytes, mmap.mmap]  # what is compared: bytes, or an answer file mapped
_WHITESPACE = b" \t\n\v\f\r"
_WHITESPACE_BYTES = [bytes([c]) for c in _WHITESPACE]
_FLOAT = re.compile(rb"[+-]?(?:[0-9]*\.[0-9]+|[0-9]+\.?)(?:[eE][+-]?[0-9]+)?\Z")
_SHOW = 100  # bytes of a token shown in a message


@dataclass(frozen=True)
class DefaultFlags:
    """The default validator's options; a tolerance of ``None`` is not set."""

    case_sensitive: bool = False
    space_change_sensitive: bool = False
    absolute_tolerance: float | None = None
    relative_tolerance: float | None = None

    @property
    def floats(self) -> bool:
        """Whether numeric tokens compare with a tolerance."""
        return self.absolute_tolerance is not None or self.relative_tolerance is not None


def parse_float(token: bytes) -> float | None:
    """The value of a number token in the package format's grammar, else ``None``."""
    if not _FLOAT.match(token):
        return None
    value = float(token)
    return value if math.isfinite(value) else None


def parse_flags(flags: tuple[str, ...] | list[str]) -> DefaultFlags:
    """Parse the validator arguments; ``ValueError`` says what is wrong with them."""
    values: dict[str, object] = {}
    args = list(flags)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("case_sensitive", "space_change_sensitive"):
            values[arg] = True
        elif arg in ("float_absolute_tolerance", "float_relative_tolerance", "float_tolerance"):
            if i + 1 == len(args):
                raise ValueError(f"{arg} needs a value")
            value = parse_float(args[i + 1].encode())
            if value is None or value < 0:
                raise ValueError(f"{arg} needs a non-negative number, got {args[i + 1]!r}")
            if arg in values or ("float_tolerance" in values) or \
                    (arg == "float_tolerance" and any(k.startswith("float_") for k in values)):
                raise ValueError(f"{arg}: tolerances may be given once each, and "
                                 f"float_tolerance alone")
            values[arg] = value
            i += 1
        else:
            raise ValueError(f"unknown argument {arg!r} (known: case_sensitive, "
                             f"space_change_sensitive, float_absolute_tolerance, "
                             f"float_relative_tolerance, float_tolerance)")
        i += 1
    both = values.get("float_tolerance")
    return DefaultFlags(bool(values.get("case_sensitive")),
                        bool(values.get("space_change_sensitive")),
                        both if both is not None else values.get("float_absolute_tolerance"),
                        both if both is not None else values.get("float_relative_tolerance"))


def check(output: bytes, answer: Path, options: CheckOptions) -> CheckResult:
    """Compare ``output`` with the answer file as Kattis' default validator does."""
    try:
        flags = parse_flags(options.flags)
    except ValueError as exc:
        return CheckResult("SE", f"default validator: {exc}")
    with open_answer(answer) as judge:
        return compare(output, judge, flags)


@contextlib.contextmanager
def open_answer(path: Path) -> Iterator[Buffer]:
    """The answer file as a buffer: mapped, so a big one is read from the page cache as the
    comparison goes instead of copied into the judge's memory."""
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            yield b""
            return
        try:
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # a file that cannot be mapped: read as it is
            yield f.read()
            return
        with mapped:
            yield mapped


def _show(token: bytes) -> str:
    text = token[:_SHOW].decode("utf-8", "replace")
    return text + ("..." if len(token) > _SHOW else "")


def _token_error(judge: bytes, team: bytes, flags: DefaultFlags) -> str:
    """Why ``team`` does not match ``judge`` ('' when it does)."""
    if flags.floats:
        expected = parse_float(judge)
        if expected is not None:
            got = parse_float(team)
            if got is None:
                return f"Expected float, got: {_show(team)}"
            diff = abs(expected - got)
            if (flags.absolute_tolerance is not None and diff <= flags.absolute_tolerance) or \
                    (flags.relative_tolerance is not None
                     and diff <= flags.relative_tolerance * abs(expected)):
                return ""
            return (f"Too large difference.\n Judge: {_show(judge)}\n User: {_show(team)}\n"
                    f" Difference: {expected - got:e}\n (abs tol {flags.absolute_tolerance} "
                    f"rel tol {flags.relative_tolerance})")
    same = judge == team if flags.case_sensitive else judge.lower() == team.lower()
    if same:
        return ""
    return f'String tokens mismatch\nJudge: "{_show(judge)}"\nUser: "{_show(team)}"'


def compare(output: Buffer, answer: Buffer, flags: DefaultFlags) -> CheckResult:
    """The default validator on two buffers (bytes, or a mapped file): ``AC`` or ``WA`` with
    the reason.

    In two steps, in bounded memory whatever the sizes (the output is not split into a list
    of tokens: 64 MB of two-byte tokens would be 22 million objects). First both sides are
    read block by block in a canonical form, compared as byte strings at memcmp speed: with
    whitespace changes not significant, every whitespace run becomes one space after each
    token (letters folded unless ``case_sensitive``); with them significant, the bytes
    themselves (folded). Equal forms are accepted. Otherwise the first token that differs is
    found in both raw buffers and the comparison goes on from there token by token with the
    rules above (a number within tolerance is accepted and the comparison goes on), so that
    cost is paid only from the first difference on, and ends at the answer's end.
    """
    start = _first_difference(output, answer, flags)
    if start is None:
        return CheckResult("AC")
    team_at, judge_at, first = start
    return _token_by_token(output, team_at, answer, judge_at, first, flags)


def _first_difference(output: Buffer, answer: Buffer,
                      flags: DefaultFlags) -> tuple[int, int, bool] | None:
    """Where the token-by-token comparison starts: the offsets in the output and the answer
    (the start of the first differing token, or of the whitespace run before it when
    whitespace counts) and whether that is the first token; ``None`` when the canonical forms
    are equal."""
    if flags.space_change_sensitive:
        team = _Cursor(_folded(output, flags.case_sensitive))
        judge = _Cursor(_folded(answer, flags.case_sensitive))
        found = _diverge(team, judge)
        if found is None:
            return None
        at = found[0]  # the same offset in both: they are equal before it
        start = _piece_start(output, at)
        return start, start, start == 0
    team = _Cursor(_canonical(output, flags.case_sensitive))
    judge = _Cursor(_canonical(answer, flags.case_sensitive))
    found = _diverge(team, judge)
    if found is None:
        return None
    token = found[1]
    return (_token_at(output, team, token), _token_at(answer, judge, token), token == 0)


def _token_by_token(output: Buffer, team_at: int, answer: Buffer, judge_at: int, first: bool,
                    flags: DefaultFlags) -> CheckResult:
    """The validator's rules from ``team_at`` / ``judge_at`` on (see :func:`compare`)."""
    team_pieces, judge_pieces = _pieces(output, team_at), _pieces(answer, judge_at)
    team_line = 1 + _newlines(output, team_at)
    judge_line = 1 + _newlines(answer, judge_at)

    def wrong(reason: str) -> CheckResult:
        return CheckResult("WA", f"Wrong answer on line {team_line} of output (corresponding "
                                 f"to line {judge_line} in answer file)\n{reason}")

    for (judge_space, judge), (team_space, team) in zip(judge_pieces, team_pieces):
        if flags.space_change_sensitive and team_space != judge_space:
            return wrong(_space_error(judge_space, team_space + (team or b"")[:1]))
        judge_line += judge_space.count(b"\n")
        team_line += team_space.count(b"\n")
        if judge is None and team is None:
            return CheckResult("AC")
        if judge is None:
            return wrong(f"Trailing output:\n{_show(team or b'')}")
        if team is None:
            if not first:
                return wrong(f"User EOF while judge had more output\n(Next judge token: "
                             f"{_show(judge)})")
            what = "was empty" if not len(output) else "contained no tokens"
            return wrong(f"User EOF while judge had more output; user output {what}.\n"
                         f"(Next judge token: {_show(judge)})")
        error = _token_error(judge, team, flags)
        if error:
            return wrong(error)
        first = False
    return CheckResult("AC")  # not reached: both end with a (space, None) piece


def same_tokens(output: Buffer, expected: Buffer) -> bool:
    """Whether both have the same whitespace-separated tokens, case-sensitively (the Judge0
    API's ``tokens`` comparison), in bounded memory."""
    return _diverge(_Cursor(_canonical(output, True)), _Cursor(_canonical(expected, True))) \
        is None


def same_lines(output: Buffer, expected: Buffer) -> bool:
    """Judge0's comparison: equal once each line's trailing whitespace and the trailing blank
    lines are gone, in bounded memory."""
    return _diverge(_Cursor(_trimmed_lines(output)), _Cursor(_trimmed_lines(expected))) is None


_LINE_SPACE = b" \t\r\v\f"  # what bytes.rstrip() takes off a line (the newline aside)
_LINE_SPACES = bytes.maketrans(_LINE_SPACE, b" " * len(_LINE_SPACE))


def _trimmed_lines(buf: Buffer) -> Iterator[tuple[int, int, bytes]]:
    """``buf`` with every line's trailing whitespace and the trailing blank lines removed, in
    parts (as :func:`_canonical` gives them; offsets are not needed). Whitespace at a part's
    end waits until what follows it says whether it ends a line."""
    waiting = bytearray()
    for at in range(0, len(buf), _BLOCK):
        data = bytes(waiting) + buf[at:at + _BLOCK] if waiting else buf[at:at + _BLOCK]
        body = data.rstrip(_WHITESPACE)
        waiting = bytearray(data[len(body):])
        if not body:
            continue
        yield 0, 0, _trim_line_ends(body)


def _trim_line_ends(body: bytes) -> bytes:
    """``body`` with the whitespace at the end of each of its lines removed: at memchr speed
    when no line has any, or each has one space; else line by line."""
    if b" \n" not in body.translate(_LINE_SPACES):
        return body
    once = body.replace(b" \n", b"\n")  # the usual case: "1 2 3 \n"
    if b" \n" not in once.translate(_LINE_SPACES):
        return once
    return b"\n".join([line.rstrip(_LINE_SPACE) for line in body.split(b"\n")])


# --- reading both sides block by block -------------------------------------------------

_BLOCK = 1 << 16  # bytes of a side read at once (a module value, so tests can make it small)
_FOLD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
_SPACES = bytes.maketrans(_WHITESPACE, b" " * len(_WHITESPACE))
_SPACES_FOLD = bytes(_SPACES[_FOLD[i]] for i in range(256))
_PIECE = re.compile(rb"([ \t\n\v\f\r]*)([^ \t\n\v\f\r]*)")
_SKIP = re.compile(rb"[ \t\n\v\f\r]*[^ \t\n\v\f\r]+")
_RUN = re.compile(rb"[ \t\n\v\f\r]*")


def _canonical(buf: Buffer, case_sensitive: bool) -> Iterator[tuple[int, int, bytes]]:
    """The tokens of ``buf`` each followed by one space (folded unless ``case_sensitive``),
    as (raw offset of the block, tokens complete before it, its part). Blocks are cut
    anywhere: a space is dropped where the part before ends in one (or at the start), so the
    parts join into the same form wherever the cuts fall."""
    table = _SPACES if case_sensitive else _SPACES_FOLD
    tokens, spaced = 0, True  # spaced: the form so far ends in a space (or is empty)
    for at in range(0, len(buf), _BLOCK):
        part = buf[at:at + _BLOCK].translate(table)
        while b"  " in part:  # each pass halves every run of spaces
            part = part.replace(b"  ", b" ")
        if spaced and part[:1] == b" ":
            part = part[1:]
        if part:
            yield at, tokens, part
            tokens += part.count(b" ")
            spaced = part[-1:] == b" "
    if not spaced:
        yield len(buf), tokens, b" "


def _folded(buf: Buffer, case_sensitive: bool) -> Iterator[tuple[int, int, bytes]]:
    """``buf`` itself (folded unless ``case_sensitive``) block by block, as
    :func:`_canonical` gives its parts: raw offsets and canonical ones are the same."""
    for at in range(0, len(buf), _BLOCK):
        part = buf[at:at + _BLOCK]
        yield at, 0, part if case_sensitive else part.translate(_FOLD)


class _Cursor:
    """Where a comparison is in one side's parts: the current part (its raw offset, the tokens
    complete before it) and the offset in it."""

    def __init__(self, parts: Iterator[tuple[int, int, bytes]]) -> None:
        self.parts = parts
        self.raw, self.before, self.part, self.at = 0, 0, b"", 0

    def fill(self) -> bool:
        """A part with bytes left to compare (False at the end; the last part stays)."""
        while self.at == len(self.part):
            following = next(self.parts, None)
            if following is None:
                return False
            (self.raw, self.before, self.part), self.at = following, 0
        return True


def _diverge(team: _Cursor, judge: _Cursor) -> tuple[int, int] | None:
    """Compare two sides' parts as one byte string each: ``None`` when equal, else the
    offset of the first difference in the forms and the spaces (tokens) before it."""
    at = 0
    while True:
        more_team, more_judge = team.fill(), judge.fill()
        if not (more_team and more_judge):
            if more_team == more_judge:
                return None
            ended = judge if more_team else team  # at its end: all its spaces were before
            return at, ended.before + ended.part.count(b" ")
        size = min(len(team.part) - team.at, len(judge.part) - judge.at)
        ours = team.part[team.at:team.at + size]
        if ours != judge.part[judge.at:judge.at + size]:
            same = _common_prefix(ours, judge.part[judge.at:judge.at + size])
            return at + same, team.before + team.part.count(b" ", 0, team.at + same)
        at += size
        team.at += size
        judge.at += size


def _common_prefix(a: bytes, b: bytes) -> int:
    """The length of the common prefix of two different byte strings of one length."""
    low, high = 0, len(a)  # a[:low] == b[:low], a[:high] != b[:high]
    while high - low > 1:
        middle = (low + high) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle
    return low


def _token_at(buf: Buffer, cursor: _Cursor, token: int) -> int:
    """The raw offset of token number ``token`` of ``buf`` (its length if it has fewer),
    found from the cursor's part: ``cursor.before`` tokens were complete before it, and the
    token that was not yet (cut by the part's start) began before it."""
    at = cursor.raw
    if at > 0 and buf[at - 1:at] not in _WHITESPACE_BYTES:
        at = _back_over(buf, at, spaces=False)
    for _ in range(token - cursor.before):
        found = _SKIP.match(buf, at)
        if found is None:
            return len(buf)
        at = found.end()
    return _RUN.match(buf, at).end()


def _piece_start(buf: Buffer, at: int) -> int:
    """The start of the whitespace run before the token at (or before) offset ``at``."""
    if at > 0 and buf[at - 1:at] not in _WHITESPACE_BYTES:
        at = _back_over(buf, at, spaces=False)
    return _back_over(buf, at, spaces=True)


def _back_over(buf: Buffer, end: int, spaces: bool) -> int:
    """The start of the run of whitespace (``spaces``) or of non-whitespace that ends at
    ``end``, read backwards in blocks."""
    while end > 0:
        low = max(0, end - 4096)
        chunk = buf[low:end]
        if spaces:
            kept = len(chunk.rstrip(_WHITESPACE))
        else:
            kept = max(chunk.rfind(c) for c in _WHITESPACE_BYTES) + 1
        if kept:
            return low + kept
        end = low
    return 0


def _newlines(buf: Buffer, end: int) -> int:
    """How many newlines ``buf`` has before ``end``."""
    return sum(buf[at:min(end, at + (1 << 20))].count(b"\n") for at in range(0, end, 1 << 20))


def _pieces(buf: Buffer, at: int) -> Iterator[tuple[bytes, bytes | None]]:
    """(whitespace run, token) from offset ``at`` on; last (trailing whitespace, None)."""
    while True:
        found = _PIECE.match(buf, at)
        space, token = found.group(1), found.group(2)
        if not token:
            yield space, None
            return
        yield space, token
        at = found.end()


def _space_error(judge: bytes, team: bytes) -> str:
    """Kattis' message: the first differing byte (``team`` ends with the byte after its
    whitespace run, -1 at the end of the output)."""
    for j, t in zip(judge, team):
        if j != t:
            return f"Space change error: got {t} expected {j}"
    if len(team) > len(judge):
        return f"Space change error: judge out of space, got {team[len(judge)]} from user"
    return f"Space change error: got -1 expected {judge[len(team)]}"

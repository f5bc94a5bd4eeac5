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

import math
import re
from dataclasses import dataclass
from pathlib import Path

from .result import CheckOptions, CheckResult

__all__ = ["check", "compare", "DefaultFlags", "parse_flags", "parse_float"]

_WHITESPACE = b" \t\n\v\f\r"
_SPLIT = re.compile(rb"([^ \t\n\v\f\r]+)")
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
    return compare(output, answer.read_bytes(), flags)


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


def compare(output: bytes, answer: bytes, flags: DefaultFlags) -> CheckResult:
    """The default validator on two byte strings: ``AC`` or ``WA`` with the reason."""
    # re.split with a group: [ws, token, ws, token, ..., ws]; tokens at odd indices
    judge_parts = _SPLIT.split(answer)
    team_parts = _SPLIT.split(output)
    judge_line = team_line = 1

    def wrong(reason: str) -> CheckResult:
        return CheckResult("WA", f"Wrong answer on line {team_line} of output (corresponding "
                                 f"to line {judge_line} in answer file)\n{reason}")

    for index in range(0, max(len(judge_parts), len(team_parts))):
        judge = judge_parts[index] if index < len(judge_parts) else None
        team = team_parts[index] if index < len(team_parts) else None
        if index % 2 == 0:  # a whitespace run
            if flags.space_change_sensitive and judge is not None and team != judge:
                after = team_parts[index + 1][:1] if index + 1 < len(team_parts) else b""
                return wrong(_space_error(judge, (team or b"") + after))
            judge_line += (judge or b"").count(b"\n")
            team_line += (team or b"").count(b"\n")
            continue
        if judge is None:
            return wrong(f"Trailing output:\n{_show(team or b'')}")
        if team is None:
            if index > 1:
                return wrong(f"User EOF while judge had more output\n(Next judge token: "
                             f"{_show(judge)})")
            what = "was empty" if not output else "contained no tokens"
            return wrong(f"User EOF while judge had more output; user output {what}.\n"
                         f"(Next judge token: {_show(judge)})")
        error = _token_error(judge, team, flags)
        if error:
            return wrong(error)
    return CheckResult("AC")


def _space_error(judge: bytes, team: bytes) -> str:
    """Kattis' message: the first differing byte (``team`` ends with the byte after its
    whitespace run, -1 at the end of the output)."""
    for j, t in zip(judge, team):
        if j != t:
            return f"Space change error: got {t} expected {j}"
    if len(team) > len(judge):
        return f"Space change error: judge out of space, got {team[len(judge)]} from user"
    return f"Space change error: got -1 expected {judge[len(team)]}"

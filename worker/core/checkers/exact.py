"""Exact comparison: the output must be the answer file, byte for byte.

For problems whose output format is part of the task (``judgebox: {checker: exact}`` in
``problem.yaml``). Validator arguments are ignored.
"""

from __future__ import annotations

from pathlib import Path

from .result import CheckOptions, CheckResult

__all__ = ["check"]


def check(output: bytes, answer: Path, options: CheckOptions) -> CheckResult:
    """``AC`` when ``output`` equals the answer file's bytes, else ``WA`` saying where."""
    expected = answer.read_bytes()
    if output == expected:
        return CheckResult("AC")
    at = next((i for i, (a, b) in enumerate(zip(output, expected)) if a != b),
              min(len(output), len(expected)))
    line = output.count(b"\n", 0, at) + 1
    if at == len(output):
        return CheckResult("WA", f"Output ends at byte {at} (line {line}); the answer has "
                                 f"{len(expected) - at} more bytes")
    if at == len(expected):
        return CheckResult("WA", f"Trailing output from byte {at} (line {line}): "
                                 f"{len(output) - at} bytes more than the answer")
    return CheckResult("WA", f"Byte {at} (line {line}) differs: got {output[at]!r:.20}, "
                             f"expected {expected[at]!r:.20}")

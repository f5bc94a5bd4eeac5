"""Example submissions: ``submissions/<category>/<file or directory>`` and what each expects.

The folder gives the expected verdict(s); a DOMjudge ``@EXPECTED_RESULTS@: A, B`` tag in the
source overrides it (any of the listed results is a match).
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import PackageError
from .model import Submission
from .sources import is_ignored, main_source, program_language

__all__ = ["CATEGORIES", "DOMJUDGE_RESULTS", "find_submissions", "expected_results_tag"]

# Folder -> verdicts that count as the expected one (memory-limit runs are run-time errors to
# Kattis: it reports them as RTE).
CATEGORIES: dict[str, frozenset[str]] = {
    "accepted": frozenset({"AC"}),
    "partially_accepted": frozenset({"AC", "WA", "TLE", "RE", "MLE", "OLE"}),
    "wrong_answer": frozenset({"WA"}),
    "time_limit_exceeded": frozenset({"TLE"}),
    "run_time_error": frozenset({"RE", "MLE"}),
    "memory_limit_exceeded": frozenset({"MLE"}),
    "output_limit_exceeded": frozenset({"OLE"}),
    "compile_error": frozenset({"CE"}),
    "compiler_error": frozenset({"CE"}),
    "rejected": frozenset({"WA", "TLE", "RE", "MLE", "OLE"}),
    "brute_force": frozenset({"TLE", "RE", "MLE"}),
}

DOMJUDGE_RESULTS: dict[str, frozenset[str]] = {
    "CORRECT": frozenset({"AC"}),
    "ACCEPTED": frozenset({"AC"}),
    "WRONG-ANSWER": frozenset({"WA"}),
    "NO-OUTPUT": frozenset({"WA"}),
    "TIMELIMIT": frozenset({"TLE"}),
    "RUN-ERROR": frozenset({"RE", "MLE"}),
    "MEMORY-LIMIT": frozenset({"MLE"}),
    "OUTPUT-LIMIT": frozenset({"OLE"}),
    "COMPILER-ERROR": frozenset({"CE"}),
}

_TAG = re.compile(rb"@EXPECTED_RESULTS@\s*:?\s*([^\r\n]*)")
_NOT_SOURCES = (".md", ".txt", ".yaml", ".yml", ".json", ".pdf")


def expected_results_tag(path: Path) -> frozenset[str] | None:
    """The verdicts of a DOMjudge ``@EXPECTED_RESULTS@:`` tag in ``path``, if it has one."""
    match = _TAG.search(path.read_bytes()[:256 * 1024])
    if match is None:
        return None
    words = [w for w in re.split(r"[\s,]+", match.group(1).decode("ascii", "replace"))
             if w and not w.startswith(("*/", "-->"))]
    if not words:
        raise PackageError(path, "@EXPECTED_RESULTS@ tag without results")
    verdicts: set[str] = set()
    for word in words:
        key = word.upper().replace("_", "-")
        if key not in DOMJUDGE_RESULTS:
            raise PackageError(path, f"unknown @EXPECTED_RESULTS@ result {word!r} (known: "
                               f"{', '.join(DOMJUDGE_RESULTS)})")
        verdicts |= DOMJUDGE_RESULTS[key]
    return frozenset(verdicts)


def find_submissions(root: Path, scoring: bool) -> tuple[Submission, ...]:
    """Every example submission under ``root/submissions``, category by category."""
    base = root / "submissions"
    if not base.is_dir():
        return ()
    found: list[Submission] = []
    for folder in sorted(p for p in base.iterdir() if p.is_dir() and not is_ignored(p)):
        category = folder.name
        for entry in sorted(folder.iterdir()):
            if is_ignored(entry) or (entry.is_file() and entry.suffix.lower() in _NOT_SOURCES):
                continue
            found.append(_submission(base, category, entry))
    return tuple(found)


def _submission(base: Path, category: str, entry: Path) -> Submission:
    name = str(entry.relative_to(base))
    source, problem = (entry, "") if entry.is_file() else main_source(entry)
    if source is not None and program_language(source) is None:
        problem = f"no language for the extension of {source.name}"
    tagged = expected_results_tag(source) if source is not None else None
    expected = tagged if tagged is not None else CATEGORIES.get(category)
    if expected is None:
        return Submission(name, source or entry, category, frozenset(),
                          problem=problem or f"unknown folder {category!r} (no expected "
                          f"verdict; use a standard folder or an @EXPECTED_RESULTS@ tag)")
    return Submission(name, source or entry, category, expected,
                      partial=category == "partially_accepted" and tagged is None,
                      expected_from="tag" if tagged is not None else "folder",
                      problem=problem)

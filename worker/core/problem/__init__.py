"""Problem packages: one internal model read from Kattis / ICPC packages and DOMjudge exports.

``open_problem(path)`` reads a package directory, or a ``.zip`` / ``.kpp`` archive (extracted
safely into a temporary directory that lives as long as the ``with`` block)::

    with open_problem(Path("examples/aplusb")) as problem:
        print(problem.name, problem.type, len(problem.cases))

A broken package raises :class:`PackageError` naming the file and what is wrong. A
submission's own tests make a problem too (:func:`adhoc_problem`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ._yaml import read_yaml
from .adhoc import ADHOC_CHECKERS, adhoc_problem
from .archive import ArchiveLimits, extract_archive
from .constants import substitute_constants
from .errors import PackageError
from .load import load_problem, parse_domjudge_ini
from .model import (DEFAULT_OUTPUT_MB, VERDICTS, Problem, ProblemLimits, Rule, Scoring, Submission,
                    TestCase, TestGroup, ValidatorSpec)
from .sources import main_source, read_source
from .timelimit import derive_time_limit, tle_margin_problem

__all__ = [
    "open_problem", "load_problem", "extract_archive", "ArchiveLimits", "PackageError",
    "Problem", "ProblemLimits", "Scoring", "Submission", "TestCase", "TestGroup",
    "ValidatorSpec", "VERDICTS", "derive_time_limit", "tle_margin_problem", "read_source",
    "main_source", "parse_domjudge_ini", "read_yaml", "substitute_constants", "Rule",
    "DEFAULT_OUTPUT_MB", "kattis_code", "adhoc_problem", "ADHOC_CHECKERS",
]


def kattis_code(language_id: str) -> str:
    """The Kattis format's code of a judgebox language (``include/<code>/``): the same id,
    but one ``cpp`` for both C++ standards and one ``python3`` for both interpreters."""
    return {"cpp17": "cpp", "cpp20": "cpp", "pypy3": "python3"}.get(language_id, language_id)

ARCHIVE_SUFFIXES = (".zip", ".kpp")


@contextlib.contextmanager
def open_problem(path: Path, limits: ArchiveLimits = ArchiveLimits()) -> Iterator[Problem]:
    """The package at ``path`` (a directory or an archive), for the ``with`` block."""
    path = Path(path)
    if path.is_file() and path.suffix.lower() in ARCHIVE_SUFFIXES:
        with tempfile.TemporaryDirectory(prefix="judgebox-package-") as tmp:
            try:
                problem = load_problem(extract_archive(path, Path(tmp), limits))
                yield dataclasses.replace(problem, short_name=path.stem)
            except PackageError as exc:  # named after the archive, not where it was unpacked
                raise _in_archive(exc, path, tmp) from exc
    elif path.is_dir():
        yield load_problem(path)
    elif path.exists():
        raise PackageError(path, "not a problem package (a directory, .zip or .kpp)")
    else:
        raise PackageError(path, "no such file or directory")


def _in_archive(exc: PackageError, archive: Path, unpacked: str) -> PackageError:
    """``exc`` with the temporary directory the archive was unpacked to replaced by the
    archive's own name (``pkg.zip: aplusb/problem.yaml: missing``, not ``/tmp/...``)."""
    def named(text: str) -> str:
        return text.replace(unpacked + os.sep, f"{archive}: ").replace(unpacked, str(archive))
    if not exc.path.startswith(unpacked):
        return PackageError(exc.path, named(exc.reason))
    return PackageError(named(exc.path), named(exc.reason))

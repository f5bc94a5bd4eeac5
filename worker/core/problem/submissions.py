"""Example submissions: ``submissions/<category>/<file or directory>`` and what each expects.

The folder gives the expected verdict(s). A DOMjudge ``@EXPECTED_RESULTS@: A, B`` tag in the
submission's own files can say otherwise, by DOMjudge's rules (``SubmissionService::
parseExpectedAnnotation`` and the problem import): the tag is the text ``@EXPECTED_RESULTS@: ``
(colon and space, any case), read from the first of the submission's files that has one; the
results are comma-separated, any case, with DOMjudge's aliases (``RUN_TIME_ERROR`` is
``RUN-ERROR``...); a file with the tag twice has no usable tag (the folder decides); when the
tag lists the folder's own result, the folder's result alone is expected, else the tag's. An
``@EXPECTED_SCORE@: N`` tag gives the expected score (a non-numeric value is read as results).

Nothing here is read when a package is loaded: the tags of one submission are read when that
submission is looked at, and a bad tag is that submission's ``problem`` (``verify`` reports it
and goes on), never an error of the package. Metadata files add what a folder cannot say:
DOMjudge's ``submissions.json`` (``entry_point``, ``langid``) and the Kattis format's
``submissions/submissions.yaml`` (``language``, ``entrypoint``, and the expectations
``permitted``, ``required``, ``score``, ``message`` by glob; :class:`Rule`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._yaml import read_yaml
from .errors import PackageError
from .sources import is_ignored

__all__ = ["Rule", "Submission", "CATEGORIES", "DOMJUDGE_RESULTS", "find_submissions",
           "expected_annotation", "Annotation", "default_rules", "glob_matches"]


@dataclass(frozen=True)
class Rule:
    """One requirement of ``submissions.yaml`` (2025-09) on a submission's test verdicts.

    ``tests``: the glob of the test cases or groups it covers (``None``: all). Verdicts are
    the format's (``AC``, ``WA``, ``TLE``, ``RTE``): every covered test's must be in
    ``permitted``, at least one in ``required`` (each ``None`` when not given); ``score`` an
    inclusive range of the submission's score (of the covered group's aggregated score under
    a test-group key); ``message`` a text some test's checker message must contain.
    ``time_limit``: what the rule's tests tell of the time limit (the format's "time limit
    inference"): ``lower`` (the submission may not time out there: limit >= slowest x
    ``ac_to_time_limit``), ``upper`` (it must: limit <= slowest / ``time_limit_to_tle``),
    or ``None``; ``use_for_time_limit`` sets it, else ``permitted`` without TLE is lower and
    ``required: [TLE]`` upper."""

    tests: str | None
    permitted: frozenset[str] | None = None
    required: frozenset[str] | None = None
    score: tuple[float, float] | None = None
    message: str | None = None
    time_limit: str | None = None


@dataclass(frozen=True)
class Submission:
    """An example submission of the package and the verdicts it is expected to get.

    ``category`` is its folder (``accepted``, ``wrong_answer``...); ``expected`` the verdicts
    that count as a match (``{"RE", "MLE"}`` for ``run_time_error``); ``partial`` marks
    ``partially_accepted`` (a score above 0 and below the maximum). ``problem`` is set when the
    submission cannot be judged here (an unknown tag result, an unknown folder...).
    ``files`` are its files (one, or a directory's); ``language`` and ``entry`` what the
    package's metadata says (``submissions.yaml``, DOMjudge's ``submissions.json``);
    ``rules`` the requirements of ``submissions.yaml`` (then they decide, not ``expected``);
    ``expected_score`` a DOMjudge ``@EXPECTED_SCORE@`` tag.
    """

    name: str
    path: Path
    category: str
    expected: frozenset[str]
    partial: bool = False
    expected_from: str = "folder"
    problem: str = ""
    files: tuple[Path, ...] = ()
    language: str | None = None
    entry: str | None = None
    rules: tuple[Rule, ...] = ()
    expected_score: float | None = None

    @property
    def multi_file(self) -> bool:
        """A directory of files (a program of several files)."""
        return self.path.is_dir()


# Folder -> verdicts that count as the expected one (memory-limit runs are run-time errors to
# Kattis: it reports them as RTE). DOMjudge's folder names are its results, lower case.
CATEGORIES: dict[str, frozenset[str]] = {
    "accepted": frozenset({"AC"}),
    "partially_accepted": frozenset({"AC", "WA", "TLE", "RE", "MLE", "OLE"}),
    "wrong_answer": frozenset({"WA"}),
    "time_limit_exceeded": frozenset({"TLE"}),
    "run_time_error": frozenset({"RE", "MLE"}),
    "memory_limit_exceeded": frozenset({"MLE"}),
    "output_limit_exceeded": frozenset({"OLE"}),
    "output_limit": frozenset({"OLE"}),
    "no_output": frozenset({"WA"}),
    "compile_error": frozenset({"CE"}),
    "compiler_error": frozenset({"CE"}),
    "rejected": frozenset({"WA", "TLE", "RE", "MLE", "OLE"}),
    "brute_force": frozenset({"TLE", "RE", "MLE"}),
}

# DOMjudge's results. NO-OUTPUT (nothing printed where an answer was due) is a wrong answer
# here: judgebox has no verdict of its own for it.
DOMJUDGE_RESULTS: dict[str, frozenset[str]] = {
    "CORRECT": frozenset({"AC"}),
    "WRONG-ANSWER": frozenset({"WA"}),
    "NO-OUTPUT": frozenset({"WA"}),
    "TIMELIMIT": frozenset({"TLE"}),
    "RUN-ERROR": frozenset({"RE", "MLE"}),
    "MEMORY-LIMIT": frozenset({"MLE"}),
    "OUTPUT-LIMIT": frozenset({"OLE"}),
    "COMPILER-ERROR": frozenset({"CE"}),
}
# DOMjudge's aliases (SubmissionService::PROBLEM_RESULT_REMAP), and its folder names.
_REMAP = {"ACCEPTED": "CORRECT", "WRONG_ANSWER": "WRONG-ANSWER",
          "TIME_LIMIT_EXCEEDED": "TIMELIMIT", "RUN_TIME_ERROR": "RUN-ERROR",
          "COMPILER_ERROR": "COMPILER-ERROR", "NO_OUTPUT": "NO-OUTPUT",
          "OUTPUT_LIMIT": "OUTPUT-LIMIT"}
_TAGS = (b"@expected_results@: ", b"@expected_score@: ")
_NOT_SOURCES = (".md", ".txt", ".yaml", ".yml", ".json", ".pdf")
_MAX_TAG_SCAN = 1024 * 1024


def _normalize(result: str) -> str:
    result = result.strip().upper()
    return _REMAP.get(result, result)


@dataclass(frozen=True)
class Annotation:
    """A submission's tags: ``results`` (normalized DOMjudge names) and ``score``; ``problem``
    says why they cannot be used (twice in one file)."""

    results: tuple[str, ...] | None = None
    score: float | None = None
    problem: str = ""


def _annotation(data: bytes) -> Annotation | None:
    """The tags of one file, as DOMjudge reads them (``None``: no tag)."""
    lower = data[:_MAX_TAG_SCAN].lower()
    results: tuple[str, ...] | None = None
    score: float | None = None
    for pattern in _TAGS:
        pos = lower.find(pattern)
        if pos < 0:
            continue
        if lower.find(pattern, pos + len(pattern)) >= 0:
            return Annotation(problem=f"the tag {pattern.decode().strip().upper()} appears "
                                      f"twice (DOMjudge then ignores the tags)")
        start = pos + len(pattern)
        end = data.find(b"\n", start)
        text = data[start:end if end >= 0 else len(data)].decode("utf-8", "replace").strip()
        if pattern == _TAGS[1]:
            try:
                score = float(text)
                continue
            except ValueError:
                pass
        if results is not None:
            return Annotation(problem="results are given twice (@EXPECTED_RESULTS@ and "
                                      "@EXPECTED_SCORE@)")
        # A comment's closer after the tag (``*/``, ``-->``) is not a result: DOMjudge would
        # read it as one; judgebox lets it go.
        text = re.sub(r"\s*(\*/|-->)\s*$", "", text)
        results = tuple(_normalize(word) for word in text.split(","))
    if results is None and score is None:
        return None
    return Annotation(results, score)


def expected_annotation(files: list[Path]) -> Annotation | None:
    """The tags of a submission: those of the first of its ``files`` that has any."""
    for path in files:
        try:
            with path.open("rb") as handle:
                found = _annotation(handle.read(_MAX_TAG_SCAN))
        except OSError as exc:
            return Annotation(problem=f"cannot read {path.name}: {exc}")
        if found is not None:
            return found
    return None


def _expected(category: str, annotation: Annotation | None
              ) -> tuple[frozenset[str] | None, str, str]:
    """(expected verdicts, where from, problem) by DOMjudge's rules."""
    folder = CATEGORIES.get(category)
    if annotation is None or annotation.problem or annotation.results is None:
        why = annotation.problem if annotation is not None else ""
        if folder is None:
            return None, "folder", why or (f"unknown folder {category!r} (no expected "
                                           f"verdict; use a standard folder or an "
                                           f"@EXPECTED_RESULTS@ tag)")
        return folder, "folder", ""
    unknown = [r for r in annotation.results if r not in DOMJUDGE_RESULTS]
    if unknown:
        return None, "tag", (f"@EXPECTED_RESULTS@ names {', '.join(unknown)}, not a result "
                             f"judgebox gives (known: {', '.join(DOMJUDGE_RESULTS)})")
    tagged = frozenset().union(*(DOMJUDGE_RESULTS[r] for r in annotation.results))
    own = DOMJUDGE_RESULTS.get(_normalize(category))
    if own is not None and own <= tagged:
        return own, "folder", ""  # DOMjudge restricts the tag to the folder's own result
    if folder is not None and folder & tagged and _normalize(category) not in _REMAP.values():
        return folder & tagged, "tag", ""
    return tagged, "tag", ""


def _files_of(entry: Path) -> list[Path]:
    if entry.is_file():
        return [entry]
    return sorted(p for p in entry.iterdir() if p.is_file())


def _domjudge_details(base: Path) -> dict[str, dict]:
    """``submissions.json`` of a DOMjudge package: path -> {entry_point, langid}."""
    path = base.parent / "submissions.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(path, f"invalid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PackageError(path, "must be a JSON object")
    return {key.rstrip("/"): value for key, value in data.items() if isinstance(value, dict)}


def find_submissions(root: Path, scoring: bool, answers: bool = False
                     ) -> tuple[Submission, ...]:
    """Every example submission under ``root/submissions``, category by category (a broken
    ``submissions.json`` or ``submissions.yaml`` is a PackageError). ``answers``: a
    submit-answer problem's, where a ``.txt`` file may be an answer."""
    skipped = tuple(s for s in _NOT_SOURCES if not (answers and s == ".txt"))
    base = root / "submissions"
    if not base.is_dir():
        return ()
    details = _domjudge_details(base)
    meta = read_yaml(base / "submissions.yaml")
    found: list[Submission] = []
    for folder in sorted(p for p in base.iterdir() if p.is_dir() and not is_ignored(p)):
        for entry in sorted(folder.iterdir()):
            if is_ignored(entry) or (entry.is_file() and entry.suffix.lower() in skipped):
                continue
            found.append(_submission(base, folder.name, entry, details, meta, scoring))
    return tuple(found)


def _submission(base: Path, category: str, entry: Path, details: dict[str, dict],
                meta: dict[str, Any], scoring: bool) -> Submission:
    name = str(entry.relative_to(base))
    files = _files_of(entry)
    annotation = expected_annotation(files)
    expected, source, problem = _expected(category, annotation)
    own = details.get(f"submissions/{name}", {})
    language, entry_point = own.get("langid"), own.get("entry_point")
    rules: tuple[Rule, ...] = ()
    if meta:
        language, entry_point, rules = _yaml_metadata(meta, name, category, language,
                                                      entry_point, base)
        if rules:
            expected, source, problem = expected or frozenset(), "submissions.yaml", \
                "" if problem.startswith("unknown folder") else problem
    if not files:
        problem = problem or "an empty directory"
    return Submission(name, entry, category, expected or frozenset(),
                      partial=category == "partially_accepted" and source == "folder",
                      expected_from=source, problem=problem, files=tuple(files),
                      language=str(language) if language else None,
                      entry=str(entry_point) if entry_point else None, rules=rules,
                      expected_score=annotation.score if annotation else None)


# --- submissions.yaml (2025-09) -----------------------------------------------------------

_VERDICTS = frozenset({"AC", "WA", "TLE", "RTE"})
_RULE_KEYS = ("permitted", "required", "score", "message", "use_for_time_limit")
_OTHER_KEYS = ("language", "entrypoint", "authors", "model_solution")


def default_rules() -> dict[str, dict[str, Any]]:
    """The format's default requirements of the standard folders."""
    every = sorted(_VERDICTS)
    return {"accepted": {"permitted": ["AC"]},
            "rejected": {"required": ["RTE", "TLE", "WA"]},
            "wrong_answer": {"permitted": ["AC", "WA"], "required": ["WA"]},
            "time_limit_exceeded": {"permitted": ["AC", "TLE"], "required": ["TLE"]},
            "run_time_error": {"permitted": ["AC", "RTE"], "required": ["RTE"]},
            "brute_force": {"permitted": ["AC", "RTE", "TLE"], "required": ["RTE", "TLE"]},
            "_every": {"permitted": every}}


def _braces(pattern: str) -> list[str]:
    match = re.search(r"\{([^{}]*)\}", pattern)
    if match is None:
        return [pattern]
    return [out for alt in match.group(1).split(",")
            for out in _braces(pattern[:match.start()] + alt + pattern[match.end():])]


def glob_matches(pattern: str, path: str) -> bool:
    """The format's glob: ``*`` within one name, brace alternatives; a path matches when it or
    one of its parent directories does."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    for alternative in _braces(pattern.rstrip("/")):
        regex = re.escape(alternative).replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        if any(re.fullmatch(regex, prefix) for prefix in prefixes):
            return True
    return False


def _rule(table: dict[str, Any], where: Path, key: str, tests: str | None) -> Rule:
    def verdicts(name: str) -> frozenset[str] | None:
        value = table.get(name)
        if value is None:
            return None
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list) or not set(value) <= _VERDICTS:
            raise PackageError(where, f"{key}: {name} must be a list of AC, WA, TLE, RTE")
        return frozenset(value)
    score = table.get("score")
    if score is not None:
        try:
            score = (float(score), float(score)) if not isinstance(score, list) else \
                (float(score[0]), float(score[1]))
        except (TypeError, ValueError, IndexError):
            raise PackageError(where, f"{key}: score must be a number or two") from None
    message = table.get("message")
    permitted, required = verdicts("permitted"), verdicts("required")
    use = table.get("use_for_time_limit", True)
    if use not in (True, False, "lower", "upper"):
        raise PackageError(where, f"{key}: use_for_time_limit must be true, false, lower or "
                                  f"upper")
    if use == "lower":  # "equivalent to a permitted: [AC, WA, RTE] constraint"
        permitted = (permitted or frozenset({"AC", "WA", "RTE"})) & {"AC", "WA", "RTE"}
    elif use == "upper":  # "... and the second to a required: [TLE] constraint"
        required = frozenset({"TLE"})
    bound = use if use in ("lower", "upper") else None
    if use is True:  # what the rule implies (the format's time limit inference)
        bound = "lower" if permitted is not None and "TLE" not in permitted else \
            "upper" if required == {"TLE"} else None
    return Rule(tests, permitted, required, score,
                str(message) if message is not None else None, bound)


def _rules_of(table: dict[str, Any], where: Path, key: str) -> list[Rule]:
    """The requirements in one glob's table: its own, and those under test-group keys."""
    rules = []
    if any(k in table for k in ("permitted", "required", "score", "message",
                                "use_for_time_limit")):
        rules.append(_rule(table, where, key, None))
    for sub, value in table.items():
        if sub in _RULE_KEYS or sub in _OTHER_KEYS:
            continue
        if not isinstance(value, dict):
            raise PackageError(where, f"{key}: unknown key {sub!r}")
        rules.append(_rule(value, where, f"{key}: {sub}", sub))
    return rules


def _yaml_metadata(meta: dict[str, Any], name: str, category: str, language: Any,
                   entry_point: Any, base: Path) -> tuple[Any, Any, tuple[Rule, ...]]:
    where = base / "submissions.yaml"
    defaults = default_rules()
    folder = dict(defaults.get(category, {}))
    rules: list[Rule] = []
    for key, table in meta.items():
        if not isinstance(table, dict):
            raise PackageError(where, f"{key}: must be a mapping")
        if str(key).rstrip("/") == category:  # replaces the folder's default requirements
            folder |= {k: v for k, v in table.items() if k in _RULE_KEYS}
        elif not glob_matches(str(key), name):
            continue
        else:
            rules += _rules_of(table, where, str(key))
        language = table.get("language", language)
        entry_point = table.get("entrypoint", entry_point)
    if folder:
        rules.insert(0, _rule(folder, where, category, None))
    return language, entry_point, tuple(rules)


"""Reading a package directory into a :class:`~worker.core.problem.model.Problem`.

Layouts: legacy (no ``problem_format_version``; ``validation``, ``validator_flags``,
``testdata.yaml`` with ``grader_flags`` / ``accept_score`` / ``on_reject``, nested groups,
``output_validators/``), 2023-07 (``type`` list, ``testdata.yaml`` or ``test_group.yaml``,
``scoring: {score, aggregation}``), 2025-09 (``test_group.yaml`` with ``max_score`` /
``score_aggregation`` / ``require_pass``, ``output_validator/``), and DOMjudge's additions
(``.timelimit``, ``domjudge-problem.ini``, ``@EXPECTED_RESULTS@:`` tags in sources).
Every problem found raises :class:`PackageError` naming the file.
"""

from __future__ import annotations

import math
import re
import shlex
from pathlib import Path
from typing import Any

from ._yaml import read_yaml
from .errors import PackageError
from .model import Problem, ProblemLimits, Scoring, TestCase, TestGroup, ValidatorSpec
from .sources import is_ignored, main_source

__all__ = ["load_problem", "read_yaml"]

LEGACY_FORMATS = ("legacy", "legacy-icpc")
NEW_FORMATS = ("2023-07-draft", "2023-07", "draft", "2025-09-draft", "2025-09")
_TYPES = ("pass-fail", "scoring", "multi-pass", "interactive", "submit-answer")
_CHECKERS = ("default", "exact", "lines", "kattis", "testlib")
_GROUP_FILES = ("test_group.yaml", "testdata.yaml")
_AGGREGATIONS = ("pass-fail", "sum", "min", "max", "avg")
# testdata.yaml keys of problemtools' default grader: a package that uses any is graded by it.
_LEGACY_GRADING_KEYS = ("accept_score", "reject_score", "range", "on_reject", "grader_flags",
                        "grading")
_CONSTANT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def load_problem(root: Path) -> Problem:
    """Read the package in directory ``root``."""
    root = Path(root).absolute()
    if not root.is_dir():
        raise PackageError(root, "not a problem package (a directory, .zip or .kpp)")
    config_path = root / "problem.yaml"
    config = read_yaml(config_path, required=True)
    fmt = _format(config, config_path)
    legacy = fmt in LEGACY_FORMATS
    scoring, interactive, multi_pass, custom, custom_score = _types(config, config_path,
                                                                    legacy)
    submit_answer = "submit-answer" in _words(config.get("type", "pass-fail"), config_path,
                                              "type") and not legacy
    limits = _limits(config, config_path, root, legacy)
    constants = _constants(config, config_path) if not legacy else ()
    validator = _validator(root, config, config_path, legacy, custom,
                           interactive or multi_pass)
    flags = _args(config.get("validator_flags"), config_path, "validator_flags")
    data = root / "data"
    if not data.is_dir():
        raise PackageError(data, "missing: a package needs data/secret (or data/sample)")
    graded = legacy or _uses_legacy_grading(data)
    reader = _DataReader(root, graded, scoring, custom_score, dict(constants), legacy)
    base = reader.config(data) if graded else {}
    sample = reader.group(data / "sample", "sample", flags, base, depth=1) \
        if (data / "sample").is_dir() else None
    secret, sample_only = _secret(reader, data, flags, base, sample)
    data_scoring = reader.data_scoring(data, base, sample, secret) \
        if graded and scoring and not sample_only else None
    return Problem(root=root, short_name=root.name, name=_name(config, root), format=fmt,
                   legacy=legacy, scoring=scoring, interactive=interactive,
                   multi_pass=multi_pass, limits=limits, validator=validator, sample=sample,
                   secret=secret,
                   custom_score=custom_score and validator.kind in ("kattis", "testlib"),
                   sample_only=sample_only, submit_answer=submit_answer, constants=constants,
                   legacy_grading=graded, data_scoring=data_scoring)


def _secret(reader: "_DataReader", data: Path, flags: tuple[str, ...], base: dict,
            sample: TestGroup | None) -> tuple[TestGroup, bool]:
    """The secret group, or the samples' when there is no secret data (DOMjudge judges the
    samples then; the judgement says so)."""
    secret = reader.group(data / "secret", "secret", flags, base, depth=0) \
        if (data / "secret").is_dir() else None
    if secret is not None and secret.cases:
        return secret, False
    if sample is not None and sample.cases and not reader.scoring:
        return sample, True
    if secret is None:
        raise PackageError(data / "secret", "missing: a package needs secret test data (or, "
                           "for a pass-fail problem, samples to judge instead)")
    raise PackageError(data / "secret", "no test cases (no .in files)")


def _uses_legacy_grading(data: Path) -> bool:
    """Whether a package of a newer format still grades with problemtools' ``testdata.yaml``
    keys (its own scoring example does, in 2023-07-draft)."""
    for path in [data / "testdata.yaml", *data.glob("*/testdata.yaml"),
                 *data.glob("*/*/testdata.yaml")]:
        if path.is_file() and any(k in read_yaml(path) for k in _LEGACY_GRADING_KEYS):
            return True
    return False


def _constants(config: dict, path: Path) -> tuple[tuple[str, str], ...]:
    """``constants`` (2025-09) as ``(name or name.variant, text)`` pairs."""
    table = config.get("constants") or {}
    if not isinstance(table, dict):
        raise PackageError(path, "constants must be a mapping")
    found: list[tuple[str, str]] = []
    for name, value in table.items():
        if not isinstance(name, str) or not _CONSTANT.fullmatch(name):
            raise PackageError(path, f"constants: bad name {name!r}")
        variants = value if isinstance(value, dict) else {"value": value}
        if "value" not in variants:
            raise PackageError(path, f"constants.{name} needs a value")
        for variant, text in variants.items():
            if not isinstance(text, (str, int, float)) or isinstance(text, bool):
                raise PackageError(path, f"constants.{name}.{variant} must be a number or "
                                   f"a string")
            found.append((f"{name}.{variant}", str(text)))
            if variant == "value":
                found.append((name, str(text)))
    return tuple(found)


# --- problem.yaml ----------------------------------------------------------------------

def _format(config: dict, path: Path) -> str:
    fmt = config.get("problem_format_version", "legacy")
    if not isinstance(fmt, str) or fmt not in LEGACY_FORMATS + NEW_FORMATS:
        raise PackageError(path, f"unknown problem_format_version {fmt!r} (known: "
                           f"{', '.join(LEGACY_FORMATS + NEW_FORMATS)})")
    return fmt


def _name(config: dict, root: Path) -> str:
    name = config.get("name")
    if isinstance(name, dict) and name:
        name = name.get("en", next(iter(name.values())))
    return str(name) if isinstance(name, (str, int, float)) and str(name) else root.name


def _words(value: Any, path: Path, key: str) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return [w for v in value for w in v.split()]
    raise PackageError(path, f"{key} must be a string or a list of strings, got {value!r}")


def _types(config: dict, path: Path, legacy: bool
           ) -> tuple[bool, bool, bool, bool | None, bool]:
    """(scoring, interactive, multi_pass, custom validation or None when the layout decides,
    the validator gives scores)."""
    ptype = config.get("type", "pass-fail")
    if legacy:
        if ptype not in ("pass-fail", "scoring"):
            raise PackageError(path, f"type must be pass-fail or scoring, got {ptype!r}")
        words = _words(config.get("validation", "default"), path, "validation")
        if words[0] not in ("default", "custom") or (words[0] == "default" and words[1:]):
            raise PackageError(path, f"validation must be 'default' or 'custom [score] "
                               f"[interactive]', got {' '.join(words)!r}")
        unknown = set(words[1:]) - {"score", "interactive", "multi-pass"}
        if unknown:
            raise PackageError(path, f"unknown validation parameter(s): {', '.join(unknown)}")
        if "score" in words and ptype != "scoring":
            raise PackageError(path, "validation 'custom score' is only for scoring problems")
        return (ptype == "scoring", "interactive" in words, "multi-pass" in words,
                words[0] == "custom", "score" in words)
    types = _words(ptype, path, "type")
    if "validation" in config:  # 2023-07-draft: validation: custom [interactive] [multi-pass]
        words = _words(config["validation"], path, "validation")
        unknown = set(words) - {"default", "custom", "score", "interactive", "multi-pass"}
        if unknown:
            raise PackageError(path, f"unknown validation parameter(s): {', '.join(unknown)}")
        types += [w for w in words if w in ("interactive", "multi-pass")]
    for word in types:
        if word not in _TYPES:
            raise PackageError(path, f"unknown type {word!r} (known: {', '.join(_TYPES)})")
    if "pass-fail" in types and "scoring" in types:
        raise PackageError(path, "type: pass-fail and scoring cannot go together")
    if "submit-answer" in types and ("interactive" in types or "multi-pass" in types):
        raise PackageError(path, "type: submit-answer cannot go with interactive or "
                           "multi-pass")
    return ("scoring" in types, "interactive" in types, "multi-pass" in types, None,
            "scoring" in types)


def _number(table: dict, key: str, path: Path, where: str, *, minimum: float = 0.0,
            strict: bool = True, integer: bool = False) -> float | None:
    if key not in table or table[key] is None:
        return None
    value = table[key]
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    bad = not math.isfinite(number) or number < minimum or (strict and number <= minimum) \
        or (integer and number != int(number))
    if bad:
        kind = "an integer" if integer else "a number"
        bound = f"> {minimum:g}" if strict else f">= {minimum:g}"
        raise PackageError(path, f"{where}{key} must be {kind} {bound}, got {value!r}")
    return int(number) if integer else number


def _limits(config: dict, path: Path, root: Path, legacy: bool) -> ProblemLimits:
    table = config.get("limits", {}) or {}
    if not isinstance(table, dict):
        raise PackageError(path, "limits must be a mapping")
    num = lambda key, **kw: _number(table, key, path, "limits.", **kw)  # noqa: E731
    values: dict[str, Any] = {}
    for key, field_name in (("memory", "memory_mb"), ("output", "output_mb"),
                            ("validation_memory", "validation_memory_mb"),
                            ("validation_output", "validation_output_mb")):
        value = num(key, integer=True)
        if value is not None:
            values[field_name] = value
    for key in ("validation_time", "time_multiplier", "time_safety_margin", "time_resolution"):
        value = num(key)
        if value is not None:
            values[key] = value
    passes = num("validation_passes", minimum=2, strict=False, integer=True)
    if passes is not None:
        values["validation_passes"] = passes
    multipliers = table.get("time_multipliers", {}) or {}
    if not isinstance(multipliers, dict):
        raise PackageError(path, "limits.time_multipliers must be a mapping")
    for key in ("ac_to_time_limit", "time_limit_to_tle"):
        value = _number(multipliers, key, path, "limits.time_multipliers.", minimum=1,
                        strict=False)
        if value is not None:
            values[key] = value
    time_limit, source = num("time_limit"), "problem.yaml"
    if time_limit is None:
        time_limit, source = _domjudge_time_limit(root)
    return ProblemLimits(time_limit=time_limit, time_limit_from=source if time_limit else "",
                         **values)


def _domjudge_time_limit(root: Path) -> tuple[float | None, str]:
    dotfile = root / ".timelimit"
    if dotfile.is_file():
        text = dotfile.read_text(encoding="utf-8", errors="replace").strip()
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value <= 0:
            raise PackageError(dotfile, f"must hold a positive number of seconds, got {text!r}")
        return value, ".timelimit"
    ini = root / "domjudge-problem.ini"
    if ini.is_file():
        settings = parse_domjudge_ini(ini)
        if "timelimit" in settings:
            table = {"timelimit": settings["timelimit"]}
            return _number(table, "timelimit", ini, ""), "domjudge-problem.ini"
    return None, ""


def parse_domjudge_ini(path: Path) -> dict[str, str]:
    """``key = value`` lines of a DOMjudge ``domjudge-problem.ini``: quotes stripped, keys in
    lower case with ``-`` read as ``_`` (``short-name`` is ``short_name``); keys judgebox
    does not use are kept and ignored, as DOMjudge ignores what it does not know."""
    settings: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace")
                                  .splitlines(), 1):
        line = line.strip()
        if not line or line.startswith((";", "#")):
            continue
        if line.startswith("[") and line.endswith("]"):
            continue  # a section header: DOMjudge reads the keys alone
        match = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)", line)
        if not match:
            raise PackageError(path, f"line {number}: expected 'key = value', got {line!r}")
        value = match.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        # DOMjudge's keys are spelt with '_' or '-' (short-name, short_name): one spelling
        settings[match.group(1).replace("-", "_").lower()] = value
    return settings


def _args(value: Any, path: Path, key: str) -> tuple[str, ...]:
    """Arguments given as a string (split like a shell) or a list of scalars."""
    if value is None:
        return ()
    if isinstance(value, str):
        try:
            return tuple(shlex.split(value))
        except ValueError as exc:
            raise PackageError(path, f"{key}: {exc}") from exc
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) and
                                       not isinstance(v, bool) for v in value):
        return tuple(str(v) for v in value)
    raise PackageError(path, f"{key} must be a string or a list of strings, got {value!r}")


# --- the output validator ---------------------------------------------------------------

def _validator(root: Path, config: dict, path: Path, legacy: bool, custom: bool | None,
               needs_program: bool) -> ValidatorSpec:
    ours = config.get("judgebox", {}) or {}
    if not isinstance(ours, dict):
        raise PackageError(path, "judgebox must be a mapping (judgebox's own settings)")
    kind = ours.get("checker")
    if kind is not None and kind not in _CHECKERS:
        raise PackageError(path, f"judgebox.checker must be one of {', '.join(_CHECKERS)}, "
                           f"got {kind!r}")
    directory = next((d for d in (root / "output_validator", root / "output_validators")
                      if d.is_dir()), None)
    if kind in ("default", "exact", "lines"):
        if needs_program:
            raise PackageError(path, f"judgebox.checker {kind} cannot judge an interactive "
                               f"or multi-pass problem: it needs a validator program")
        return ValidatorSpec(kind)
    if custom is None:  # 2023-07 / 2025-09: the directory decides
        custom = directory is not None
    if custom and directory is None:
        raise PackageError(root / "output_validators", "missing: problem.yaml asks for a "
                           "custom output validator")
    if not custom:
        if directory is not None and legacy and any(directory.iterdir()):
            raise PackageError(path, "validation is 'default' but output_validators/ holds "
                               "a program (say 'validation: custom')")
        if needs_program or kind in ("kattis", "testlib"):
            raise PackageError(path, "an interactive, multi-pass or judgebox.checker "
                               "kattis/testlib problem needs an output validator program")
        return ValidatorSpec("default")
    program = _program_directory(directory)
    source, why = main_source(program, validators_only=True)
    if source is None:
        raise PackageError(program, f"output validator: {why}")
    return ValidatorSpec(kind or "kattis", source, program)


def _program_directory(directory: Path) -> Path:
    """The validator program's directory (legacy: ``output_validators/<name>/``)."""
    if any((directory / script).exists() for script in ("build", "run")):
        raise PackageError(directory, "build/run scripts are not supported by judgebox: give "
                           "a single C, C++ or Python program")
    entries = [p for p in directory.iterdir() if not is_ignored(p)]
    subdirs = [p for p in entries if p.is_dir()]
    if len(subdirs) == 1 and all(p.is_dir() or p.suffix.lower() in (".md", ".txt")
                                 for p in entries):
        return _program_directory(subdirs[0])
    if len(subdirs) > 1:
        raise PackageError(directory, f"several output validators "
                           f"({', '.join(p.name for p in subdirs)}): judgebox runs one")
    return directory


# --- test data ----------------------------------------------------------------------------

class _DataReader:
    """Reads ``data/``: groups, their settings (inherited as the layout says) and tests."""

    def __init__(self, root: Path, legacy: bool, scoring: bool, custom_score: bool,
                 constants: dict[str, str] | None = None, legacy_format: bool | None = None
                 ) -> None:
        # ``legacy``: groups nest and inherit, and are graded, as problemtools does (legacy
        # packages, and newer ones that use its testdata.yaml keys); ``legacy_format``: the
        # package's own format is legacy (no per-test .yaml files).
        self.root, self.legacy, self.scoring = root, legacy, scoring
        self.custom_score = custom_score
        self.constants = constants or {}
        self.legacy_format = legacy if legacy_format is None else legacy_format

    def config(self, directory: Path) -> dict[str, Any]:
        found = [directory / n for n in _GROUP_FILES if (directory / n).is_file()]
        if len(found) > 1:
            raise PackageError(found[0], "both test_group.yaml and testdata.yaml: keep one")
        return read_yaml(found[0], constants=self.constants) if found else {}

    def data_scoring(self, data: Path, base: dict[str, Any], sample: TestGroup | None,
                     secret: TestGroup) -> Scoring:
        """The grading of ``data/`` itself (problemtools' root group over sample, secret)."""
        items = [g for g in (sample, secret) if g is not None]
        return self._legacy_scoring(base, self.config_path(data), "data", items)

    def config_path(self, directory: Path) -> Path:
        return next((directory / n for n in _GROUP_FILES if (directory / n).is_file()),
                    directory / _GROUP_FILES[0])

    def group(self, directory: Path, name: str, problem_flags: tuple[str, ...],
              parent: dict[str, Any], depth: int) -> TestGroup:
        """One group. ``depth`` 0 is ``secret``; in 2023-07/2025-09 groups do not nest
        (deeper directories only organise a group's tests)."""
        own = self.config(directory)
        conf_path = self.config_path(directory)
        # Legacy: a missing key comes from the closest ancestor; newer layouts inherit the
        # arguments only (scoring keys have their own defaults at each level).
        inherited = {k: v for k, v in parent.items()
                     if self.legacy or k in ("output_validator_args", "args")}
        settings = inherited | own
        flags = problem_flags + self._flags(settings, conf_path)
        items: list[TestCase | TestGroup] = []
        nested = self.legacy or depth == 0
        for entry, kind in self._entries(directory):
            entry_name = f"{name}/{entry.name if kind == 'dir' else entry.stem}"
            if kind == "dir" and nested:
                items.append(self.group(entry, entry_name, problem_flags, settings, depth + 1))
            elif kind == "dir":
                if any((entry / n).exists() for n in _GROUP_FILES):
                    raise PackageError(entry, "test groups do not nest in this format "
                                       "(a group's subdirectories hold only test cases)")
                items.extend(self._flat(entry, entry_name, name, flags, settings))
            else:
                items.append(self._case(entry, entry_name, name, flags, settings))
        if not self.legacy and depth == 0 and any(isinstance(i, TestGroup) for i in items) \
                and any(isinstance(i, TestCase) for i in items):
            raise PackageError(directory, "holds both test cases and test groups (one or "
                               "the other)")
        scoring = self._scoring(own, settings, conf_path, name, items)
        return TestGroup(name, directory, tuple(items), scoring)

    def _flat(self, directory: Path, prefix: str, group: str, flags: tuple[str, ...],
              settings: dict) -> list[TestCase]:
        cases: list[TestCase] = []
        for entry, kind in self._entries(directory):
            name = f"{prefix}/{entry.name if kind == 'dir' else entry.stem}"
            cases += self._flat(entry, name, group, flags, settings) if kind == "dir" \
                else [self._case(entry, name, group, flags, settings)]
        return cases

    def _entries(self, directory: Path) -> list[tuple[Path, str]]:
        """Subdirectories and ``.in`` files, sorted by name (the judging order)."""
        found: list[tuple[str, Path, str]] = []
        for entry in directory.iterdir():
            if is_ignored(entry):
                continue
            self._check_inside(entry)
            if entry.is_dir():
                if entry.name.endswith(".files"):
                    raise PackageError(entry, "test case .files directories are not "
                                       "supported by judgebox yet")
                found.append((entry.name, entry, "dir"))
            elif entry.suffix == ".in":
                found.append((entry.stem, entry, "case"))
            elif entry.suffix == ".ans" and not entry.with_suffix(".in").exists():
                raise PackageError(entry, "answer file without an input file (.in)")
        return [(path, kind) for _, path, kind in sorted(found, key=lambda t: t[0])]

    def _check_inside(self, entry: Path) -> None:
        if entry.is_symlink():
            target = entry.resolve()
            if self.root.resolve() not in target.parents:
                raise PackageError(entry, f"symbolic link leads outside the package "
                                   f"({target})")
            if not target.exists():
                raise PackageError(entry, "dangling symbolic link")

    def _flags(self, settings: dict, path: Path) -> tuple[str, ...]:
        for key in ("output_validator_args", "output_validator_flags"):
            if key in settings:
                value = settings[key]
                if isinstance(value, dict):  # legacy {name, flags}
                    value = value.get("flags")
                return _args(value, path, key)
        return ()

    def _case(self, infile: Path, name: str, group: str, flags: tuple[str, ...],
              settings: dict) -> TestCase:
        answer = infile.with_suffix(".ans")
        if not answer.is_file():
            raise PackageError(infile, "test input without an answer file (.ans)")
        self._check_inside(answer)
        args = _args(settings.get("args"), infile, "args")
        case_yaml = infile.with_suffix(".yaml")
        if not self.legacy_format and case_yaml.is_file():
            own = read_yaml(case_yaml)
            if "output_validator_args" in own:
                flags = _args(own["output_validator_args"], case_yaml, "output_validator_args")
            if "args" in own:
                args = _args(own["args"], case_yaml, "args")
        return TestCase(name, group, infile, answer, flags, args)

    # --- scoring ------------------------------------------------------------------------

    def _scoring(self, own: dict, settings: dict, path: Path, name: str,
                 items: list) -> Scoring:
        if self.legacy:
            return self._legacy_scoring(settings, path, name, items)
        return self._new_scoring(own, path, name, items)

    def _legacy_scoring(self, settings: dict, path: Path, name: str, items: list) -> Scoring:
        on_reject = settings.get("on_reject", "break")
        if on_reject not in ("break", "continue"):
            raise PackageError(path, f"on_reject must be break or continue, got {on_reject!r}")
        if settings.get("grading", "default") != "default":
            raise PackageError(path, "grading: custom (graders/) is not supported by judgebox")
        flags = _args(settings.get("grader_flags"), path, "grader_flags")
        # problemtools' default grader: sum of scores, worst error, unless a flag says else
        aggregation, mode = "sum", "worst_error"
        for flag in flags:
            if flag in ("sum", "avg", "min", "max"):
                aggregation = flag
            elif flag in ("first_error", "worst_error", "no_errors", "always_accept"):
                mode = "worst_error" if flag == "no_errors" else flag
            elif flag not in ("ignore_sample", "accept_if_any_accepted"):
                raise PackageError(path, f"unknown grader flag {flag!r}")
        ignore = "ignore_sample" in flags
        if not self.scoring:
            for key in ("accept_score", "reject_score", "range"):
                if key in settings:
                    raise PackageError(path, f"{key} is only for scoring problems")
            return Scoring("pass-fail", None, on_reject, mode,
                           "accept_if_any_accepted" in flags, ignore_sample=ignore)
        accept = _number(settings, "accept_score", path, "", minimum=-math.inf)
        reject = _number(settings, "reject_score", path, "", minimum=-math.inf) or 0.0
        accept = 1.0 if accept is None else accept
        max_score = _legacy_max(items[-1:] if ignore else items, aggregation, accept,
                                self.custom_score)
        if "range" in settings:
            try:
                low, high = (float(x) for x in str(settings["range"]).split())
            except ValueError:
                raise PackageError(path, f"range must be two numbers, got "
                                   f"{settings['range']!r}") from None
            max_score = high if math.isfinite(high) else None
        return Scoring(aggregation, max_score, on_reject, mode,
                       "accept_if_any_accepted" in flags, accept, reject, ignore_sample=ignore)

    def _new_scoring(self, own: dict, path: Path, name: str, items: list) -> Scoring:
        nested = own.get("scoring", {}) if isinstance(own.get("scoring"), dict) else {}
        keys = {"max_score": own.get("max_score", nested.get("score")),
                "score_aggregation": own.get("score_aggregation", nested.get("aggregation")),
                "require_pass": own.get("require_pass")}
        given = [k for k, v in keys.items() if v is not None]
        if not self.scoring or name == "sample":
            if given:
                raise PackageError(path, f"{', '.join(given)} only apply to the secret "
                                   f"groups of scoring problems")
            return Scoring("pass-fail", None)
        top = name == "secret"
        aggregation = keys["score_aggregation"] or ("sum" if top else "pass-fail")
        if aggregation not in ("pass-fail", "sum", "min"):
            raise PackageError(path, f"score_aggregation must be pass-fail, sum or min, got "
                               f"{aggregation!r}")
        max_score: float | None = 100.0 if top else None
        if keys["max_score"] is not None:
            max_score = None if keys["max_score"] == "unbounded" else \
                _number({"max_score": keys["max_score"]}, "max_score", path, "", strict=False)
        if aggregation == "pass-fail" and max_score is None:
            raise PackageError(path, "a pass-fail group needs a max_score")
        if top and max_score is not None:
            for group in (i for i in items if isinstance(i, TestGroup)):
                if group.scoring.max_score is None:
                    raise PackageError(self.config_path(group.path), "needs a max_score: "
                                       "secret's max_score is bounded")
        require = keys["require_pass"] or ()
        require = (require,) if isinstance(require, str) else tuple(str(r) for r in require)
        return Scoring(aggregation, max_score, "continue" if aggregation != "pass-fail"
                       else "break", require_pass=require)


def _legacy_max(items: list, aggregation: str, accept: float, custom: bool) -> float | None:
    """The score of an all-accepted run (legacy groups without a ``range``)."""
    parts: list[float | None] = []
    for item in items:
        parts.append(item.scoring.max_score if isinstance(item, TestGroup)
                     else (None if custom else accept))
    if not parts or any(p is None for p in parts):
        return None
    if aggregation == "sum":
        return float(sum(parts))  # type: ignore[arg-type]
    if aggregation == "avg":
        return float(sum(parts)) / len(parts)  # type: ignore[arg-type]
    return float(min(parts) if aggregation == "min" else max(parts))  # type: ignore[type-var]

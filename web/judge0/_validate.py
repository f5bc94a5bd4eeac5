"""Judge0 request validation: a request body -> a ``NewSubmission``, or Judge0-style errors
(``{"field": ["message"]}``), with Judge0's defaults, maxima and wording."""

from __future__ import annotations

import math
import shlex

from flask import current_app
from pydantic import ValidationError

from worker.core.languages import Language
from worker.core.sources import SourceError, is_project, zip_files
from worker.service import judge0
from worker.service.callbacks import CallbackRefused, check_url
from worker.store.submissions import NewSubmission, NewTest

from ..access import current
from ..config import JUDGE0_LIMITS
from ..errors import ApiError, fields_of
from ..schemas import Judge0SubmissionIn
from ..services import decode_b64, offered_languages

__all__ = ["judge0_limits", "to_new_submission", "parse_bool"]


def judge0_limits() -> dict:
    """Judge0's defaults and maxima in force (``JUDGE0_LIMITS`` in the config overrides)."""
    return JUDGE0_LIMITS | dict(current_app.config.get("JUDGE0_LIMITS") or {})


def parse_bool(value: str | None, default: bool = False) -> bool:
    """A query flag as Judge0 reads it (``true``/``false``, ``1``/``0``)."""
    if value is None:
        return default
    return value.strip().lower() in ("true", "1", "yes", "on")


_RANGES = (  # field, default key, maximum key, minimum
    ("cpu_time_limit", "cpu_time_limit", "max_cpu_time_limit", 0),
    ("cpu_extra_time", "cpu_extra_time", "max_cpu_extra_time", 0),
    ("wall_time_limit", "wall_time_limit", "max_wall_time_limit", 0),
    ("memory_limit", "memory_limit", "max_memory_limit", 2048),
    ("stack_limit", "stack_limit", "max_stack_limit", 0),
    ("max_processes_and_or_threads", "max_processes_and_or_threads",
     "max_max_processes_and_or_threads", 1),
    ("max_file_size", "max_file_size", "max_max_file_size", 0),
    ("number_of_runs", "number_of_runs", "max_number_of_runs", 1),
)


def _language(language_id: int | None, errors: dict) -> Language | None:
    if language_id is None:
        errors["language_id"] = ["can't be blank"]
        return None
    language = judge0.language_by_judge0_id(language_id)
    offered = offered_languages()
    if language is None:
        errors["language_id"] = [f"language with id {language_id} doesn't exist"]
        return None
    if not offered.get(language.id, {}).get("enabled"):
        errors["language_id"] = [f"language with id {language_id} is archived and cannot be "
                                 "used anymore"]
        return None
    return language


def _ranges(body: Judge0SubmissionIn, errors: dict) -> dict:
    limits = judge0_limits()
    values = {}
    for field, default, maximum, minimum in _RANGES:
        value = getattr(body, field)
        if value is None:
            values[field] = None
            continue
        if math.isnan(value):  # "nan" sent as a string parses as a float
            errors[field] = ["is not a number"]
        elif value < minimum:
            errors[field] = [f"must be greater than or equal to {minimum}"]
        elif value > limits[maximum]:
            errors[field] = [f"must be less than or equal to {limits[maximum]}"]
        values[field] = value
    return values


def _options(body: Judge0SubmissionIn, errors: dict) -> None:
    for field in ("compiler_options", "command_line_arguments"):
        value = getattr(body, field)
        if value and "\0" in value:  # no program argument can hold one (execve's strings)
            errors[field] = ["is not a valid argument list: contains a NUL character"]
        elif value:
            try:
                shlex.split(value)
            except ValueError as exc:
                errors[field] = [f"is not a valid argument list: {exc}"]
    for field, what in (("enable_network", "enabling network is not allowed"),
                        ("enable_per_process_and_thread_time_limit",
                         "per-process and per-thread time limits are not supported"),
                        ("enable_per_process_and_thread_memory_limit",
                         "per-process and per-thread memory limits are not supported")):
        if getattr(body, field):
            errors[field] = [what]
    if body.callback_url:
        try:
            check_url(body.callback_url, bool(current_app.config["CALLBACKS_ALLOW_PRIVATE"]))
        except CallbackRefused as exc:
            errors["callback_url"] = [str(exc) + (
                " (a server that must call back on its own network sets "
                "CALLBACKS_ALLOW_PRIVATE=true)" if exc.private else "")]


def _sizes(source: bytes | None, stdin: bytes | None, expected: bytes | None,
           errors: dict) -> None:
    config = current_app.config
    if source is not None and len(source) > int(config["MAX_SOURCE_KB"]) * 1024:
        errors["source_code"] = [f"is too long (at most {config['MAX_SOURCE_KB']} KB)"]
    for field, data in (("stdin", stdin), ("expected_output", expected)):
        if data is not None and len(data) > int(config["MAX_STDIN_KB"]) * 1024:
            errors[field] = [f"is too long (at most {config['MAX_STDIN_KB']} KB)"]


def _additional_files(body: Judge0SubmissionIn, language: Language | None, errors: dict
                      ) -> tuple[tuple[str, bytes], ...]:
    """``additional_files``: base64 of a zip whatever ``base64_encoded`` says (as Judge0
    reads it), unpacked here (Judge0 unpacks it in the box: the same files, checked before
    anything is stored). Its files sit side by side: a name in a directory, not a plain file
    name, or given twice is refused; at most ``max_extract_size`` KB unpacked."""
    if body.additional_files is None or body.additional_files == "":
        if language is not None and is_project(language):
            errors["additional_files"] = ["can't be blank"]
        return ()
    try:
        data = decode_b64(body.additional_files, "additional_files") or b""
    except ApiError:
        errors["additional_files"] = ["is not valid base64 (of a .zip)"]
        return ()
    config = current_app.config
    if len(data) > int(config["MAX_FILES_KB"]) * 1024:
        errors["additional_files"] = [f"is too large (at most {config['MAX_FILES_KB']} KB)"]
        return ()
    most = int(judge0_limits()["max_extract_size"]) * 1024
    try:
        files = zip_files(data, strip_folder=False, max_bytes=most)
    except SourceError as exc:
        errors["additional_files"] = [f"{exc} (a base64 .zip of files side by side)"]
        return ()
    if language is not None and is_project(language) and \
            language.source not in dict(files):
        errors["additional_files"] = [f"a Multi-file program needs a {language.source} "
                                      f"script at the zip's root"]
    return files


def _run_limits(values: dict, language: Language) -> tuple[dict, dict]:
    """Sandbox limits, and the request fields echoed back (Judge0 shows the values applied)."""
    limits = judge0_limits()
    pick = {k: values.get(k) if values.get(k) is not None else limits[k]
            for k in ("cpu_time_limit", "cpu_extra_time", "wall_time_limit", "stack_limit",
                      "max_file_size", "number_of_runs")}
    memory_kib = values.get("memory_limit")
    if memory_kib is None:  # not asked for: Judge0's default, or what the runtime needs
        memory_kib = max(limits["memory_limit"], language.memory_mb * 1024)
    processes = values.get("max_processes_and_or_threads") or max(
        limits["max_processes_and_or_threads"], language.processes)
    run = {"cpu_ms": max(1, round(pick["cpu_time_limit"] * 1000)),
           "extra_ms": round(pick["cpu_extra_time"] * 1000),
           "wall_ms": max(1, round(pick["wall_time_limit"] * 1000)),
           "memory_kib": max(1024, int(memory_kib)),
           "stack_kib": int(pick["stack_limit"]) or None,
           "processes": int(processes), "output_kib": max(1, int(pick["max_file_size"])),
           "runs": max(1, int(pick["number_of_runs"]))}
    echo = pick | {"memory_limit": int(memory_kib), "max_processes_and_or_threads":
                   int(processes)}
    return run, echo


def _decode(value: str | None, field: str, b64: bool, errors: dict) -> bytes | None:
    if value is None:
        return None
    if not b64:
        try:
            return value.encode()
        except UnicodeEncodeError:  # a lone surrogate, sent as a JSON \udXXX escape
            errors[field] = ["is not valid UTF-8 (send base64 with base64_encoded=true)"]
            return None
    try:
        return decode_b64(value, field)
    except ApiError:
        errors[field] = ["is not valid base64"]
        return None


def to_new_submission(data: object, b64: bool, queue: str = "interactive"
                      ) -> NewSubmission | dict:
    """A ``NewSubmission`` from a Judge0 request body, or its errors (``{field: [msg]}``)."""
    if not isinstance(data, dict):
        return {"submission": ["must be a JSON object"]}
    try:
        body = Judge0SubmissionIn.model_validate(data)
    except ValidationError as exc:
        return fields_of(exc)
    errors: dict[str, list[str]] = {}
    source = _decode(body.source_code, "source_code", b64, errors)
    stdin = _decode(body.stdin, "stdin", b64, errors)
    expected = _decode(body.expected_output, "expected_output", b64, errors)
    language = _language(body.language_id, errors)
    project = language is not None and is_project(language)
    if project and body.source_code is not None and body.source_code != "":
        errors["source_code"] = ["must be blank"]  # a Multi-file program's are its files
    elif not project and not source and "source_code" not in errors:
        errors["source_code"] = ["can't be blank"]
    if project and body.compiler_options:
        errors["compiler_options"] = ["setting compiler options is only allowed for "
                                      "compiled languages"]
    files = _additional_files(body, language, errors)
    values = _ranges(body, errors)
    _options(body, errors)
    _sizes(source, stdin, expected, errors)
    if errors or language is None:
        return errors
    run, echo = _run_limits(values, language)
    options = echo | {
        "compiler_options": body.compiler_options,
        "command_line_arguments": body.command_line_arguments,
        "enable_per_process_and_thread_time_limit": False,
        "enable_per_process_and_thread_memory_limit": False,
        "redirect_stderr_to_stdout": bool(body.redirect_stderr_to_stdout),
        "enable_network": False, "callback_url": body.callback_url}
    return NewSubmission(
        language=language.id, source=b"" if project else source, files=files, api="judge0",
        queue=queue,
        judge0_language_id=body.language_id, tests=(NewTest(stdin or b"", expected),),
        checker="lines", limits=run, options=options, callback_url=body.callback_url,
        token_id=current().token_id, user_id=current().user_id)

"""Judge0 CE 1.13.1's view of a submission: field names, status ids, languages, encodings.

Shared by the web app's Judge0-compatible API and by the workers' callbacks (which PUT the
same object Judge0 would). Facts from Judge0's documentation and its official Python SDK:

- ``fields=*`` returns exactly Judge0's keys (:data:`ALL_FIELDS`); no ``fields``, the default
  set (:data:`DEFAULT_FIELDS`); an unknown key would make the SDK raise, so none is added;
- text fields (:data:`TEXT_FIELDS`) are base64 when ``base64_encoded=true``; otherwise they
  must be UTF-8 (:class:`NotUtf8` when not: Judge0 answers 400 and asks for base64);
  ``additional_files`` is base64 of a zip either way, as Judge0's serializer sends it (a zip
  of the files as stored: the same files, not the same zip bytes);
- times are decimal strings (``"0.152"``), memory an integer in KB, timestamps
  ``2024-12-09T17:22:55.662Z``; ``status`` is ``{"id", "description"}``.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from worker.core.languages import Language, all_languages
from worker.core.sources import is_project, to_zip
from worker.core.verdicts import JUDGE0_STATUSES
from worker.store.db import DONE, QUEUED, Submission

__all__ = ["VERSION", "DEFAULT_FIELDS", "ALL_FIELDS", "REQUEST_FIELDS", "TEXT_FIELDS",
           "NotUtf8", "Judge0Language", "judge0_languages", "language_by_judge0_id",
           "render", "timestamp", "decimal", "status_of", "statuses"]

VERSION = "1.13.1"
DEFAULT_FIELDS = ("token", "time", "memory", "stdout", "stderr", "compile_output", "message",
                  "status")
REQUEST_FIELDS = ("source_code", "language_id", "compiler_options", "command_line_arguments",
                  "stdin", "expected_output", "cpu_time_limit", "cpu_extra_time",
                  "wall_time_limit", "memory_limit", "stack_limit",
                  "max_processes_and_or_threads", "enable_per_process_and_thread_time_limit",
                  "enable_per_process_and_thread_memory_limit", "max_file_size",
                  "redirect_stderr_to_stdout", "enable_network", "number_of_runs",
                  "additional_files", "callback_url")
RESPONSE_FIELDS = ("stdout", "stderr", "compile_output", "message", "exit_code", "exit_signal",
                   "status", "created_at", "finished_at", "token", "time", "wall_time",
                   "memory", "status_id", "language")
ALL_FIELDS = REQUEST_FIELDS + tuple(f for f in RESPONSE_FIELDS if f not in REQUEST_FIELDS)
TEXT_FIELDS = ("source_code", "stdin", "expected_output", "stdout", "stderr",
               "compile_output")
_DECIMAL_FIELDS = ("cpu_time_limit", "cpu_extra_time", "wall_time_limit")


class NotUtf8(Exception):
    """A text field is not valid UTF-8 and base64 was not asked for."""


@dataclass(frozen=True)
class Judge0Language:
    """A Judge0 language id and the language of ours it runs as."""

    id: int
    name: str
    language: Language


def _display_name(language: Language, version: str) -> str:
    """The name Judge0 CE gives this language, with our version: the language file's
    ``judge0_name`` (``C (Clang {version})``, ``Python ({version})``), else ours with the
    version (``Toy (1.0)``). Every Judge0 id of the language gets it: ids that Judge0 gave to
    older releases of one toolchain (C's 48, 49, 50, 103) run the same compiler here."""
    if language.judge0_name is not None:
        return language.judge0_name.format(version=version or "?")
    if not version:
        return language.name
    if language.name.endswith(")"):
        return f"{language.name[:-1]} {version})"
    return f"{language.name} ({version})"


def judge0_languages(offered: dict[str, dict]) -> list[Judge0Language]:
    """The Judge0 ids answered, over the enabled languages in ``offered`` (id -> status with
    ``enabled`` and ``version``), sorted by id."""
    found = []
    for language in all_languages():
        status = offered.get(language.id)
        if not status or not status.get("enabled"):
            continue
        # Judge0's Multi-file program is named so, without a version
        name = language.name if is_project(language) else \
            _display_name(language, status.get("version", ""))
        found += [Judge0Language(i, name, language) for i in language.judge0]
    return sorted(found, key=lambda j: j.id)


def language_by_judge0_id(judge0_id: int) -> Language | None:
    """Our language for a Judge0 id (enabled or not), or ``None``."""
    for language in all_languages():
        if judge0_id in language.judge0:
            return language
    return None


def statuses() -> list[dict]:
    """``GET /statuses``."""
    return [{"id": i, "description": d} for i, d in JUDGE0_STATUSES.items()]


def timestamp(value: dt.datetime | None) -> str | None:
    """``2024-12-09T17:22:55.662Z`` (the store keeps naive UTC)."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def decimal(value: float | None) -> str | None:
    """A decimal as Judge0 sends it: a string, at most 3 places (``"0.152"``, ``"5.0"``)."""
    if value is None:
        return None
    return str(round(float(value), 3))


def status_of(row: Submission) -> int:
    """The submission's Judge0 status id (1 queued, 2 processing, then its result)."""
    if row.state == QUEUED:
        return 1
    if row.state != DONE:
        return 2
    return row.judge0_status


def _text(value: bytes | str | None, b64: bool) -> str | None:
    if value is None:
        return None
    data = value.encode() if isinstance(value, str) else value
    if b64:
        return base64.b64encode(data).decode("ascii")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotUtf8() from None


def _value(row: Submission, name: str, language_name: str) -> object:
    done = row.state == DONE
    options = row.options or {}
    test = row.tests[0] if row.tests else None
    if name == "source_code":
        return row.source or None  # a Multi-file program has none
    if name == "additional_files":
        files = tuple((f.name, f.content) for f in row.files or [])
        return base64.b64encode(to_zip(files)).decode("ascii") if files else None
    if name == "stdin":
        return test.stdin if test else None
    if name == "expected_output":
        return test.expected if test else None
    if name == "language_id":
        return row.judge0_language_id
    if name in _DECIMAL_FIELDS:
        return decimal(options.get(name))
    if name in REQUEST_FIELDS:
        return options.get(name)
    if name == "status":
        sid = status_of(row)
        return {"id": sid, "description": JUDGE0_STATUSES[sid]}
    if name == "status_id":
        return status_of(row)
    if name == "language":
        return {"id": row.judge0_language_id, "name": language_name}
    if name == "token":
        return row.token
    if name == "created_at":
        return timestamp(row.created_at)
    if name == "finished_at":
        return timestamp(row.finished_at) if done else None
    if not done:
        return None
    if name in ("time", "wall_time"):
        return None if row.verdict == "CE" else decimal(getattr(row, name))
    if name == "memory":
        return None if row.verdict == "CE" else row.memory
    if name in ("compile_output", "stdout", "stderr"):
        return getattr(row, name) or None  # Judge0 sends null, not "", for no output
    return getattr(row, name)


def render(row: Submission, fields: tuple[str, ...], b64: bool, language_name: str = ""
           ) -> dict:
    """The submission as Judge0 shows it: ``fields`` in order; text base64 if ``b64``.

    Raises :class:`NotUtf8` when a text field is not UTF-8 and ``b64`` is false.
    """
    out: dict[str, object] = {}
    for name in fields:
        value = _value(row, name, language_name)
        if name in TEXT_FIELDS:
            value = _text(value, b64)
        out[name] = value
    return out

"""Reading the source forms (a textarea, or an uploaded file) and the language select."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request

from worker.languages import Language, all_languages

from .. import services
from ..errors import ApiError

__all__ = ["SourceForm", "read_source_form", "check_source", "enabled_languages",
           "any_language"]


@dataclass(frozen=True)
class SourceForm:
    """What a submit form sent."""

    language: str
    source: str
    stdin: str = ""


def read_source_form() -> SourceForm:
    """The form's language and source: an uploaded file wins over the textarea."""
    source = request.form.get("source", "")
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        source = upload.read().decode("utf-8", "replace")
    return SourceForm(request.form.get("language", ""), source.replace("\r\n", "\n"),
                      request.form.get("stdin", "").replace("\r\n", "\n"))


def check_source(source: str) -> None:
    """422 for an empty or oversized source."""
    cap = int(current_app.config["MAX_SOURCE_KB"])
    if not source.strip():
        raise ApiError(422, "the source is empty", {"source": ["write or upload a program"]})
    if len(source.encode()) > cap * 1024:
        raise ApiError(422, "the source is too large", {"source": [f"larger than {cap} KB"]})


def enabled_languages() -> list[dict]:
    """The languages a live worker offers: id, name and version, for the select."""
    return [row for row in services.all_language_rows() if row["enabled"]]


def any_language() -> Language:
    """A language to compute the default limits with (they hardly depend on it)."""
    return min(all_languages(), key=lambda language: language.memory_mb)

"""Reading the source forms (a textarea, or an uploaded file) and the language select."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app, request, session

from worker.languages import Language, all_languages

from .. import services
from ..errors import ApiError

__all__ = ["SourceForm", "LanguageChoice", "read_source_form", "check_source",
           "enabled_languages", "language_choice", "remember_language", "any_language"]

FALLBACK_LANGUAGES = ("cpp17", "python3")  # after DEFAULT_LANGUAGE, when it is not offered


@dataclass(frozen=True)
class SourceForm:
    """What a submit form sent. ``language`` is the one to judge with: the select's, or the
    uploaded file's (by its extension) when the user left the select as the page offered
    it (``language_default``)."""

    language: str
    source: str
    stdin: str = ""
    language_default: str = ""


@dataclass(frozen=True)
class LanguageChoice:
    """The language select as a form shows it: the option selected, whether the user chose
    it (else the page's default, which an uploaded file's extension overrides), and the
    offered languages."""

    selected: str | None
    chosen: bool
    languages: list[dict]


def _language_of_file(filename: str) -> str | None:
    """The id of the language whose extensions include the file's, if one does."""
    suffix = Path(filename).suffix.lstrip(".").lower()
    return next((lang.id for lang in all_languages() if suffix and suffix in lang.extensions),
                None)


def read_source_form() -> SourceForm:
    """The form's language and source: an uploaded file wins over the textarea, and its
    extension over a language the user did not choose."""
    form = request.form
    source = form.get("source", "")
    language = form.get("language", "")
    untouched = form.get("language_default", "")
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        source = upload.read().decode("utf-8", "replace")
        if untouched and language == untouched:
            language = _language_of_file(upload.filename) or language
            untouched = language
    return SourceForm(language, source.replace("\r\n", "\n"),
                      form.get("stdin", "").replace("\r\n", "\n"),
                      untouched if untouched == language else "")


def check_source(source: str) -> None:
    """422 for an empty or oversized source."""
    cap = int(current_app.config["MAX_SOURCE_KB"])
    if not source.strip():
        raise ApiError(422, "the source is empty", {"source": ["write or upload a program"]})
    if len(source.encode()) > cap * 1024:
        raise ApiError(422, "the source is too large", {"source": [f"larger than {cap} KB"]})


def enabled_languages() -> list[dict]:
    """The languages a live worker offers: id, name, version and extensions, for the
    select."""
    return [row for row in services.all_language_rows() if row["enabled"]]


def language_choice(sent: SourceForm | None = None, prefer: str | None = None
                    ) -> LanguageChoice:
    """What the language select starts at: what the form sent (shown again with its error),
    else the user's last choice (the session), else ``prefer`` (the page's example's), else
    ``DEFAULT_LANGUAGE``, C++ or Python, whichever a worker offers first; never merely the
    first in the list."""
    languages = enabled_languages()
    if sent is not None and sent.language:
        return LanguageChoice(sent.language, sent.language_default != sent.language,
                              languages)
    offered = [row["id"] for row in languages]
    last = session.get("language")
    if last in offered:
        return LanguageChoice(last, True, languages)
    preferred = (prefer, current_app.config.get("DEFAULT_LANGUAGE"), *FALLBACK_LANGUAGES)
    default = next((lang for lang in preferred if lang in offered), None)
    return LanguageChoice(default or (offered[0] if offered else None), False, languages)


def remember_language(language: Language) -> None:
    """Remember the language just used, for this user's next form."""
    session["language"] = language.id


def any_language() -> Language:
    """A language to compute the default limits with (they hardly depend on it)."""
    return min(all_languages(), key=lambda language: language.memory_mb)

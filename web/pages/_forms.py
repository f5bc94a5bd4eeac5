"""Reading the source forms (a textarea, uploaded files or a .zip) and the language select."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app, request, session

from worker.core.languages import Language, all_languages
from worker.core.sources import SourceError, zip_files

from .. import services
from ..errors import ApiError

__all__ = ["SourceForm", "LanguageChoice", "read_source_form", "check_source",
           "enabled_languages", "language_choice", "remember_language", "any_language"]

FALLBACK_LANGUAGES = ("cpp17", "python3")  # after DEFAULT_LANGUAGE, when it is not offered


@dataclass(frozen=True)
class SourceForm:
    """What a submit form sent. ``language`` is the one to judge with: the select's, or the
    uploaded file's (by its extension) when the user left the select as the page offered
    it (``language_default``). ``source`` is the text to show again; ``code`` the bytes of
    the one source (the textarea, or one uploaded file, as uploaded); ``files`` the program's
    files (several uploaded, or a .zip's), then ``code`` is empty; ``entry`` its entry point."""

    language: str
    source: str
    stdin: str = ""
    language_default: str = ""
    code: bytes = b""
    files: tuple[tuple[str, bytes], ...] = ()
    entry: str = ""


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
    """The form's language and program: uploaded files win over the textarea. One file is
    the source (its bytes as uploaded); several are one program's files, and so are the
    files of one uploaded ``.zip``; the first file's extension that names a language picks
    it when the user did not pick one. 422 (``ApiError``) for a zip that cannot be read."""
    form = request.form
    source = form.get("source", "").replace("\r\n", "\n")
    language = form.get("language", "")
    untouched = form.get("language_default", "")
    code, files = source.encode(), ()
    uploads = [u for u in request.files.getlist("file") if u.filename]
    cap = services.files_cap()
    if len(uploads) == 1 and not uploads[0].filename.lower().endswith(".zip"):
        code = uploads[0].read(cap + 1)
        source = code.decode("utf-8", "replace")
    elif uploads:
        files = _uploaded_files(uploads, cap)
        code, source = b"", ""
    names = [f[0] for f in files] if files else [u.filename for u in uploads]
    if names and untouched and language == untouched:
        language = next(filter(None, map(_language_of_file, names)), None) or language
        untouched = language
    return SourceForm(language, source, form.get("stdin", "").replace("\r\n", "\n"),
                      untouched if untouched == language else "", code, files,
                      form.get("entry", "").strip()[:255])


def _uploaded_files(uploads: list, cap: int) -> tuple[tuple[str, bytes], ...]:
    """Several uploaded files by name, or one .zip's files (its names checked later)."""
    if len(uploads) == 1:
        data = uploads[0].read(cap + 1)
        if len(data) > cap:
            raise ApiError(413, "the zip is too large", {"file": [f"larger than {cap} bytes"]})
        try:
            return zip_files(data, max_bytes=cap)
        except SourceError as exc:
            raise ApiError(422, "the zip cannot be used", {"file": [str(exc)]}) from exc
    return tuple((upload.filename, upload.read(cap + 1)) for upload in uploads)


def check_source(form: SourceForm) -> None:
    """422 for an empty or oversized source; 413 or 422 for files that cannot be stored."""
    if form.files:
        services.checked_files(list(form.files), "file")
        return
    cap = int(current_app.config["MAX_SOURCE_KB"])
    if not form.code.strip():
        raise ApiError(422, "the source is empty", {"source": ["write or upload a program"]})
    if len(form.code) > cap * 1024:
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

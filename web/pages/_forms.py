"""Reading the source forms (a textarea, or uploaded files) and the language select."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request

from worker.languages import Language, all_languages
from worker.sources import SourceError, zip_files

from .. import services
from ..errors import ApiError

__all__ = ["SourceForm", "read_source_form", "check_source", "enabled_languages",
           "any_language"]


@dataclass(frozen=True)
class SourceForm:
    """What a submit form sent: ``source`` is the text to show again; ``code`` the bytes of
    the one source (the textarea, or one uploaded file, as uploaded); ``files`` the program's
    files (several uploaded, or a .zip's), then ``code`` is empty; ``entry`` its entry point."""

    language: str
    source: str
    stdin: str = ""
    code: bytes = b""
    files: tuple[tuple[str, bytes], ...] = ()
    entry: str = ""


def read_source_form() -> SourceForm:
    """The form's language and program: uploaded files win over the textarea. One file is
    the source (its bytes as uploaded); several are one program's files, and so are the
    files of one uploaded ``.zip``. 422 (``ApiError``) for a zip that cannot be read."""
    source = request.form.get("source", "").replace("\r\n", "\n")
    code, files = source.encode(), ()
    uploads = [u for u in request.files.getlist("file") if u.filename]
    cap = services.files_cap()
    if len(uploads) == 1 and not uploads[0].filename.lower().endswith(".zip"):
        code = uploads[0].read(cap + 1)
        source = code.decode("utf-8", "replace")
    elif uploads:
        files = _uploaded_files(uploads, cap)
        code, source = b"", ""
    return SourceForm(request.form.get("language", ""), source,
                      request.form.get("stdin", "").replace("\r\n", "\n"), code, files,
                      request.form.get("entry", "").strip()[:255])


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
    """The languages a live worker offers: id, name and version, for the select."""
    return [row for row in services.all_language_rows() if row["enabled"]]


def any_language() -> Language:
    """A language to compute the default limits with (they hardly depend on it)."""
    return min(all_languages(), key=lambda language: language.memory_mb)

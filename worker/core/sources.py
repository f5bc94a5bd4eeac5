"""Submitted programs of one file or of several: what was sent, and how to read it.

A single source is plain ``bytes`` everywhere (it gets its language's own file name in the box,
``main.c``, or the public class's ``Foo.java``). A program of several files is a
:class:`SourceFiles`: the files with the names they were submitted under, and optionally the
entry point its submitter named (a file, or a Java/Kotlin class). Its files go into the compile
box and into each run box under those names (as DOMjudge and the Kattis format run them);
``worker.core.compile`` decides from the language's ``multi_file`` key which of them the compile
step is given.

Names are plain file names, all in one directory: that is DOMjudge's rule for multi-file
submissions, and the sandbox's ``/box`` holds no subdirectories. Anything else is refused with a
:class:`SourceError` that says why. Contents are bytes, kept as sent (NUL, any encoding).

A Judge0 submission with ``additional_files`` is one source plus files that are only there
(headers, modules, data): ``entry_only`` says the compile step gets the entry file alone, as
Judge0's predefined compile commands do.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .languages import Language, LanguageError, all_languages, language_of_extension

__all__ = ["ANSWERS", "SourceFiles", "SourceError", "MAX_FILES", "MAX_TOTAL_BYTES", "check_name",
           "read_paths", "read_directory", "read_zip", "zip_files", "to_zip", "stored_program", "is_project", "language_of", "entry_file",
           "program_files"]

MAX_FILES = 100
MAX_TOTAL_BYTES = 16 * 1024 * 1024
MAX_NAME = 255  # bytes: the longest file name Linux takes
# The language a stored submission of answer files has (a submit-answer problem's): no program.
ANSWERS = "answers"
# DOMjudge's rule for submitted file names (SubmissionService::FILENAME_REGEX).
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9+_.-]*")


class SourceError(ValueError):
    """Submitted files that cannot be judged as one program (the reason is for the user)."""


@dataclass(frozen=True)
class SourceFiles:
    """A program of several files: ``files`` are (plain name, content) in submitted order;
    ``entry`` the entry point its submitter named (``None``: decided as DOMjudge does);
    ``entry_only``: the compile step gets the entry file alone, the others are only there
    (Judge0's ``source_code`` with ``additional_files``)."""

    files: tuple[tuple[str, bytes], ...]
    entry: str | None = None
    entry_only: bool = False

    def __post_init__(self) -> None:
        if not self.files:
            raise SourceError("no files submitted")
        if len(self.files) > MAX_FILES:
            raise SourceError(f"{len(self.files)} files: at most {MAX_FILES}")
        names = [check_name(name) for name, _ in self.files]
        if len(set(names)) != len(names):
            raise SourceError("two files share one name")
        if sum(len(data) for _, data in self.files) > MAX_TOTAL_BYTES:
            raise SourceError(f"the files hold more than {MAX_TOTAL_BYTES} bytes")

    @property
    def names(self) -> list[str]:
        """The file names, in submitted order."""
        return [name for name, _ in self.files]

    def content(self, name: str) -> bytes:
        """The content of the file called ``name``."""
        return dict(self.files)[name]

    def digest_input(self) -> bytes:
        """The files and entry point as one byte string (what a cache key hashes)."""
        parts = [b"entry:%s:%d\0" % ((self.entry or "").encode(), self.entry_only)]
        for name, data in sorted(self.files):
            parts.append(b"%s\0%d\0%s" % (name.encode(), len(data), data))
        return b"".join(parts)

    def with_files(self, extra: tuple[tuple[str, bytes], ...]) -> "SourceFiles":
        """These files plus ``extra`` (a package's included files: they win a name clash, as
        the Kattis format says)."""
        taken = {name for name, _ in extra}
        return SourceFiles(tuple(f for f in self.files if f[0] not in taken) + tuple(extra),
                           self.entry, self.entry_only)


def check_name(name: str) -> str:
    """``name`` when it is a plain file name DOMjudge would accept, else SourceError."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name in (".", ".."):
        shown = repr(name) if len(repr(name)) <= 80 else repr(name)[:77] + "..."
        raise SourceError(f"bad file name {shown}: a plain name of letters, digits and "
                          f"+_.- (not starting with . + or -)")
    if len(name) > MAX_NAME:
        raise SourceError(f"file name {name[:40]}... is {len(name)} characters long: at most "
                          f"{MAX_NAME}")
    return name


def read_paths(paths: list[Path], entry: str | None = None) -> SourceFiles:
    """Several files named on a command line (each by its base name)."""
    files = []
    for path in paths:
        if path.is_dir():
            raise SourceError(f"{path}: a directory among files (give one directory alone)")
        files.append((path.name, path.read_bytes()))
    return SourceFiles(tuple(files), entry)


def read_directory(directory: Path, entry: str | None = None) -> SourceFiles:
    """The files directly in ``directory`` (a multi-file submission's folder), by name."""
    files = []
    for path in sorted(directory.iterdir()):
        if path.is_dir():
            raise SourceError(f"{path}: a subdirectory in a multi-file submission (all its "
                              f"files must sit directly in {directory.name}/)")
        files.append((path.name, path.read_bytes()))
    return SourceFiles(tuple(files), entry)


def zip_files(data: bytes, *, strip_folder: bool = True, max_bytes: int = MAX_TOTAL_BYTES
              ) -> tuple[tuple[str, bytes], ...]:
    """The files of a zip (SourceError when it is no zip, or holds what cannot be judged).

    Flat, or (``strip_folder``) all inside one top-level directory; at most ``max_bytes``
    unpacked, counted from what each entry really holds. Directory entries and macOS'
    ``__MACOSX/`` are skipped; anything in a subdirectory is refused (the box is flat)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()
                     and not i.filename.startswith("__MACOSX/")]
            if len(infos) > MAX_FILES:
                raise SourceError(f"the zip holds {len(infos)} files: at most {MAX_FILES}")
            if sum(i.file_size for i in infos) > max_bytes:
                raise SourceError(f"the zip unpacks to more than {max_bytes} bytes")
            paths = [PurePosixPath(i.filename) for i in infos]
            strip = strip_folder and len({p.parts[0] for p in paths}) == 1 and \
                all(len(p.parts) == 2 for p in paths)
            files, total = [], 0
            for info, path in zip(infos, paths):
                parts = path.parts[1:] if strip else path.parts
                if len(parts) != 1:
                    raise SourceError(f"zip entry {info.filename[:100]!r} is in a directory "
                                      f"(all files must sit side by side)")
                with zf.open(info) as handle:
                    content = handle.read(max_bytes + 1 - total)
                total += len(content)
                if total > max_bytes:
                    raise SourceError(f"the zip unpacks to more than {max_bytes} bytes")
                files.append((check_name(parts[0]), content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
            EOFError, ValueError, OSError) as exc:
        if isinstance(exc, SourceError):
            raise
        raise SourceError(f"not a readable zip archive: {exc}") from exc
    if not files:
        raise SourceError("the zip holds no file")
    return tuple(files)


def to_zip(files: tuple[tuple[str, bytes], ...]) -> bytes:
    """``files`` as a zip, the same bytes for the same files (Judge0 shows
    ``additional_files`` back as a zip)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buffer.getvalue()


def read_zip(data: bytes, entry: str | None = None) -> SourceFiles:
    """A zip of a program's files (:func:`zip_files`) as one program."""
    return SourceFiles(zip_files(data), entry)


def is_project(language: Language) -> bool:
    """A language whose programs build and run themselves (``artifact = "*"``: every file
    the compile step leaves; Judge0's Multi-file program, with its ``compile`` and ``run``
    scripts)."""
    return language.artifact == "*"


def stored_program(language: Language, source: bytes, files: list[tuple[str, bytes]],
                   entry: str | None = None) -> bytes | SourceFiles:
    """What to compile, from a stored submission: its source alone; or its files (a program
    of several files, ``entry`` its named entry point); or, both given, the source with files
    that are only there (Judge0's ``source_code`` and ``additional_files``: the source gets its
    language's file name and wins a clash, as Judge0's ``unzip -n`` leaves it)."""
    if not files:
        return source
    if not source:
        return SourceFiles(tuple(files), entry)
    name = language.values(source)["source"]
    extra = tuple((n, data) for n, data in files if n != name)
    return SourceFiles(((name, source),) + extra, entry=name, entry_only=True)


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[1].lower() if "." in name.strip(".") else ""


def language_of(sources: SourceFiles, enabled: list[Language] | None = None) -> Language:
    """The one language the files' extensions name (LanguageError when none or several).

    The entry point's language wins when it was named and has an extension."""
    languages = enabled if enabled is not None else all_languages()

    def of(name: str) -> Language | None:  # .m: Objective-C or Octave, by the file's content
        data = sources.content(name) if name in sources.names else b""
        return language_of_extension(_extension(name), data, languages)

    if sources.entry and of(sources.entry) is not None:
        return of(sources.entry)
    found = {lang.id: lang for lang in map(of, sources.names) if lang is not None}
    if len(found) == 1:
        return next(iter(found.values()))
    if not found:
        raise LanguageError(f"no language for the extensions of {', '.join(sources.names)}")
    raise LanguageError(f"files of several languages ({', '.join(sorted(found))}): say which "
                        f"one (--lang)")


def program_files(language: Language, sources: SourceFiles) -> list[str]:
    """The files of ``sources`` in ``language`` (by extension: the language's, and that of
    its own source name, ``main.pl`` for a Prolog told from Perl by content), in name
    order."""
    extensions = (*language.extensions, _extension(language.source) or language.extensions[0]
                  if language.extensions else _extension(language.source))
    own = sorted(n for n in sources.names if _extension(n) in extensions)
    if not own and sources.entry in sources.names:
        own = [sources.entry]  # a language chosen by hand: its entry point is its source
    return own


def entry_file(language: Language, sources: SourceFiles) -> tuple[str | None, str]:
    """The file a multi-file program starts from and a note on how it was chosen (empty when
    nothing had to be guessed), or ``(None, why not)``.

    As DOMjudge and the Kattis format decide it: the entry point named with the submission;
    else the only source file of the language; else the language's own file name
    (``main.py``, ``main.js``) or the format's default (``__main__.py``); else a file named
    ``main.*`` (problemtools' rule); else the only file that looks like a main program (the
    language's ``entry_pattern``: a Python main guard, a Pascal ``program`` header); else
    the first source file by name, as both DOMjudge's run scripts (``$1``) and problemtools
    take it (the note says so)."""
    own = program_files(language, sources)
    if sources.entry is not None:
        if sources.entry in sources.names:
            return sources.entry, ""
        return None, f"the entry point {sources.entry!r} is not among the submitted files"
    if len(own) == 1:
        return own[0], ""
    if not own:
        return None, f"no {language.name} source among {', '.join(sources.names)}"
    for default in (language.source, *language.entry_defaults):
        if default in own:
            return default, ""
    mains = [n for n in own if n.lower().startswith("main.")]
    if mains:
        return mains[0], ""
    if language.entry_pattern:
        pattern = re.compile(language.entry_pattern.encode(), re.M)
        mains = [n for n in own if pattern.search(sources.content(n))]
        if len(mains) == 1:
            return mains[0], ""
    return own[0], (f"entry point {own[0]}: the first of {', '.join(own)} by name, as "
                    f"DOMjudge and problemtools choose (name the entry point to choose "
                    f"another)")

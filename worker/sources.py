"""Submitted programs of one file or of several: what was sent, and how to read it.

A single source is plain ``bytes`` everywhere (it gets its language's own file name in the box,
``main.c``, or the public class's ``Foo.java``). A program of several files is a
:class:`SourceFiles`: the files with the names they were submitted under, and optionally the
entry point its submitter named (a file, or a Java/Kotlin class). Its files go into the compile
box and into each run box under those names (as DOMjudge and the Kattis format run them);
``worker.compile`` decides from the language's ``multi_file`` key which of them the compile step
is given.

Names are plain file names, all in one directory: that is DOMjudge's rule for multi-file
submissions, and the sandbox's ``/box`` holds no subdirectories. Anything else is refused with a
:class:`SourceError` that says why.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .languages import Language, LanguageError, all_languages, language_of_extension

__all__ = ["SourceFiles", "SourceError", "MAX_FILES", "MAX_TOTAL_BYTES", "check_name",
           "read_paths", "read_directory", "read_zip", "language_of", "entry_file",
           "program_files"]

MAX_FILES = 100
MAX_TOTAL_BYTES = 16 * 1024 * 1024
# DOMjudge's rule for submitted file names (SubmissionService::FILENAME_REGEX).
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9+_.-]*")


class SourceError(ValueError):
    """Submitted files that cannot be judged as one program (the reason is for the user)."""


@dataclass(frozen=True)
class SourceFiles:
    """A program of several files: ``files`` are (plain name, content) in submitted order;
    ``entry`` the entry point its submitter named (``None``: decided as DOMjudge does)."""

    files: tuple[tuple[str, bytes], ...]
    entry: str | None = None

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
        parts = [b"entry:%s\0" % (self.entry or "").encode()]
        for name, data in sorted(self.files):
            parts.append(b"%s\0%d\0%s" % (name.encode(), len(data), data))
        return b"".join(parts)

    def with_files(self, extra: tuple[tuple[str, bytes], ...]) -> "SourceFiles":
        """These files plus ``extra`` (a package's included files: they win a name clash, as
        the Kattis format says)."""
        taken = {name for name, _ in extra}
        return SourceFiles(tuple(f for f in self.files if f[0] not in taken) + tuple(extra),
                           self.entry)


def check_name(name: str) -> str:
    """``name`` when it is a plain file name DOMjudge would accept, else SourceError."""
    if not _NAME.fullmatch(name or "") or name in (".", ".."):
        raise SourceError(f"bad file name {name!r}: a plain name of letters, digits and "
                          f"+_.- (not starting with . + or -)")
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


def read_zip(data: bytes, entry: str | None = None) -> SourceFiles:
    """A zip of the program's files (flat, or all inside one top-level directory)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()
                     and not i.filename.startswith("__MACOSX/")]
            if len(infos) > MAX_FILES:
                raise SourceError(f"the zip holds {len(infos)} files: at most {MAX_FILES}")
            if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
                raise SourceError(f"the zip unpacks to more than {MAX_TOTAL_BYTES} bytes")
            paths = [PurePosixPath(i.filename) for i in infos]
            strip = len({p.parts[0] for p in paths}) == 1 and all(len(p.parts) == 2
                                                                 for p in paths)
            files = []
            for info, path in zip(infos, paths):
                parts = path.parts[1:] if strip else path.parts
                if len(parts) != 1:
                    raise SourceError(f"zip entry {info.filename!r} is in a subdirectory "
                                      f"(all files must sit side by side)")
                with zf.open(info) as handle:
                    content = handle.read(MAX_TOTAL_BYTES + 1)
                if len(content) > info.file_size:
                    raise SourceError(f"zip entry {info.filename!r} is larger than it says")
                files.append((parts[0], content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
            EOFError) as exc:
        raise SourceError(f"not a readable zip archive: {exc}") from exc
    return SourceFiles(tuple(files), entry)


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
    """The files of ``sources`` in ``language`` (by extension), in name order."""
    own = sorted(n for n in sources.names if _extension(n) in language.extensions)
    if not own and sources.entry in sources.names:
        own = [sources.entry]  # a language chosen by hand: its entry point is its source
    return own


def entry_file(language: Language, sources: SourceFiles) -> tuple[str | None, str]:
    """The file a multi-file program starts from, or ``(None, why not)``.

    As DOMjudge and the Kattis format decide it: the entry point named with the submission;
    else the only source file of the language; else the language's own file name
    (``main.py``, ``main.js``) or the format's default (``__main__.py``); else the only file
    that looks like a main program (the language's ``entry_pattern``: a Python main guard, a
    Pascal ``program`` header)."""
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
    if language.entry_pattern:
        pattern = re.compile(language.entry_pattern.encode(), re.M)
        mains = [n for n in own if pattern.search(sources.content(n))]
        if len(mains) == 1:
            return mains[0], ""
    return None, (f"cannot decide the entry point among {', '.join(own)}: name it (the "
                  f"submission's entry point)")

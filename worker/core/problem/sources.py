"""Programs of a package (validators, example submissions): which file to compile, and how.

``worker.core.compile.compile_program`` builds one source file. A C or C++ program in a package
often comes with local headers (``validate.h``, ``testlib.h``); :func:`read_source` inlines the
``#include "..."`` files found in the program's own directory (each once, as ``#pragma once``
and include guards would have it, with ``#line`` markers so compiler messages name the right
file). Includes that are not local (``<cstdio>``, or a quoted name not found there) are left
to the compiler.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..languages import Language, LanguageError, get_language, language_for_file

__all__ = ["SOURCE_LANGUAGES", "program_language", "main_source", "read_source",
           "is_ignored", "looks_like_prolog", "prolog_language"]

_INCLUDE = re.compile(rb'^[ \t]*#[ \t]*include[ \t]*"([^"\n]+)"[^\n]*$', re.M)
_PRAGMA_ONCE = re.compile(rb'^[ \t]*#[ \t]*pragma[ \t]+once[^\n]*$', re.M)
_C_FAMILY = ("c", "cpp17", "cpp20")
_HEADERS = (".h", ".hh", ".hpp", ".hxx", ".inc", ".ipp", ".tcc")

# Validators may only be C, C++ or Python (the package format's rule).
SOURCE_LANGUAGES = {".c": "c", ".cpp": "cpp17", ".cc": "cpp17", ".cxx": "cpp17",
                    ".c++": "cpp17", ".py": "python3"}


def is_ignored(path: Path) -> bool:
    """Auxiliary files the package format says to ignore (``.git``, ``.gitignore``...)."""
    return path.name.startswith((".", "-"))


# A .pl file is Perl to DOMjudge and Prolog to Kattis (problemtools' languages.yaml): told
# apart by what is in it. Prolog: a directive (":- ...") or a clause with a body
# ("main :- ..."), and no Perl #! line.
_PROLOG = re.compile(rb"^[ \t]*:-|^[ \t]*[a-z][A-Za-z0-9_]*[ \t]*(\([^\n]*\))?[ \t]*:-", re.M)
_PERL = re.compile(rb"\A#![^\n]*perl")
PROLOG_IDS = ("swiprolog", "prolog")  # judgebox's Prolog languages, when there are


def looks_like_prolog(data: bytes) -> bool:
    """Whether a ``.pl`` file holds Prolog rather than Perl (see ``_PROLOG``)."""
    return bool(_PROLOG.search(data)) and not _PERL.match(data)


def prolog_language(paths: list[Path]) -> Language | None:
    """The Prolog language when these files are ``.pl`` Prolog sources (all of the
    program's ``.pl`` files read as Prolog); ``None`` when they are not (Perl, or no
    ``.pl`` at all); LanguageError, with the reason, when they are but judgebox has no
    Prolog language enabled."""
    sources = [p for p in paths if p.suffix.lower() == ".pl"]
    if not sources or not all(looks_like_prolog(p.read_bytes()) for p in sources):
        return None
    for lang_id in PROLOG_IDS:
        try:
            return get_language(lang_id)
        except LanguageError:
            continue
    raise LanguageError(f"{', '.join(p.name for p in sources)}: Prolog (its .pl files hold "
                        f"Prolog clauses, as Kattis reads .pl), and judgebox has no Prolog "
                        f"language here")


def program_language(path: Path) -> Language | None:
    """The language of a source file from its extension, or ``None`` when unknown."""
    try:
        return language_for_file(str(path))
    except LanguageError:
        return None


def main_source(directory: Path, validators_only: bool = False) -> tuple[Path | None, str]:
    """The one source file of a directory program, or ``(None, why not)``.

    Headers do not count (they are inlined). Python programs with several files use
    ``__main__.py`` (the other modules go into the box next to it).
    """
    files = sorted(p for p in directory.iterdir() if p.is_file() and not is_ignored(p))
    sources = []
    for path in files:
        if path.suffix.lower() in _HEADERS:
            continue
        if validators_only:
            if path.suffix.lower() in SOURCE_LANGUAGES:
                sources.append(path)
        elif program_language(path) is not None:
            sources.append(path)
    if len(sources) == 1:
        return sources[0], ""
    mains = [p for p in sources if p.name == "__main__.py"]
    if mains and all(p.suffix == ".py" for p in sources):
        return mains[0], ""
    if not sources:
        return None, "no source file (C, C++ or Python for validators)" if validators_only \
            else "no source file of a known language"
    names = ", ".join(p.name for p in sources)
    return None, f"several source files ({names}): judgebox compiles one source file " \
                 f"(plus the local headers it includes)"


def read_source(path: Path, language: Language) -> bytes:
    """The source to compile: the file itself, with local headers inlined for C and C++."""
    data = path.read_bytes()
    if language.id not in _C_FAMILY and not language.id.startswith("cpp"):
        return data
    return _inline(path, path.parent.resolve(), set())


def _inline(path: Path, root: Path, seen: set[Path]) -> bytes:
    seen.add(path.resolve())
    text = path.read_bytes()
    out: list[bytes] = []
    pos = 0
    for match in _INCLUDE.finditer(text):
        target = (path.parent / match.group(1).decode("utf-8", "replace")).resolve()
        if not target.is_file() or root not in (target, *target.parents):
            continue  # not ours to inline: the compiler looks for it (and fails if missing)
        out.append(text[pos:match.start()])
        line = text.count(b"\n", 0, match.end()) + 2
        if target not in seen:
            body = _PRAGMA_ONCE.sub(b"", _inline(target, root, seen))
            out.append(b'#line 1 "%s"\n%s\n' % (target.name.encode(), body))
        out.append(b'#line %d "%s"' % (line, path.name.encode()))
        pos = match.end()
    out.append(text[pos:])
    return b"".join(out)

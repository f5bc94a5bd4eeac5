"""Languages: one small declarative file each, ``rootfs-templates/<id>.toml``.

The file's ``[box]`` table is the sandbox template its compile and run boxes use (what of the host
they see, their environment); its ``[language]`` table says how to build and run a program::

    [language]
    name = "C++17 (GCC)"            # display name
    extensions = ["cpp", "cc"]      # `judgebox run` picks the language from these
    source = "main.cpp"             # the file name the source gets in /box
    version = ["g++", "-dumpfullversion"]   # argv printing the toolchain's version
    version_pattern = '([0-9.]+)'   # optional: the part of that output to show
    compile = ["g++", "-O2", "-o", "main", "{source}"]   # absent: nothing to compile
    artifact = "main"               # what compile leaves in /box; it goes to the run box
    check = ["python3", "-m", "py_compile", "{source}"]  # syntax check instead of compile
    run = ["./main"]
    judge0 = [52, 53, 54]           # Judge0 language ids this language answers to
    judge0_name = "C++ (GCC {version})"  # how Judge0's /languages names them
    detect = '^#import'             # a shared extension: this language when the source matches
    processes = 64                  # processes + threads of a run box
    memory_mb = 256                 # default memory limit (whole box, runtime included)
    memory_reserve_mb = 0           # the runtime's own share: {heap_mb} = {memory_mb} - this
    memory_errors = ["java.lang.OutOfMemoryError"]   # stderr of a failed run meaning MLE
    hook = "java_main_class"        # optional: one function of HOOKS below
    multi_file = "all"              # a program of several files: the compile (or check) step
                                    # gets them all as {source} ("all"), each in turn ("each"),
                                    # or only the entry point, finding the rest ("entry", default)
    entry_pattern = '^if __name__'  # optional: how a main file looks (the entry point of
                                    # several files, when nothing else decides it)
    entry_defaults = ["__main__.py"]  # optional: entry file names besides `source`
    run_env = { GLOBALSZ = "{heap_kib}" }   # environment of a run (placeholders as commands')
    selftest = '''...'''            # prints "hello world", then echoes stdin
    selftest_input = '''...'''      # optional: its input, when not the lines it echoes (SQL)
    selftest_via = "c"              # optional: selftest is that language's; its build is ours

Commands are argv lists (never a shell line built from user input). Placeholders, filled in by
:meth:`Language.argv`: ``{source}``, ``{artifact}``, ``{memory_mb}``, ``{heap_mb}``,
``{heap_kib}``, ``{stack_mb}``, and whatever the language's hook returns (Java:
``{main_class}``).
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from sandbox.templates import templates_dir

__all__ = ["Language", "LanguageError", "all_languages", "get_language", "language_for_file",
           "language_of_extension",
           "HOOKS"]


class LanguageError(Exception):
    """A language file is invalid, or no language matches what was asked for."""


@dataclass(frozen=True)
class Language:
    """How to build and run programs of one language; loaded from ``rootfs-templates/<id>.toml``."""

    id: str
    name: str
    extensions: tuple[str, ...]
    source: str
    version: tuple[str, ...]
    run: tuple[str, ...]
    selftest: str
    version_pattern: str | None = None
    compile: tuple[str, ...] | None = None
    artifact: str | None = None
    check: tuple[str, ...] | None = None
    judge0: tuple[int, ...] = ()
    processes: int = 64
    memory_mb: int = 256
    memory_reserve_mb: int = 0
    memory_errors: tuple[str, ...] = ()
    hook: str | None = None
    multi_file: str = "entry"
    entry_pattern: str | None = None
    entry_defaults: tuple[str, ...] = ()
    judge0_name: str | None = None
    detect: str | None = None
    run_env: tuple[tuple[str, str], ...] = ()
    selftest_input: str | None = None
    selftest_via: str | None = None
    path: Path = field(default=Path(), compare=False)

    @property
    def template(self) -> str:
        """The sandbox template of this language's boxes (the same file's ``[box]`` table)."""
        return self.id

    @property
    def compiled(self) -> bool:
        """Whether a compile step produces an artifact (else the source itself is run)."""
        return self.compile is not None

    def values(self, source: bytes) -> dict[str, str]:
        """Placeholder values that depend on the source (the hook's, ``{source}``)."""
        values = {"source": self.source}
        if self.hook:
            values |= HOOKS[self.hook](source)
        values["artifact"] = self.artifact or values["source"]  # interpreted: the source
        return values

    def multi_values(self, files: list[tuple[str, bytes]], entry: str | None,
                     named_entry: str | None) -> dict[str, str]:
        """Placeholder values of a program of several files: ``{source}`` is the entry file
        (``entry``, when one was decided), ``sources`` every file the compile step takes
        (NUL-separated). A hook may add its own (Java: the class to run, from
        ``named_entry`` or detected); ``LanguageError`` when it cannot decide."""
        names = [name for name, _ in files]
        values = {"source": entry or names[0], "sources": "\0".join(names)}
        if self.hook:
            values |= MULTI_HOOKS[self.hook](files, named_entry)
            values["source"] = entry or names[0]
        values["artifact"] = self.artifact or values["source"]
        return values

    def argv(self, template: tuple[str, ...], values: dict[str, str], memory_mb: int = 0,
             *, every_source: bool = False) -> tuple[str, ...]:
        """Fill the placeholders of one of this language's commands. ``every_source``: an
        argument that is exactly ``{source}`` stands for every file in ``values["sources"]``
        (the compile step of a program of several files, ``multi_file = "all"``)."""
        heap = max(16, memory_mb - self.memory_reserve_mb)
        values = values | {"memory_mb": str(memory_mb), "heap_mb": str(heap),
                           "heap_kib": str(heap * 1024), "stack_mb": str(max(8, memory_mb))}
        try:
            out: list[str] = []
            for arg in template:
                if every_source and arg == "{source}" and values.get("sources"):
                    out.extend(values["sources"].split("\0"))
                else:
                    out.append(arg.format_map(values))
            return tuple(out)
        except (KeyError, ValueError) as exc:
            raise LanguageError(f"{self.path}: bad placeholder in {list(template)}: {exc}") \
                from exc

    def environment(self, values: dict[str, str], memory_mb: int) -> tuple[tuple[str, str], ...]:
        """The run's environment beyond the template's (``run_env``, placeholders filled)."""
        filled = self.argv(tuple(v for _, v in self.run_env), values, memory_mb)
        return tuple(zip((k for k, _ in self.run_env), filled))


# --- hooks: at most one level of special-casing ------------------------------------------

_JAVA_NOISE = re.compile(rb'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'',
                         re.S)
_JAVA_TOKENS = re.compile(rb'[{}]|\bstatic\s+void\s+main\b'
                          rb'|\bpublic\s+(?:(?:final|abstract|strictfp|sealed)\s+)*'
                          rb'(?:class|interface|enum|record)\s+([A-Za-z_$][A-Za-z0-9_$]*)'
                          rb'|\b(?:class|interface|enum|record)\s+([A-Za-z_$][A-Za-z0-9_$]*)')


_MAX_NAME = 200  # a file name has at most 255 bytes


_JAVA_PACKAGE = re.compile(rb'^\s*package\s+([A-Za-z_$][A-Za-z0-9_$]*(?:\s*\.\s*'
                           rb'[A-Za-z_$][A-Za-z0-9_$]*)*)\s*;')


def _nested(text: bytes, tokens: re.Pattern[bytes]) -> Iterator[tuple[int, re.Match[bytes]]]:
    """The matches of ``tokens`` (a pattern that also matches ``{`` and ``}``) other than
    braces, each with the brace depth it sits at."""
    depth = 0
    for match in tokens.finditer(text):
        if match.group(0) == b"{":
            depth += 1
        elif match.group(0) == b"}":
            depth = max(0, depth - 1)
        else:
            yield depth, match


def _java_classes(source: bytes) -> tuple[str, str | None, list[str]]:
    """(package prefix ``"pkg."`` or ``""``, the public top-level class, the top-level
    classes that declare ``static void main``) of one Java source."""
    text = _JAVA_NOISE.sub(b" ", source)
    package = _JAVA_PACKAGE.match(text)
    prefix = re.sub(rb"\s", b"", package.group(1)).decode() + "." if package else ""
    current, public, with_main = None, None, []
    for depth, match in _nested(text, _JAVA_TOKENS):
        token = match.group(0)
        if depth == 0 and (match.group(1) or match.group(2)):
            current = (match.group(1) or match.group(2)).decode()
            if match.group(1) and public is None:
                public = current
        elif token.startswith(b"static") and current and current not in with_main:
            with_main.append(current)
    return prefix, public, with_main


def java_main_class(source: bytes) -> dict[str, str]:
    """The class to run and the file name javac wants, as DOMjudge detects them.

    A public top-level class must live in ``<Name>.java``; the class to run is the top-level
    class that declares ``static void main`` (the public one when it is ambiguous); without
    any, ``Main``. A ``package`` declaration names it in full (``bin.Main``): the class files
    go where javac puts them, and the JVM is told the full name.
    """
    prefix, public, with_main = _java_classes(source)
    main = public if public in with_main or (public and not with_main) else \
        (with_main[0] if with_main else "Main")
    if public and len(public) > _MAX_NAME:  # no such file name: javac will say what is wrong
        public = None
    return _java_values(prefix + main) | {"source": f"{public or 'Main'}.java"}


def _java_values(main_class: str) -> dict[str, str]:
    """The class to run, and where javac puts its class file (the compile checks it is
    there: a program without it is a compilation error, never a run-time error)."""
    main_class = main_class[:_MAX_NAME]
    return {"main_class": main_class, "main_class_file": main_class.replace(".", "/") + ".class"}


def java_main_class_of_files(files: list[tuple[str, bytes]], entry: str | None
                             ) -> dict[str, str]:
    """The class to run of a Java program of several files: the named entry point (a class,
    ``pkg.Main``; a file name names the class it holds), else the one class with ``main``
    (DOMjudge's detection; ``Main`` wins a tie, as the Kattis format's default entry point);
    LanguageError when none or several remain."""
    found: list[str] = []
    by_file: dict[str, list[str]] = {}
    for name, data in files:
        prefix, _, with_main = _java_classes(data)
        by_file[name] = [prefix + cls for cls in with_main]
        found += by_file[name]
    if entry:
        if entry in by_file:
            candidates = by_file[entry]
            if len(candidates) != 1:
                raise LanguageError(f"the entry point {entry} holds {len(candidates)} classes "
                                    f"with main(): name the class")
            return _java_values(candidates[0])
        if not re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*", entry):
            raise LanguageError(f"the entry point {entry!r} is not a Java class name")
        return _java_values(entry)
    if len(found) == 1:
        return _java_values(found[0])
    mains = [c for c in found if c.rsplit(".", 1)[-1] == "Main"]
    if len(mains) == 1:
        return _java_values(mains[0])
    if not found:
        raise LanguageError("no class declares a static main method")
    raise LanguageError(f"several classes declare main ({', '.join(found)}): name the entry "
                        f"point")


_SCALA_TOKENS = re.compile(rb'[{}]|\bobject\s+([A-Za-z_][A-Za-z0-9_]*)|\b(?:class|trait)\b'
                           rb'|\bdef\s+main\b|\bextends\s+App\b')


def scala_main_object(source: bytes) -> dict[str, str]:
    """The object to run: the first top-level object that declares ``main`` or extends
    ``App`` (comments and strings stripped, as for Java); without any, ``Main``."""
    return {"main_class": _scala_main(source) or "Main"}


def scala_main_object_of_files(files: list[tuple[str, bytes]], entry: str | None
                               ) -> dict[str, str]:
    """The object to run of a Scala program of several files: the named entry point's (a
    file: the object with main in it; else an object name), else the first file's that has
    one, else ``Main``."""
    contents = dict(files)
    if entry and entry not in contents:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", entry):
            raise LanguageError(f"the entry point {entry!r} is not a Scala object name")
        return {"main_class": entry[:_MAX_NAME]}
    ordered = [contents[entry]] if entry else [data for _, data in files]
    found = next((main for main in map(_scala_main, ordered) if main), None)
    return {"main_class": found or "Main"}


def _scala_main(source: bytes) -> str | None:
    current = None
    for depth, match in _nested(_JAVA_NOISE.sub(b" ", source), _SCALA_TOKENS):
        token = match.group(0)
        if depth == 0 and match.group(1):
            current = match.group(1).decode()
        elif depth == 0 and token in (b"class", b"trait"):
            current = None
        elif current and ((token.startswith(b"def") and depth == 1) or
                          (token.startswith(b"extends") and depth == 0)):
            return current[:_MAX_NAME]
    return None


_ADA_NOISE = re.compile(rb'--[^\n]*|"(?:""|[^"\n])*"|\'.\'')
_ADA_MAIN = re.compile(rb'\bprocedure\s+([A-Za-z][A-Za-z0-9_]*)', re.I)


def ada_main_unit(source: bytes) -> dict[str, str]:
    """The file name GNAT wants: the main procedure's name, in lower case, ``.adb`` (the first
    procedure of the file is the library unit; comments and strings stripped); ``main.adb``
    when there is none."""
    found = _ADA_MAIN.search(_ADA_NOISE.sub(b" ", source))
    name = found.group(1).decode().lower() if found else "main"
    return {"source": f"{name[:_MAX_NAME]}.adb"}


HOOKS: dict[str, Callable[[bytes], dict[str, str]]] = {
    "java_main_class": java_main_class,
    "scala_main_object": scala_main_object,
    "ada_main_unit": ada_main_unit,
}
# The same hooks for programs of several files: (files, the entry point named) -> values.
# Ada's files keep the names they were submitted under (GNAT's unit names, the submitter's).
MULTI_HOOKS: dict[str, Callable[[list[tuple[str, bytes]], str | None], dict[str, str]]] = {
    "java_main_class": java_main_class_of_files,
    "scala_main_object": scala_main_object_of_files,
    "ada_main_unit": lambda files, entry: {},
}


# --- loading ------------------------------------------------------------------------------

def _argv(value: object, where: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(a, str) for a in value):
        raise LanguageError(f"{where} must be a non-empty list of strings")
    return tuple(value)


def _load(path: Path) -> Language | None:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LanguageError(f"{path}: {exc}") from exc
    table = data.get("language")
    if table is None:
        return None  # a plain sandbox template (default.toml)
    where = f"{path}: [language]"
    try:
        lang = Language(
            id=path.stem, name=str(table["name"]),
            extensions=tuple(str(e).lstrip(".").lower() for e in table["extensions"]),
            source=str(table["source"]), version=_argv(table["version"], f"{where} version"),
            run=_argv(table["run"], f"{where} run"), selftest=str(table["selftest"]),
            version_pattern=table.get("version_pattern"),
            compile=_argv(table.get("compile"), f"{where} compile"),
            artifact=table.get("artifact"), check=_argv(table.get("check"), f"{where} check"),
            judge0=tuple(int(i) for i in table.get("judge0", ())),
            processes=int(table.get("processes", 64)), memory_mb=int(table.get("memory_mb", 256)),
            memory_reserve_mb=int(table.get("memory_reserve_mb", 0)),
            memory_errors=tuple(str(s) for s in table.get("memory_errors", ())),
            hook=table.get("hook"), multi_file=str(table.get("multi_file", "entry")),
            entry_pattern=table.get("entry_pattern"),
            entry_defaults=tuple(str(n) for n in table.get("entry_defaults", ())),
            judge0_name=table.get("judge0_name"), detect=table.get("detect"),
            selftest_input=table.get("selftest_input"), selftest_via=table.get("selftest_via"),
            run_env=tuple((str(k), str(v)) for k, v in table.get("run_env", {}).items()),
            path=path)
    except KeyError as exc:
        raise LanguageError(f"{where} lacks {exc}") from None
    except (TypeError, ValueError) as exc:
        raise LanguageError(f"{where}: {exc}") from exc
    if lang.compiled != bool(lang.artifact):
        raise LanguageError(f"{where}: compile and artifact go together")
    if lang.multi_file not in ("entry", "all", "each"):
        raise LanguageError(f"{where}: multi_file must be entry, all or each")
    if lang.hook is not None and lang.hook not in HOOKS:
        raise LanguageError(f"{where}: unknown hook {lang.hook!r} (known: {', '.join(HOOKS)})")
    if "/" in lang.source or (lang.artifact and "/" in lang.artifact):
        raise LanguageError(f"{where}: source and artifact are plain names in /box")
    if lang.detect is not None:
        try:
            re.compile(lang.detect.encode())
        except re.error as exc:
            raise LanguageError(f"{where}: bad detect pattern: {exc}") from exc
    try:
        (lang.judge0_name or "").format(version="")
    except (KeyError, IndexError, ValueError) as exc:
        raise LanguageError(f"{where}: judge0_name may hold {{version}} only: {exc}") from exc
    return lang


@functools.lru_cache(maxsize=None)
def _registry(directory: Path) -> dict[str, Language]:
    languages: dict[str, Language] = {}
    owners: dict[str, str] = {}  # extension -> the language that takes it without `detect`
    for path in sorted(directory.glob("*.toml"), key=lambda p: p.stem):  # by id
        lang = _load(path)
        if lang is None:
            continue
        for ext in lang.extensions:
            if lang.detect is not None:
                continue  # shared: this language only when its pattern matches the source
            if ext in owners:
                raise LanguageError(f"{path}: extension .{ext} is already {owners[ext]}'s "
                                    "(languages sharing one need `detect` on all but one)")
            owners[ext] = lang.id
        languages[lang.id] = lang
    for lang in languages.values():
        if lang.selftest_via is not None and lang.selftest_via not in languages:
            raise LanguageError(f"{lang.path}: selftest_via names no language: "
                                f"{lang.selftest_via!r}")
    return languages


def all_languages() -> list[Language]:
    """Every language defined in the templates directory, by id."""
    return list(_registry(templates_dir()).values())


def get_language(lang_id: str) -> Language:
    """The language with this id; ``LanguageError`` when there is none."""
    languages = _registry(templates_dir())
    if lang_id not in languages:
        raise LanguageError(f"unknown language {lang_id!r} (known: {', '.join(languages)})")
    return languages[lang_id]


def language_for_file(filename: str, source: bytes | None = None) -> Language:
    """The language of a source file, from its extension.

    An extension belongs to one language, except where languages with a ``detect`` pattern
    share it (``.m``: Objective-C or Octave, decided by the content as Kattis does): see
    :func:`language_of_extension`; the content is read from ``filename`` when ``source`` is
    not given and the extension is shared.
    """
    suffix = Path(filename).suffix.lstrip(".").lower()
    if source is None and any(lang.detect for lang in all_languages()
                              if suffix and suffix in lang.extensions):
        try:
            source = Path(filename).read_bytes()
        except OSError as exc:
            raise LanguageError(f"cannot read {filename!r} to tell its language: "
                                f"{exc.strerror}") from exc
    found = language_of_extension(suffix, source or b"")
    if found is None:
        raise LanguageError(f"no language for the extension of {filename!r}: use --lang")
    return found


def language_of_extension(extension: str, source: bytes,
                          among: list[Language] | None = None) -> Language | None:
    """The language of a source with this extension (no dot, any case), among ``among`` (by
    default every language): the first language sharing the extension whose ``detect``
    pattern matches ``source``, else the one that takes it without a pattern; ``None``."""
    extension = extension.lower()
    owners = [lang for lang in (among if among is not None else all_languages())
              if extension and extension in lang.extensions]
    for lang in owners:
        if lang.detect and re.search(lang.detect.encode(), source):
            return lang
    return next((lang for lang in owners if not lang.detect), None)

"""The compile step and the run of a compiled program: plain functions, no Celery.

``compile_program(language, source, workdir)`` builds in a box of its own that sees only the
source and the language's toolchain (its template), under :class:`CompileLimits`. What comes out
is a :class:`Program`: either ``ok`` with one artifact file on the host (a binary, a jar, an
``.exe``, or the source itself for interpreted languages, after their syntax check), or a
compilation error with the reason and the compiler's messages (capped). The compile box is gone
when this returns. ``run_program(program, limits, stdin)`` runs the artifact in a fresh box;
call it as often as there are tests, in one reusable box for them all (``program_box``).

Compilation errors (the program's fault) are data: ``Program.ok`` is false and ``error`` says
why (the compiler failed, timed out, ran out of memory, wrote too much, left no artifact or one
too large). A failure of the sandbox itself (``SE``: a toolchain that cannot start, say) raises
:class:`CompileSystemError`; the caller reports it as a judge error, never as CE.

Compile speed: a compile seen before comes from the compile cache (``worker.core.compile_cache``,
a worker's own) without a box; a language with a ready precompiled header (``worker.core.pch``, the
``[pch]`` table of C++) compiles with it mounted, and again without it unless that compile was
clean, so what a contestant sees is never the PCH's doing.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sandbox import COLLECT_ALL, Box, Limits, Mount, Outcome, SandboxSpec, Status, open_box, run

from . import pch as _pch
from .compile_cache import CacheEntry, CompileCache, cacheable, counters, default_cache
from .languages import Language, LanguageError
from .sources import SourceError, SourceFiles, entry_file, program_files, to_zip

__all__ = ["CompileLimits", "Program", "CompileSystemError", "compile_program", "run_program",
           "program_box"]

log = logging.getLogger(__name__)


class CompileSystemError(Exception):
    """The compile box itself failed (``SE``): judgebox's fault, not the program's."""


@dataclass(frozen=True)
class CompileLimits:
    """Limits of one compile (or syntax check) box; the defaults are the issue's."""

    cpu_time_ms: int = 30_000
    wall_time_ms: int = 30_000
    memory_kib: int = 1024 * 1024
    processes: int = 64
    output_kib: int = 64          # compiler messages kept and returned
    artifact_kib: int = 64 * 1024  # the largest artifact, and the largest file written at all
    tmp_kib: int = 256 * 1024     # /tmp for the compiler's scratch files (counts as memory)

    def sandbox_limits(self) -> Limits:
        """The sandbox limits of the compile box."""
        return Limits(cpu_time_ms=self.cpu_time_ms, wall_time_ms=self.wall_time_ms,
                      memory_kib=self.memory_kib, processes=self.processes,
                      output_kib=self.artifact_kib, stderr_kib=self.output_kib,
                      box_kib=2 * self.artifact_kib + 16 * 1024, tmp_kib=self.tmp_kib)


@dataclass(frozen=True)
class Program:
    """What the compile step produced.

    ``ok``: ``artifact`` is a host file (executable bit set) that ``run_program`` places in
    each run box under ``artifact_name``. Otherwise ``error`` says why compilation failed.
    ``output`` is the compiler's (or syntax checker's) stdout and stderr, capped.
    ``values`` are the placeholders of the run command (``{main_class}``...).
    """

    language: Language
    ok: bool
    output: str
    error: str = ""
    artifact: Path | None = None
    artifact_name: str = ""
    values: dict[str, str] = dataclasses.field(default_factory=dict)
    outcome: Outcome | None = None
    cached: bool = False  # from the compile cache (worker.core.compile_cache): no compiler ran
    files: tuple[tuple[str, Path], ...] = ()  # a program of several files: the others, in /box

    def report(self) -> str:
        """What a contestant sees of the compilation: the messages, then why it failed."""
        if self.ok:
            return self.output
        sep = "" if not self.output or self.output.endswith("\n") else "\n"
        return f"{self.output}{sep}judgebox: {self.error}\n"


def _messages(outcome: Outcome, cap_kib: int) -> str:
    text = (outcome.stdout + outcome.stderr)
    cap = cap_kib * 1024
    if len(text) > cap:
        text = text[:cap] + b"\n[compiler output truncated]\n"
    return text.decode("utf-8", "replace")


def _failure(outcome: Outcome, limits: CompileLimits,
             memory_errors: tuple[str, ...] = ()) -> str:
    """Why a compile box failed, in words a contestant understands. ``memory_errors``: what
    the compiler's runtime prints when its own heap ran out (javac's ``OutOfMemoryError``: a
    JVM stops at its heap size, fitted below the box's limit, so the box never sees an OOM)."""
    ran_out = any(marker.encode() in outcome.stderr + outcome.stdout
                  for marker in memory_errors)
    if outcome.status is Status.TLE:
        cpu = outcome.killed_by == "cpu-time"
        seconds = (limits.cpu_time_ms if cpu else limits.wall_time_ms) / 1000
        return f"compilation timed out ({seconds:g} s{' of CPU' if cpu else ''})"
    if outcome.status is Status.MLE or ran_out:
        return f"compilation ran out of memory ({limits.memory_kib // 1024} MB)"
    if outcome.status is Status.OLE:
        return f"compilation wrote more than {limits.artifact_kib} KiB (output or a file)"
    if outcome.signal is not None:
        return f"the compiler was killed by signal {outcome.signal}"
    return f"compilation failed (exit code {outcome.exit_code})"


def _compile_box(language: Language, step: tuple[str, ...], values: dict[str, str],
                 files: tuple[tuple[str, bytes], ...], limits: CompileLimits,
                 use_pch: bool = True, every_source: bool = False) -> Outcome:
    """One box that sees the toolchain and the source, and hands back the artifact.

    With the language's precompiled header (``worker.core.pch``) mounted when it has a ready one;
    a compile with it that did not end cleanly is done again without it, so what the
    contestant sees always comes from a plain compile."""
    directory = _pch.lookup(language) if use_pch and step == language.compile else None
    if directory is not None:
        outcome = _box(language, _pch.with_pch(language, step), values, files, limits,
                       (_pch.mount(directory),), every_source)
        if outcome.status is Status.SE or _pch.keep(outcome, values["artifact"],
                                                    limits.wall_time_ms):
            counters.pch_compiles += outcome.status is not Status.SE
            return outcome
        counters.pch_reruns += 1
        log.info("%s: the compile with the PCH ended %s with messages: compiling again "
                 "without it", language.id, outcome.status.value)
    return _box(language, step, values, files, limits, every_source=every_source)


def _box(language: Language, step: tuple[str, ...], values: dict[str, str],
         files: tuple[tuple[str, bytes], ...], limits: CompileLimits,
         mounts: tuple[Mount, ...] = (), every_source: bool = False) -> Outcome:
    counters.compiler_runs += 1
    return run(SandboxSpec(
        command=language.argv(step, values, limits.memory_kib // 1024,
                              every_source=every_source),
        limits=limits.sandbox_limits(), template=language.template,
        files=files, mounts=mounts,
        collect=(values["artifact"],) if language.compiled else (),
        collect_max_kib=limits.artifact_kib))


def compile_program(language: Language, source: bytes | SourceFiles, workdir: Path,
                    limits: CompileLimits = CompileLimits(), *,
                    cache: CompileCache | bool = True, pch: bool = True) -> Program:
    """Compile (or syntax-check) ``source`` in a box of its own; the artifact goes to workdir.

    ``source`` is one file's bytes, or a program of several files (``SourceFiles``: the
    compile step gets the files its language's ``multi_file`` says; an entry point that
    cannot be decided is a compilation error that says why).

    ``cache``: this process's compile cache (``True``, see ``worker.core.compile_cache``), another
    one, or none (``False``): a hit returns what the box produced before, without a box.
    ``pch``: use the language's precompiled header when one is ready (``worker.core.pch``).
    Raises :class:`CompileSystemError` when the sandbox failed (``SE``), and
    :class:`sandbox.SandboxError` when it could not even start.
    """
    if isinstance(source, SourceFiles):
        return _compile_files(language, source, workdir, limits, cache, pch)
    values = language.values(source)
    step = language.compile or language.check
    store = default_cache() if cache is True else (cache or None)
    key = store.key(language, step, values, source, dataclasses.asdict(limits)) \
        if store and step else None
    entry = store.get(key) if store and key else None
    if entry is None:
        entry = _compile(language, step, values, ((values["source"], source),), limits, pch)
        if store and key and cacheable(entry.outcome):
            store.put(key, entry)
        cached = False
    else:
        cached = True
    if not entry.ok:
        return Program(language, False, entry.output, entry.error, outcome=entry.outcome,
                       cached=cached)
    if values["artifact"] == COLLECT_ALL:
        return _bundle_program(language, entry, values, workdir, cached)
    path = workdir / values["artifact"]
    path.write_bytes(entry.artifact if language.compiled and entry.artifact is not None
                     else source)
    os.chmod(path, 0o755)  # the sandbox keeps a host file's exec bit in /box
    return Program(language, True, entry.output, artifact=path, artifact_name=values["artifact"],
                   values=values, outcome=entry.outcome, cached=cached)


def _multi_values(language: Language, sources: SourceFiles) -> tuple[dict[str, str], str]:
    """The placeholder values of a program of several files, and a note on how its entry
    point was chosen when it had to be (SourceError or LanguageError when its entry point or
    main class cannot be decided)."""
    if language.artifact == COLLECT_ALL:  # a project: its own scripts build and run it
        return {"source": language.source, "sources": "", "artifact": COLLECT_ALL}, ""
    if sources.entry_only and sources.entry in sources.names:
        # one source and files that are only there: the source's own values, as if alone
        values = language.values(sources.content(sources.entry))
        return values | {"source": sources.entry, "sources": sources.entry,
                         "artifact": language.artifact or sources.entry}, ""
    own = program_files(language, sources)
    if not own:
        raise SourceError(f"no {language.name} source file among {', '.join(sources.names)}")
    entry, note = entry_file(language, sources)
    if entry is None and not (language.compiled and language.multi_file == "all"):
        raise SourceError(note)
    values = language.multi_values([(n, sources.content(n)) for n in own], entry,
                                   sources.entry)
    values["sources"] = "\0".join(own if language.multi_file != "entry" else [entry])
    # a compiler given every file finds its own start (main()): nothing was guessed then
    guessed = entry is not None and not (language.compiled and language.multi_file == "all")
    return values, note if guessed else ""


def _compile_files(language: Language, sources: SourceFiles, workdir: Path,
                   limits: CompileLimits, cache: CompileCache | bool, pch: bool) -> Program:
    """``compile_program`` for a program of several files."""
    try:
        values, note = _multi_values(language, sources)
    except (SourceError, LanguageError) as exc:
        return Program(language, False, "", f"{exc}")
    step = language.compile or language.check
    store = default_cache() if cache is True else (cache or None)
    digest = sources.digest_input()
    key = store.key(language, step, values, digest, dataclasses.asdict(limits)) \
        if store and step else None
    entry = store.get(key) if store and key else None
    cached = entry is not None
    if entry is None:
        entry = _compile(language, step, values, sources.files, limits, pch, multi=True)
        if store and key and cacheable(entry.outcome):
            store.put(key, entry)
    if note:  # said first, whatever the compiler says
        entry = dataclasses.replace(entry, output=f"judgebox: {note}\n{entry.output}")
    if not entry.ok:
        return Program(language, False, entry.output, entry.error, outcome=entry.outcome,
                       cached=cached)
    if values["artifact"] == COLLECT_ALL:
        return _bundle_program(language, entry, values, workdir, cached)
    artifact = values["artifact"]
    files = []
    own = _files_dir(workdir)
    for name, data in sources.files:
        (own / name).write_bytes(data)
        if name != artifact:
            files.append((name, own / name))
    path = own / artifact
    if language.compiled and entry.artifact is not None:
        path.write_bytes(entry.artifact)
    os.chmod(path, 0o755)
    return Program(language, True, entry.output, artifact=path, artifact_name=artifact,
                   values=values, outcome=entry.outcome, cached=cached, files=tuple(files))


def _compile(language: Language, step: tuple[str, ...] | None, values: dict[str, str],
             files: tuple[tuple[str, bytes], ...], limits: CompileLimits, use_pch: bool,
             multi: bool = False) -> CacheEntry:
    """Run the compile box: what it produced, as the cache keeps it. ``multi``: a program of
    several files (``values["sources"]`` are the ones the step takes)."""
    outcome = None
    output = ""
    if step is not None:
        every = multi and language.multi_file == "all"
        names = values["sources"].split("\0") if multi and language.multi_file == "each" \
            else [values["source"]]
        for name in names:  # "each": the check runs once per file, the first failure counts
            outcome = _compile_box(language, step, values | {"source": name}, files, limits,
                                   use_pch, every)
            if outcome.status is not Status.OK:
                break
        assert outcome is not None
        if outcome.status is Status.SE:
            raise CompileSystemError(f"{language.id}: the compile box failed: {outcome.message}")
        output = _messages(outcome, limits.output_kib)
        if outcome.status is not Status.OK:
            return CacheEntry(False, output, _failure(outcome, limits, language.memory_errors),
                              None, "", values,
                              _stripped(outcome))
    artifact = None
    if language.compiled and values["artifact"] == COLLECT_ALL:  # a project: every file
        return CacheEntry(True, output, "", to_zip(tuple(sorted(outcome.files.items()))),
                          COLLECT_ALL, values, _stripped(outcome))
    if language.compiled:
        artifact = outcome.files.get(values["artifact"]) if outcome else None
        if artifact is None:
            return CacheEntry(False, output, f"the compiler left no {values['artifact']} "
                              f"of at most {limits.artifact_kib} KiB", None, "", values,
                              _stripped(outcome))
    return CacheEntry(True, output, "", artifact, values["artifact"], values, _stripped(outcome))


def _files_dir(workdir: Path) -> Path:
    """A new directory for a program's files: their names are the submitter's, and must not
    meet the judge's own files in ``workdir`` (a test's input, the checker's directory)."""
    return Path(tempfile.mkdtemp(prefix="files-", dir=workdir))


def _bundle_program(language: Language, entry: CacheEntry, values: dict[str, str],
                    workdir: Path, cached: bool) -> Program:
    """The program of a project language (``artifact = "*"``): every file its compile step
    left in ``/box`` goes into each run box, executable (the box of the run is another box:
    its modes are not carried over); its entry point is the language's ``source`` (Judge0's
    ``run`` script)."""
    with zipfile.ZipFile(io.BytesIO(entry.artifact or to_zip(()))) as bundle:
        # our own zip of what the box's collect returned: plain names, each one file
        files = [(info.filename, bundle.read(info)) for info in bundle.infolist()]
    names = [name for name, _ in files]
    if language.source not in names:
        return Program(language, False, entry.output,
                       f"no {language.source} script: a program of this kind needs one",
                       outcome=entry.outcome, cached=cached)
    placed = []
    own = _files_dir(workdir)
    for name, data in files:
        path = own / name
        path.write_bytes(data)
        os.chmod(path, 0o755)
        if name != language.source:
            placed.append((name, path))
    return Program(language, True, entry.output, artifact=own / language.source,
                   artifact_name=language.source, values=values | {"artifact": language.source},
                   outcome=entry.outcome, cached=cached, files=tuple(placed))


def _stripped(outcome: Outcome | None) -> Outcome | None:
    """The outcome without the collected files (the artifact is kept once, on its own)."""
    return dataclasses.replace(outcome, files={}) if outcome is not None else None


def run_program(program: Program, limits: Limits, stdin: str | None = None, *,
                args: tuple[str, ...] = (), stdin_fd: int | None = None,
                stdout_fd: int | None = None, limit_stdout: bool = True,
                files: tuple[tuple[str, bytes | Path], ...] = (),
                collect: tuple[str, ...] = (), collect_max_kib: int = 64 * 1024,
                mounts: tuple[Mount, ...] = (), box: Box | None = None) -> Outcome:
    """Run a compiled program once in a fresh box (its language's template).

    What judging needs beyond a plain run: ``args`` after the run command, ``files`` next to
    the artifact in ``/box``, ``collect`` read back, read-only ``mounts``, and the program's
    stdin/stdout joined to the caller's own fds (``stdin_fd``/``stdout_fd``, ``limit_stdout``
    as in ``sandbox.run``: interactive problems). A failed run whose stderr shows the runtime's own out-of-memory error (the JVM's
    ``OutOfMemoryError``, say) is ``MLE``: the heap limit fitted to the box ran out first.
    ``box``: run in this reusable box (:func:`program_box`; the tests of one judgement) instead
    of a box of its own; each run is as fresh either way.
    """
    if not program.ok or program.artifact is None:
        raise ValueError("run_program needs a program that compiled")
    lang = program.language
    command = lang.argv(lang.run, program.values, limits.memory_kib // 1024) + tuple(args)
    env = lang.environment(program.values, limits.memory_kib // 1024)
    outcome = (box.run if box is not None else run)(SandboxSpec(
        command=command, limits=limits, template=lang.template, env=env,
        files=((program.artifact_name, program.artifact), *program.files, *files),
        mounts=mounts, stdin=stdin,
        collect=collect, collect_max_kib=collect_max_kib),
        stdin_fd=stdin_fd, stdout_fd=stdout_fd, limit_stdout=limit_stdout)
    if outcome.status is Status.RE and any(p.encode() in outcome.stderr
                                           for p in lang.memory_errors):
        outcome = dataclasses.replace(outcome, status=Status.MLE,
                                      message="the runtime ran out of memory")
    return outcome


def program_box(program: Program) -> Box:
    """A reusable box for the runs of ``program`` (its language's template): pass it to
    :func:`run_program` as ``box`` for each test of a judgement, close it after (``with``)."""
    return open_box(template=program.language.template)

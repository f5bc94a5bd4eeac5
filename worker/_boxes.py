"""Running a compiled :class:`~worker.compile.Program` in a box, with what judging needs beyond
``run_program``: extra arguments, extra files in ``/box``, files collected back, and the box's
stdin/stdout joined to the caller's own fds (interactive problems).

Built on ``sandbox.run`` and the language's public fields only (``Language.argv``,
``Language.template``, ``Program.values``, ``Program.artifact``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sandbox import Limits, Mount, Outcome, SandboxSpec, Status, run

from .compile import Program

__all__ = ["run_in_box"]


def run_in_box(program: Program, limits: Limits, *, args: tuple[str, ...] = (),
               stdin: str | None = None, stdin_fd: int | None = None,
               stdout_fd: int | None = None,
               files: tuple[tuple[str, bytes | Path], ...] = (),
               collect: tuple[str, ...] = (), collect_max_kib: int = 64 * 1024,
               mounts: tuple[Mount, ...] = ()) -> Outcome:
    """Run ``program`` once in a fresh box of its language, as ``run_program`` does, with
    ``args`` after its run command, ``files`` next to it in ``/box`` and ``collect`` read back.

    A failed run whose stderr shows the runtime's own out-of-memory error is ``MLE``.
    """
    if not program.ok or program.artifact is None:
        raise ValueError("run_in_box needs a program that compiled")
    lang = program.language
    command = lang.argv(lang.run, program.values, limits.memory_kib // 1024) + tuple(args)
    spec = SandboxSpec(command=command, limits=limits, template=lang.template,
                       files=((program.artifact_name, program.artifact), *files),
                       mounts=mounts, stdin=stdin, collect=collect,
                       collect_max_kib=collect_max_kib)
    outcome = run(spec, stdin_fd=stdin_fd, stdout_fd=stdout_fd)
    if outcome.status is Status.RE and any(p.encode() in outcome.stderr
                                           for p in lang.memory_errors):
        outcome = dataclasses.replace(outcome, status=Status.MLE,
                                      message="the runtime ran out of memory")
    return outcome

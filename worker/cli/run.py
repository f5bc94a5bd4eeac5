"""``judgebox run`` and ``judgebox languages``: one program compiled and run once, and the
languages with their self-test (DESIGN.md's contracts)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import click

from sandbox import Limits, Outcome, SandboxError, Status
from sandbox.cli import stdin_file
from worker.core.compile import CompileSystemError, Program, compile_program, run_program
from worker.core.languages import Language, LanguageError, get_language, language_for_file
from worker.core.selftest import language_status, language_statuses

from ._common import one_line

__all__ = ["run_command", "languages_command"]


def _run_json(lang: Language, program: Program, outcome: Outcome | None) -> dict[str, object]:
    """``judgebox run --json``: the sandbox's object plus compile_output and language."""
    if outcome is None:  # compilation failed: nothing ran
        data: dict[str, object] = {"status": "CE", "exit_code": None, "signal": None,
                                   "time": 0.0, "wall_time": 0.0, "memory": 0, "stdout": "",
                                   "stderr": ""}
    else:
        data = outcome.to_json()
    data["compile_output"] = program.report()
    data["language"] = lang.id
    return data


@click.command("run")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--lang", "lang_id", default=None, metavar="ID",
              help="Language id (see `judgebox languages`) [default: from the extension].")
@click.option("--stdin", "stdin", type=click.Path(exists=True, dir_okay=False, allow_dash=True),
              default=None, metavar="FILE",
              help="File to use as standard input; - for this command's own [default: this "
                   "command's own when it is not a terminal, else empty].")
@click.option("--time-limit", type=click.FloatRange(min=0.001), default=5.0, show_default=True,
              help="CPU time limit of the run in seconds (all processes and threads).")
@click.option("--memory-limit", type=click.IntRange(min=1), default=None,
              help="Memory limit of the run in MB (MiB): the whole box, the language's runtime "
                   "included [default: the language's, see docs/languages.md].")
@click.option("--output-limit", type=click.IntRange(min=1), default=65536, show_default=True,
              help="Output (stdout) and file-size limit of the run in KB (KiB).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def run_command(source: str, lang_id: str | None, stdin: str | None, time_limit: float,
                memory_limit: int | None, output_limit: int, as_json: bool) -> None:
    """Compile SOURCE if its language needs it, then run it once in a fresh box.

    Its standard input: --stdin FILE; otherwise this command's own when it is not a terminal
    (echo 1 2 | judgebox run sum.py), else empty."""
    try:
        lang = get_language(lang_id) if lang_id else language_for_file(source)
        status = language_status(lang.id)
        if not status.enabled:
            raise click.ClickException(f"language {lang.id} is disabled: {status.reason}")
        code = Path(source).read_bytes()
        limits = Limits(cpu_time_ms=max(1, round(time_limit * 1000)),
                        memory_kib=(memory_limit or lang.memory_mb) * 1024,
                        processes=lang.processes, output_kib=output_limit)
        with tempfile.TemporaryDirectory(prefix="judgebox-run-") as tmp, \
                stdin_file(stdin, piped=True) as stdin_path:
            program = compile_program(lang, code, Path(tmp))
            outcome = run_program(program, limits, stdin_path) if program.ok else None
    except (LanguageError, SandboxError, CompileSystemError, OSError) as exc:
        raise click.ClickException(one_line(exc)) from exc
    if as_json:
        click.echo(json.dumps(_run_json(lang, program, outcome)))
    elif outcome is None:
        sys.stderr.write(program.report())
        click.echo(f"CE ({lang.id}): {program.error}", err=True)
    else:
        sys.stdout.buffer.write(outcome.stdout)
        sys.stdout.flush()
        sys.stderr.buffer.write(outcome.stderr)
        click.echo(f"{outcome.summary()} [{lang.id}]", err=True)
    if outcome is not None and outcome.status is Status.SE:
        click.echo(f"judgebox: sandbox error: {one_line(Exception(outcome.message))}", err=True)
        sys.exit(1)


@click.command("languages")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list on stdout.")
@click.option("--refresh", is_flag=True, help="Self-test every language again (no cache).")
def languages_command(as_json: bool, refresh: bool) -> None:
    """List the languages: id, name, version, and whether the self-test enabled it."""
    try:
        statuses = language_statuses(refresh=refresh)
    except (LanguageError, SandboxError, OSError) as exc:
        raise click.ClickException(one_line(exc)) from exc
    if statuses and all(s.transient for s in statuses):  # judgebox failed, not the toolchains
        raise click.ClickException(one_line(Exception(statuses[0].reason)))
    if as_json:
        click.echo(json.dumps([s.to_json() for s in statuses], indent=1))
        return
    rows = [("id", "name", "version", "enabled")]
    rows += [(s.id, s.name, s.version or "-", "yes" if s.enabled else f"no: {s.reason}")
             for s in statuses]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[3])

"""``judgebox sandbox`` and ``judgebox doctor``: the sandbox on its own, from the command line."""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import tempfile
from collections.abc import Iterator

import click

from .errors import SandboxError
from .outcome import Status
from .runner import run
from .spec import Limits, Mount, SandboxSpec

__all__ = ["sandbox_command", "doctor_command", "stdin_file"]


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else max(1, round(seconds * 1000))


@contextlib.contextmanager
def stdin_file(value: str | None, *, piped: bool = False) -> Iterator[str | None]:
    """The file a run's stdin comes from: ``value`` itself; for ``-`` (or, with ``piped``,
    no value and a standard input that is not a terminal: ``echo 1 2 | judgebox run``) what
    this command's standard input holds, saved to a temporary file for the run."""
    if value != "-" and not (piped and value is None and not sys.stdin.isatty()):
        yield value
        return
    with tempfile.NamedTemporaryFile(prefix="judgebox-stdin-") as saved:
        shutil.copyfileobj(sys.stdin.buffer, saved)
        saved.flush()
        yield saved.name


@click.command("sandbox", context_settings={"ignore_unknown_options": False})
@click.option("--ro-bind", "ro_binds", multiple=True, metavar="SRC[:DST]",
              help="Bind a host path read-only into the box.")
@click.option("--bind", "rw_binds", multiple=True, metavar="SRC[:DST]",
              help="Bind a host path read-write into the box.")
@click.option("--template", default="default", show_default=True,
              help="Template (rootfs-templates/NAME.toml): host paths and environment.")
@click.option("--time-limit", type=click.FloatRange(min=0.001), default=5.0, show_default=True,
              help="CPU time limit in seconds (all processes and threads).")
@click.option("--wall-time-limit", type=click.FloatRange(min=0.001), default=None,
              help="Wall-clock limit in seconds [default: 2 x time limit + 1].")
@click.option("--memory-limit", type=click.IntRange(min=1), default=256, show_default=True,
              help="Memory limit in MB (MiB), whole box.")
@click.option("--processes", type=click.IntRange(min=1), default=64, show_default=True,
              help="Most processes and threads at once.")
@click.option("--output-limit", type=click.IntRange(min=1), default=65536, show_default=True,
              help="Output (stdout) and file-size limit in KB (KiB).")
@click.option("--stdin", "stdin", type=click.Path(exists=True, dir_okay=False, allow_dash=True),
              default=None, metavar="FILE",
              help="File to use as standard input; - for this command's own [default: empty].")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.argument("command", nargs=-1, required=True)
def sandbox_command(ro_binds: tuple[str, ...], rw_binds: tuple[str, ...], template: str,
                    time_limit: float, wall_time_limit: float | None, memory_limit: int,
                    processes: int, output_limit: int, stdin: str | None, as_json: bool,
                    command: tuple[str, ...]) -> None:
    """Run COMMAND once in a fresh box and report what it did (put it after --)."""
    try:
        mounts = tuple(Mount.parse(m) for m in ro_binds) + \
            tuple(Mount.parse(m, writable=True) for m in rw_binds)
        limits = Limits(cpu_time_ms=_ms(time_limit), wall_time_ms=_ms(wall_time_limit),
                        memory_kib=memory_limit * 1024, processes=processes,
                        output_kib=output_limit)
        with stdin_file(stdin) as stdin_path:
            outcome = run(SandboxSpec(command, limits, template, mounts, stdin_path))
    except SandboxError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(outcome.to_json()))
    else:
        sys.stdout.buffer.write(outcome.stdout)
        sys.stdout.flush()
        sys.stderr.buffer.write(outcome.stderr)
        click.echo(outcome.summary(), err=True)
    if outcome.status is Status.SE:
        click.echo(f"judgebox: sandbox error: {outcome.message}", err=True)
        sys.exit(1)


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
def doctor_command(as_json: bool) -> None:
    """Check that this host can run boxes: root, namespaces, cgroups, seccomp, pivot_root."""
    from .doctor import checks

    results = checks()
    if as_json:
        click.echo(json.dumps([r._asdict() for r in results], indent=2))
    else:
        for r in results:
            mark = click.style("ok  ", fg="green") if r.ok else click.style("FAIL", fg="red")
            click.echo(f"{mark} {r.name}: {r.detail}")
            if not r.ok and r.fix:
                click.echo(f"     fix: {r.fix}")
    if not all(r.ok for r in results):
        sys.exit(1)

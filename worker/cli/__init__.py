"""The command line: ``judgebox``, one group whose subcommands load when they are called.

Every command is here, one module per group of commands (``judgebox sandbox`` and ``doctor``
are the sandbox's own, in ``sandbox/cli.py``, usable without the rest)::

    run, languages      worker/cli/run.py       one program compiled and run; the languages
    judge, verify       worker/cli/judge.py     a submission on a problem; a package's examples
    batch               worker/cli/batch.py     a folder of submissions, locally or on a server
    rejudge             worker/cli/rejudge.py   a problem's submissions again, on a server
    worker, serve       worker/cli/service.py   the judging service: a worker; the whole stack
    token, users        worker/cli/accounts.py  API tokens and accounts in the store

The command line is the top layer: it may use every other part, ``web`` included (the service
commands start or configure the web app, through ``_common.web_app``), and nothing imports it.

A subcommand is ``name -> "module:attribute"`` in :data:`COMMANDS`; ``judgebox sandbox`` then
imports the sandbox alone, not the judging pipeline or the web stack. Usage errors of every
subcommand are one line on stderr with exit status 2, and judgebox's own failures one line with
exit status 1 (DESIGN.md).
"""

from __future__ import annotations

import importlib
import sys

import click

__all__ = ["main", "COMMANDS"]

COMMANDS = {
    "sandbox": "sandbox.cli:sandbox_command",
    "doctor": "sandbox.cli:doctor_command",
    "run": "worker.cli.run:run_command",
    "languages": "worker.cli.run:languages_command",
    "judge": "worker.cli.judge:judge_command",
    "verify": "worker.cli.judge:verify_command",
    "batch": "worker.cli.batch:batch_command",
    "rejudge": "worker.cli.rejudge:rejudge_command",
    "serve": "worker.cli.service:serve_command",
    "worker": "worker.cli.service:worker_command",
    "token": "worker.cli.accounts:token_group",
    "users": "worker.cli.accounts:users_group",
}


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, _, attribute = COMMANDS[name].partition(":")
        return getattr(importlib.import_module(module), attribute)

    def main(self, *args, **kwargs):  # type: ignore[override]
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            click.echo(f"judgebox: {' '.join(exc.format_message().split())} (see --help)",
                       err=True)
            sys.exit(2)
        except click.ClickException as exc:
            click.echo(f"judgebox: {' '.join(exc.format_message().split())}", err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("judgebox: aborted", err=True)
            sys.exit(1)


@click.group(cls=LazyGroup)
@click.version_option(package_name="judgebox")
def main() -> None:
    """judgebox: an online code judge and compile sandbox."""


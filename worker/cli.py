"""The ``judgebox`` command: one group whose subcommands load when they are called.

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
    "run": "worker.run_cli:run_command",
    "languages": "worker.run_cli:languages_command",
    "judge": "worker.judge_cli:judge_command",
    "verify": "worker.judge_cli:verify_command",
    "batch": "worker.batch_cli:batch_command",
    "rejudge": "worker.rejudge_cli:rejudge_command",
    "serve": "web.cli:serve_command",
    "worker": "web.cli:worker_command",
    "token": "web.cli:token_group",
    "users": "web.cli:users_group",
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


if __name__ == "__main__":
    main()

"""The ``judgebox`` command: one group; each package adds its own subcommands."""

from __future__ import annotations

import click

from sandbox.cli import doctor_command, sandbox_command

__all__ = ["main"]


@click.group()
@click.version_option(package_name="judgebox")
def main() -> None:
    """judgebox: an online code judge and compile sandbox."""


main.add_command(sandbox_command)
main.add_command(doctor_command)

if __name__ == "__main__":
    main()

"""What the ``judgebox`` commands share: one-line errors, plain tables, the service's app."""

from __future__ import annotations

import click

__all__ = ["one_line", "table", "web_app"]


def one_line(exc: BaseException) -> str:
    """An error's text on one line (DESIGN.md: a one-line error on stderr)."""
    return " ".join(str(exc).split())


def table(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows of cells as aligned text lines (the first row is the heading)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]


def web_app():
    """The judgebox web app, for the commands that run or manage the service: its config,
    store and Celery app (Flask's pattern: the workers run inside the app's context). The
    one place where the command line reaches up into ``web``."""
    from web import create_app

    try:
        return create_app()
    except Exception as exc:  # the store could not be opened or migrated
        raise click.ClickException(" ".join(str(exc).split())) from exc

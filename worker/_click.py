"""What the ``judgebox`` commands share: one-line errors and plain tables."""

from __future__ import annotations

__all__ = ["one_line", "table"]


def one_line(exc: BaseException) -> str:
    """An error's text on one line (DESIGN.md: a one-line error on stderr)."""
    return " ".join(str(exc).split())


def table(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows of cells as aligned text lines (the first row is the heading)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]

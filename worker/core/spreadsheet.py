"""CSV that is safe to open in a spreadsheet: reports name students, files and test names
that anyone submitting may choose, and a cell starting with ``=``, ``+``, ``-``, ``@`` (or a
tab or carriage return) is a formula to Excel, LibreOffice and Google Sheets (OWASP's "CSV
injection"). Such a cell is written with a ``'`` in front, which spreadsheets show as text;
a cell that starts with ``'`` gets one more, so :func:`read_csv` gives back exactly what
was written."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

__all__ = ["write_csv", "read_csv", "escape_cell", "unescape_cell"]

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")


def escape_cell(value: object) -> object:
    """``value`` as a spreadsheet reads it as text (non-strings pass as they are)."""
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """The cell's value before :func:`escape_cell`."""
    return value[1:] if value.startswith("'") else value


def write_csv(fieldnames: Iterable[str], rows: Iterable[Mapping[str, object]]) -> str:
    """A CSV text (RFC 4180) with a header, every text cell escaped."""
    buffer = io.StringIO()
    # CRLF ends a row (RFC 4180), so a cell holding a lone CR is quoted too
    writer = csv.DictWriter(buffer, fieldnames=list(fieldnames), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: escape_cell(v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def read_csv(text: str) -> list[dict[str, str]]:
    """The rows of a CSV text written by :func:`write_csv`, unescaped."""
    return [{k: unescape_cell(v) if isinstance(v, str) else v for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(text, newline=""))]

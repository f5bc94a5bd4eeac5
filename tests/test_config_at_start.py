"""Configuration is read at start, never at import (STYLE.md), and every setting is in the
reference table (docs/configuration.md)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _import_time_environ_reads(path: Path) -> list[int]:
    """Lines where ``os.environ`` / ``os.getenv`` is used outside any function body."""
    found = []

    class Visitor(ast.NodeVisitor):
        depth = 0

        def _nested(self, node):
            self.depth += 1
            self.generic_visit(node)
            self.depth -= 1

        visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _nested

        def visit_Attribute(self, node):
            if (self.depth == 0 and isinstance(node.value, ast.Name) and node.value.id == "os"
                    and node.attr in ("environ", "getenv", "environb")):
                found.append(node.lineno)
            self.generic_visit(node)

    Visitor().visit(ast.parse(path.read_text(), str(path)))
    return found


def test_no_module_reads_the_environment_at_import():
    offenders = {str(p.relative_to(REPO)): lines
                 for package in ("web", "worker", "sandbox")
                 for p in sorted((REPO / package).rglob("*.py"))
                 if (lines := _import_time_environ_reads(p))}
    assert offenders == {}


def test_every_setting_is_in_the_reference_table():
    from web.config import Defaults

    table = (REPO / "docs" / "configuration.md").read_text()
    documented = set(re.findall(r"`JUDGEBOX_([A-Z0-9_]+)`", table))
    documented |= {"DATABASE_URL", "REDIS_URL"}
    settings = {name for name in vars(Defaults) if name.isupper()}
    internal = {"WTF_CSRF_CHECK_DEFAULT"}  # the pages' blueprints check CSRF themselves
    assert sorted(settings - internal - documented) == []

"""The shape of the project: dependencies point one way, packages say what they offer.

Layers, lowest first (docs/code-map.md): ``sandbox`` < ``worker.core`` < ``worker.store`` <
``worker.service`` < ``web`` < ``worker.cli``. A module imports modules of its own layer or of
lower ones, never of a higher one, and no modules import each other in a circle. Every import
statement counts, those inside functions and under ``TYPE_CHECKING`` too: an import deferred to
break a circle is still the circle.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("sandbox", "worker", "web")
LAYERS = (  # (module prefix, layer), the longest prefix wins
    ("sandbox", 0), ("worker", 1), ("worker.core", 1), ("worker.store", 2),
    ("worker.service", 3), ("web", 4), ("worker.cli", 5))
LAYER_NAMES = {0: "sandbox", 1: "worker.core", 2: "worker.store", 3: "worker.service",
               4: "web", 5: "worker.cli"}


def project_modules(root: Path, packages=PACKAGES) -> dict[str, tuple[Path, bool]]:
    """Every module of ``packages`` under ``root``: dotted name -> (file, is a package)."""
    found = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _targets(name: str, node: ast.Import | ast.ImportFrom, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        here = name.split(".") if is_package else name.split(".")[:-1]
        here = here[:len(here) - node.level + 1]
        base = ".".join(here + ([node.module] if node.module else []))
    # ``from package import name``: the submodule when there is one, else the package
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def import_graph(root: Path, packages=PACKAGES) -> dict[str, set[str]]:
    """Module -> the project modules it imports (anywhere in its code)."""
    modules = project_modules(root, packages)
    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in modules.items():
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            candidates = _targets(name, node, is_package)
            if isinstance(node, ast.ImportFrom):  # the names first, the package if none is one
                named = [c for c in candidates[:-1] if c in modules]
                candidates = named or candidates[-1:]
            for target in candidates:
                while target and target not in modules:  # ``a.b.attr`` -> ``a.b``
                    target = target.rpartition(".")[0]
                if target and target != name:
                    edges.add(target)
        graph[name] = edges
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def layer(module: str) -> int:
    """The layer of a module (its longest matching prefix in ``LAYERS``)."""
    best = max((p for p, _ in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return dict(LAYERS)[best]


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Every import of a module of a higher layer, as ``a (layer) -> b (layer)``."""
    return sorted(f"{a} ({LAYER_NAMES[layer(a)]}) -> {b} ({LAYER_NAMES[layer(b)]})"
                  for a, targets in graph.items() for b in targets if layer(b) > layer(a))


def test_no_modules_import_each_other_in_a_circle():
    assert circles(import_graph(REPO)) == []


def test_imports_run_down_the_layers():
    assert upward_imports(import_graph(REPO)) == []


def test_only_the_command_line_reaches_up_into_web():
    """The command line sits above ``web`` (``judgebox serve`` starts the web app), through
    one function; nothing else of ``worker`` imports ``web``."""
    graph = import_graph(REPO)
    into_web = sorted(a for a, targets in graph.items() if a.startswith("worker")
                      for b in targets if layer(b) == 4)
    assert into_web == ["worker.cli._common"]
    assert not any(b.startswith("worker.cli") for a, targets in graph.items()
                   if not a.startswith("worker.cli") for b in targets)


def test_the_checks_find_a_circle_and_an_upward_import(tmp_path):
    """The walk sees deferred, relative and ``TYPE_CHECKING`` imports: a planted circle and
    planted upward imports are found."""
    files = {
        "worker/__init__.py": "",
        "worker/core/__init__.py": "",
        "worker/core/a.py": "from . import b\n",
        "worker/core/b.py": "def f():\n    from .c import thing\n",
        "worker/core/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                            "    from worker.core.a import x\n",
        "worker/core/d.py": "def g():\n    from ..store import models\n",
        "worker/store/__init__.py": "",
        "worker/store/models.py": "import web.views\n",
        "sandbox/__init__.py": "from worker.core import a\n",
        "web/__init__.py": "",
        "web/views.py": "from worker.core.a import x\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = import_graph(tmp_path)
    assert circles(graph) == [["worker.core.a", "worker.core.b", "worker.core.c"]]
    assert upward_imports(graph) == [
        "sandbox (sandbox) -> worker.core.a (worker.core)",
        "worker.core.d (worker.core) -> worker.store.models (worker.store)",
        "worker.store.models (worker.store) -> web.views (web)"]


@pytest.mark.parametrize("module", ["sandbox", "sandbox.cli", "sandbox.doctor"])
def test_sandbox_imports_neither_flask_nor_celery(module):
    code = (f"import sys, {module}; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('flask', 'celery', 'web', 'worker')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_the_judging_core_imports_neither_the_store_nor_the_service():
    """Judging a program (``judgebox judge``, ``run``, ``batch``) needs no database, no Celery,
    no Flask."""
    code = ("import sys, worker.core.judging, worker.core.verify, worker.core.batch; "
            "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in "
            "('flask', 'celery', 'sqlalchemy', 'web')} | {m for m in sys.modules "
            "if m.startswith(('worker.store', 'worker.service', 'worker.cli'))}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_packages_declare_all():
    import sandbox
    import web
    import worker
    import worker.cli
    import worker.core
    import worker.service
    import worker.store

    for package in (sandbox, web, worker, worker.core, worker.store, worker.service,
                    worker.cli):
        assert isinstance(package.__all__, list)
    for package in (sandbox, worker.store, worker.cli):
        assert all(hasattr(package, name) for name in package.__all__)
    for package in (worker.core, worker.service):  # their __all__ names their modules
        for name in package.__all__:
            assert (Path(package.__file__).parent / f"{name}.py").is_file() or \
                (Path(package.__file__).parent / name / "__init__.py").is_file()


def test_every_command_is_in_the_command_line_package():
    """``judgebox --help`` lists what ``worker.cli.COMMANDS`` names, and each command's code
    is a module of ``worker/cli/`` (the sandbox's own two aside)."""
    from worker.cli import COMMANDS

    out = subprocess.run([sys.executable, "-m", "worker.cli", "--help"], capture_output=True,
                         text=True, check=True, cwd=REPO).stdout
    listed = {line.split()[0] for line in out.split("Commands:")[1].splitlines()
              if line.strip()}
    assert listed == set(COMMANDS)
    homes = {target.partition(":")[0] for target in COMMANDS.values()}
    assert homes - {"sandbox.cli"} <= {f"worker.cli.{p.stem}"
                                       for p in (REPO / "worker" / "cli").glob("*.py")}

"""The shape of the project: dependencies point one way, packages say what they offer."""

from __future__ import annotations

import subprocess
import sys


def test_sandbox_imports_neither_flask_nor_celery():
    code = ("import sys, sandbox, sandbox.cli, sandbox.doctor; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('flask', 'celery', 'web', 'worker')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_packages_declare_all():
    import sandbox
    import web
    import worker

    for package in (sandbox, web, worker):
        assert isinstance(package.__all__, list)
    for name in sandbox.__all__:
        assert hasattr(sandbox, name)

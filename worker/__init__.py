"""judgebox workers: compile, run every test, check, decide (Celery tasks over plain functions).

Here so far: the languages (``languages``: one ``Language`` per ``rootfs-templates/<id>.toml``),
the compile step and the run of a compiled program (``compile``), the languages' self-test
(``selftest``; a worker runs ``language_statuses()`` at start), and the ``judgebox`` command
line (``cli``). The judging pipeline comes next.
"""

import importlib

__all__ = [
    "Language", "LanguageError", "all_languages", "get_language", "language_for_file",
    "CompileLimits", "CompileSystemError", "Program", "compile_program", "run_program",
    "LanguageStatus", "language_status", "language_statuses",
]

_HOME = {name: ".languages" for name in __all__[:5]}
_HOME |= {name: ".compile" for name in __all__[5:10]}
_HOME |= {name: ".selftest" for name in __all__[10:]}


def __getattr__(name: str) -> object:
    """The exports load on first use: ``judgebox sandbox`` must not import the pipeline."""
    if name not in _HOME:
        raise AttributeError(f"module 'worker' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name], __name__), name)
    globals()[name] = value
    return value

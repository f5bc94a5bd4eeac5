"""judgebox's worker: the judging core, the store, the judging service and the command line.

Four parts, each a package; imports run one way, down this list (``tests/test_layout.py``
checks it, and that no modules import each other in a circle; docs/code-map.md is the map)::

    worker.cli      the ``judgebox`` command line (on top of everything, ``web`` included)
    worker.service  the Celery service: tasks, the judging of stored submissions, metrics
    worker.store    the SQL store: models, migrations, submissions, tokens, accounts, packages
    worker.core     judging: languages, compile, checkers, problem packages, verdicts
    sandbox         (beneath them all: one isolated, measured run)

The exports below are the core's most used names; they load on first use.
"""

import importlib

__all__ = [
    "Language", "LanguageError", "all_languages", "get_language", "language_for_file",
    "CompileLimits", "CompileSystemError", "Program", "compile_program", "run_program",
    "LanguageStatus", "language_status", "language_statuses",
]

_HOME = {name: ".core.languages" for name in __all__[:5]}
_HOME |= {name: ".core.compile" for name in __all__[5:10]}
_HOME |= {name: ".core.selftest" for name in __all__[10:]}


def __getattr__(name: str) -> object:
    """The exports load on first use: ``judgebox sandbox`` must not import the pipeline."""
    if name not in _HOME:
        raise AttributeError(f"module 'worker' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name], __name__), name)
    globals()[name] = value
    return value

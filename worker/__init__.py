"""judgebox workers: compile, run every test, check, decide (Celery tasks over plain functions).

Here so far: the languages (``languages``: one ``Language`` per ``rootfs-templates/<id>.toml``),
the compile step and the run of a compiled program (``compile``), the languages' self-test
(``selftest``; a worker runs ``language_statuses()`` at start), and the ``judgebox`` command
line (``cli``). The judging pipeline comes next.
"""

from .compile import CompileLimits, CompileSystemError, Program, compile_program, run_program
from .languages import Language, LanguageError, all_languages, get_language, language_for_file
from .selftest import LanguageStatus, language_status, language_statuses

__all__ = [
    "Language", "LanguageError", "all_languages", "get_language", "language_for_file",
    "CompileLimits", "CompileSystemError", "Program", "compile_program", "run_program",
    "LanguageStatus", "language_status", "language_statuses",
]

"""The judging core: from a program and its tests to a verdict, with no store and no service.

It may import ``sandbox`` and itself, nothing else of judgebox (``tests/test_layout.py``).

- languages: ``languages`` (one ``Language`` per ``rootfs-templates/<id>.toml``), ``toolchain``
  (what a toolchain is on this host), ``selftest`` (each language's hello world);
- programs: ``sources`` (one file or several), ``compile`` (compile, run), ``compile_cache``,
  ``pch`` (precompiled headers);
- problems: ``problem`` (packages: Kattis/ICPC, DOMjudge), ``checkers`` (one per kind),
  ``interactive``, ``judging`` (the one judging function), ``verdicts`` (ours, Judge0's);
- on top of judging: ``verify`` (a package's example submissions), ``batch`` (a folder of
  submissions, with a report), ``spreadsheet`` (CSV safe to open).
"""

__all__ = ["languages", "toolchain", "selftest", "sources", "compile", "compile_cache", "pch",
           "problem", "checkers", "interactive", "judging", "verdicts", "verify", "batch",
           "spreadsheet"]

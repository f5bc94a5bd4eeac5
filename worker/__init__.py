"""judgebox workers: compile, run every test, check, decide (Celery tasks over plain functions).

For now this package holds the ``judgebox`` command line; the judging pipeline comes next.
"""

__all__: list[str] = []

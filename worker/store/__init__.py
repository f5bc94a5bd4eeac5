"""The store: one SQL database (SQLite by default, PostgreSQL via ``DATABASE_URL``).

It may import ``worker.core`` (the types it stores) and itself; never the service, the command
line or ``web`` (``tests/test_layout.py``).

- ``database``: :class:`Store` (engine, sessions, migrations, outages); ``db``: the tables, as
  SQLAlchemy models; ``migrations/``: Alembic's;
- the operations, plain functions over a ``Store``: ``submissions`` (create, read, and the
  judging side's claim, progress, finish), ``packages`` (problem packages by content hash),
  ``batches``, ``rejudge``, ``tokens``, ``users``, ``assignments``, ``registry`` (workers).
"""

from .database import MIGRATIONS_DIR, Store, StoreError, unavailable

__all__ = ["Store", "StoreError", "MIGRATIONS_DIR", "unavailable"]

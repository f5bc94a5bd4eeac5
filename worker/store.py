"""The store: one SQL database (SQLite by default, PostgreSQL via ``DATABASE_URL``).

:class:`Store` owns the engine and hands out sessions: ``read()`` for queries, ``write()`` for
a transaction that changes rows (on SQLite it starts with ``BEGIN IMMEDIATE``, so that two
processes never both read and then both try to write: one waits for the other instead of
failing). SQLite runs in WAL mode with a busy timeout, so the web app and the workers share
one file safely.

``migrate()`` brings the schema up to date with Alembic (``worker/migrations``); the web app
and the ``judgebox`` commands call it at start. Concurrent callers are serialised (a file lock
next to a SQLite database, an advisory lock on PostgreSQL).

Errors: :class:`StoreError` (the database cannot be reached or migrated).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["Store", "StoreError", "MIGRATIONS_DIR"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class StoreError(Exception):
    """The database could not be reached, created or migrated."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling is off: SQLAlchemy's "begin" event below emits BEGIN
    # itself (IMMEDIATE for writers), as the SQLAlchemy documentation recommends.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


class Store:
    """The database: an engine, sessions for reading and writing, and migrations."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite:
            path = parsed.database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
            writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        else:
            self.engine = create_engine(url, pool_pre_ping=True)
            writer = self.engine
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(writer, expire_on_commit=False)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries (its transaction is rolled back at the end)."""
        with self._read() as session:
            yield session

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction is committed at the end (rolled back on an error)."""
        with self._write() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Forget pooled connections (call in a child process after fork)."""
        self.engine.dispose(close=False)

    def ping(self) -> None:
        """Check that the database answers; :class:`StoreError` when not."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise StoreError(f"database {self.safe_url()}: {exc.__class__.__name__}: "
                             f"{str(exc).splitlines()[0]}") from exc

    def safe_url(self) -> str:
        """The URL without its password (for messages)."""
        return make_url(self.url).render_as_string(hide_password=True)

    def migrate(self) -> None:
        """Apply every Alembic migration not applied yet (serialised between processes)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["engine"] = self.engine
        try:
            with self._migration_lock():
                command.upgrade(config, "head")
        except (SQLAlchemyError, OSError) as exc:
            raise StoreError(f"cannot migrate {self.safe_url()}: {exc}") from exc

    @contextlib.contextmanager
    def _migration_lock(self) -> Iterator[None]:
        if self.is_sqlite:
            database = make_url(self.url).database
            if not database or database == ":memory:":
                yield
                return
            lock_path = f"{database}.migrate-lock"
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)
        else:  # PostgreSQL: a session-level advisory lock held while migrating
            with self.engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(715517)"))
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(715517)"))
                    conn.commit()

"""The store: one SQL database (SQLite by default, PostgreSQL via ``DATABASE_URL``).

:class:`Store` owns the engine and hands out sessions: ``read()`` for queries, ``write()`` for
a transaction that changes rows (on SQLite it starts with ``BEGIN IMMEDIATE``, so that two
processes never both read and then both try to write: one waits for the other instead of
failing). SQLite runs in WAL mode with a busy timeout, so the web app and the workers share
one file safely.

``migrate()`` brings the schema up to date with Alembic (``worker/store/migrations``); the web app
and the ``judgebox`` commands call it at start. Concurrent callers are serialised (a file lock
next to a SQLite database, an advisory lock on PostgreSQL).

A database that cannot be reached (stopped, restarting, a SQLite file locked past its busy
timeout) raises SQLAlchemy's ``OperationalError`` or ``InterfaceError``: :func:`unavailable`
tells those apart from bugs. A store with ``outage_wait_s`` (the workers') waits that long for
the database to come back before it gives up: a session takes its connection as it opens, so
an outage is met before any work is done, and tried again with a growing pause. The web app's
store waits for nothing: its clients get 503 at once (``web.errors``).

Errors: :class:`StoreError` (the database cannot be reached or migrated).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

__all__ = ["Store", "StoreError", "MIGRATIONS_DIR", "unavailable"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
log = logging.getLogger(__name__)


class StoreError(Exception):
    """The database could not be reached, created or migrated."""


# sqlite3 raises OperationalError for a bad query too ("no such column", "syntax error"):
# these say the database itself is in the way
_SQLITE_OUTAGES = ("locked", "busy", "unable to open", "disk i/o error", "disk is full")


def unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached now (down, restarting, its
    connection cut, a SQLite file locked past the busy timeout or on a full disk), rather than
    a bug in a query: a caller may try again later, and must not turn it into a verdict."""
    if isinstance(exc, StoreError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return False
    if type(exc.orig).__module__ == "sqlite3":
        return any(what in str(exc.orig).lower() for what in _SQLITE_OUTAGES)
    return True


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
    options = conn.get_execution_options()
    # WAL with synchronous=NORMAL: a commit survives a crash of any process, not of the
    # machine (a power cut may take the last commits back); a durable write (FULL) syncs the
    # WAL as it commits. The level can only change between transactions: set it here.
    level = options.get("sqlite_synchronous", "NORMAL")
    if conn.info.get("synchronous", "NORMAL") != level:
        conn.exec_driver_sql(f"PRAGMA synchronous={level}")
        conn.info["synchronous"] = level
    conn.exec_driver_sql(f"BEGIN {options.get('sqlite_begin', 'DEFERRED')}")


class Store:
    """The database: an engine, sessions for reading and writing, and migrations."""

    def __init__(self, url: str, outage_wait_s: float = 0.0) -> None:
        self.url = url
        self.outage_wait_s = outage_wait_s  # how long a session waits for the database
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
            durable = writer.execution_options(sqlite_synchronous="FULL")
        else:  # PostgreSQL: every commit is durable (synchronous_commit)
            self.engine = create_engine(url, pool_pre_ping=True)
            writer = durable = self.engine
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(writer, expire_on_commit=False)
        self._durable = sessionmaker(durable, expire_on_commit=False)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries (its transaction is rolled back at the end)."""
        session, _ = self._open(self._read)
        with session:
            yield session

    @contextlib.contextmanager
    def write(self, durable: bool = False) -> Iterator[Session]:
        """A session whose transaction is committed at the end (rolled back on an error).
        ``durable``: the commit survives a power cut too (on SQLite it syncs, a few ms)."""
        session, transaction = self._open(self._durable if durable else self._write)
        with session, transaction:
            yield session

    def _open(self, factory: Callable[[], Session]) -> tuple[Session, SessionTransaction]:
        """A session with its transaction begun and its connection taken. While the database
        is unreachable, tried again for up to ``outage_wait_s``: a worker holds its work
        through a short outage instead of failing it (nothing has been done yet when this
        fails, so trying again is safe)."""
        deadline = time.monotonic() + self.outage_wait_s
        pause = 0.1
        while True:
            session = factory()
            try:
                transaction = session.begin()
                session.connection()  # connects (SQLite: BEGIN, IMMEDIATE for writers)
                return session, transaction
            except SQLAlchemyError as exc:
                session.close()
                if not unavailable(exc) or time.monotonic() + pause > deadline:
                    raise
                log.warning("the database is unavailable (%s): trying again in %.1f s",
                            str(exc).splitlines()[0][:200], pause)
            time.sleep(pause)
            pause = min(2 * pause, 2.0)

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

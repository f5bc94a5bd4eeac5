"""Alembic environment: the engine comes from ``Store.migrate()`` (``config.attributes``), or,
run as ``alembic upgrade head`` from the repository root, from ``DATABASE_URL``."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from worker.store.db import Base

config = context.config
target_metadata = Base.metadata


def _engine():
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine
    url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        data_dir = os.environ.get("JUDGEBOX_DATA_DIR", "/var/lib/judgebox")
        url = f"sqlite:///{data_dir}/judgebox.sqlite3"
    return create_engine(url)


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (``alembic upgrade head --sql``)."""
    url = os.environ.get("DATABASE_URL") or "sqlite:///judgebox.sqlite3"
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on a live connection (SQLite: batch mode for ALTERs)."""
    with _engine().connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

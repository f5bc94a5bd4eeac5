"""Alembic migrations of the store (applied by ``Store.migrate()``, or ``alembic upgrade head``)."""

"""The app's store, for every module of the web app (``services`` re-exports it)."""

from __future__ import annotations

from flask import current_app

from worker.store import Store

__all__ = ["store"]


def store() -> Store:
    """The app's store."""
    return current_app.extensions["judgebox_store"]

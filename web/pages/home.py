"""``/`` (home), ``/status`` (queues, workers, throughput), ``/status/languages``."""

from __future__ import annotations

from flask import Blueprint, render_template

from .. import services
from . import _common, _data

__all__ = ["bp"]

bp = _common.protect(Blueprint("home", __name__))


@bp.get("/")
def index():
    """What judgebox is, and where to go."""
    return render_template("home.html", problems=services.list_problems()[:10])


@bp.get("/status")
def status():
    """Queue lengths, the live workers, recent throughput."""
    return render_template("status.html", **_data.status_figures())


@bp.get("/status/languages")
def languages():
    """Every language, its version, and whether a live worker offers it."""
    return render_template("languages.html", languages=services.all_language_rows())

"""``/api/v1/languages``: every language, and whether a live worker has it enabled."""

from __future__ import annotations

from flask import Blueprint, jsonify

from ..services import all_language_rows

__all__ = ["bp"]

bp = Blueprint("languages", __name__, url_prefix="/languages")


@bp.get("")
def list_languages():
    """Every language, by id."""
    return jsonify(all_language_rows())

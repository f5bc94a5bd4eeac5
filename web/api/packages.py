"""``/api/v1/packages/<sha256>``: a problem package's bytes, for workers on other hosts.

Packages hold secret test data: the endpoint needs an admin token, and is off unless
``SERVE_PACKAGES`` (workers that reach the database read packages from it directly).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from worker.store import packages

from .._store import store
from ..access import require
from ..errors import ApiError

__all__ = ["bp"]

bp = Blueprint("packages", __name__, url_prefix="/packages")


@bp.get("/<sha256>")
def get_package(sha256: str):
    """The zip file whose SHA-256 is ``sha256``."""
    if not current_app.config.get("SERVE_PACKAGES"):
        raise ApiError(404, "packages are not served here (SERVE_PACKAGES is off)")
    require("admin")
    data = packages.get_bytes(store(), sha256.lower())
    if data is None:
        raise ApiError(404, f"no package {sha256}")
    return Response(data, mimetype="application/zip",
                    headers={"Cache-Control": "private, max-age=31536000, immutable"})

"""``/admin``: log in with an API token (``judgebox token create``), then upload or replace
problem packages and see what ``judgebox verify`` says of each."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from worker.tokens import verify_token

from .. import services
from ..errors import ApiError
from . import _common, _verify

__all__ = ["bp"]

bp = _common.protect(Blueprint("admin", __name__, url_prefix="/admin"))


@bp.get("")
def index():
    """The login form, or the problems with their verify reports and the upload form."""
    if _common.admin_token() is None:
        return render_template("admin_login.html")
    rows = [(p, *_verify.report(p)) for p in services.list_problems()]
    return render_template("admin.html", rows=rows, token=_common.admin_token())


@bp.post("/login")
def login():
    """Log in with an API token."""
    token = verify_token(services.store(), request.form.get("token", "").strip())
    if token is None:
        return render_template("admin_login.html",
                               error="That token is unknown or revoked."), 403
    session.clear()  # a fresh session (and CSRF token) for the new privilege
    session["admin_token_id"] = token.id
    return redirect(url_for(".index"), 303)


@bp.post("/logout")
def logout():
    """Forget the login (and this browser's list of submissions)."""
    session.clear()
    return redirect(url_for("home.index"), 303)


@bp.post("/problems")
def upload():
    """Upload a package (zip); ``replace`` allows taking over an existing problem's name."""
    if _common.admin_token() is None:
        raise ApiError(403, "log in first")
    upload = request.files.get("package")
    if upload is None or not upload.filename:
        raise ApiError(422, "choose a package (a zip file) to upload")
    row = services.upload_problem(upload.read(), request.form.get("name") or None,
                                  upload.filename, replace=bool(request.form.get("replace")))
    _verify.start(row)
    flash(f"Problem {row.name} stored; verifying its package now.")
    return redirect(url_for(".index"), 303)

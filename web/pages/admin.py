"""``/admin``: log in with an API token (``judgebox token create``); with the admin scope,
upload or replace problem packages and see what ``judgebox verify`` says of each; re-judge a
problem's submissions, follow the re-judge with its before/after diff, apply or cancel it. A
token without the admin scope may log in too (the pages then submit with it, and list its
submissions), but administers nothing."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from worker.store import batches, packages, rejudge, users
from worker.store.tokens import verify_token

from .. import access, rejudge_services, services
from ..errors import ApiError
from ..schemas import RejudgeCreate
from . import _common, _verify

__all__ = ["bp"]

bp = _common.protect(Blueprint("admin", __name__, url_prefix="/admin"))


@bp.get("")
def index():
    """The login form, or the problems with their verify reports and the upload form."""
    principal = access.page_principal()
    if principal.anonymous:
        return render_template("admin_login.html")
    if not principal.admin:
        return render_template("admin_login.html", principal=principal), 403
    return _admin_page()


def _admin_page(error: ApiError | None = None, sent: dict | None = None, status: int = 200):
    """The admin page; with an upload's ``error``, next to the form filled in as ``sent``."""
    rows = [(p, *_verify.report(p)) for p in services.list_problems()]
    rejudges = [(b, rejudge_services.rejudge_json(b))
                for b in batches.list_batches(services.store(), kind="rejudge")]
    taken = error.name if isinstance(error, services.NameTaken) else None
    return render_template("admin.html", rows=rows, rejudges=rejudges, verdicts=_VERDICTS,
                           upload_error=error, sent=sent or {}, taken=taken,
                           pending=session.get(_PENDING) if taken else None), status


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


# The package of an upload refused because its name was taken, kept (by its hash, in the
# package store) so that "replace" needs no second upload; this browser's session only.
_PENDING = "pending_package"


def _package_sent() -> tuple[bytes, str]:
    """The uploaded package and its file name; with ``pending``, the one kept from this
    session's refused upload."""
    if request.form.get("pending"):
        kept = session.get(_PENDING) or {}
        data = packages.get_bytes(services.store(), kept.get("sha256", ""))
        if data is None:
            raise ApiError(422, "that upload is no longer kept: choose the package again",
                           {"package": ["choose the zip file again"]})
        return data, kept.get("filename", "")
    upload = request.files.get("package")
    if upload is None or not upload.filename:
        raise ApiError(422, "choose a package (a zip file) to upload",
                       {"package": ["choose a zip file"]})
    return upload.read(), upload.filename


@bp.post("/problems")
def upload():
    """Upload a package (zip); ``replace`` allows taking over an existing problem's name.
    A refused upload shows the admin page again, its error by the form and the form as
    sent; a name taken offers to replace that problem (without uploading again) or to
    delete it."""
    principal = _common.require_admin()
    form = request.form
    sent = {key: form.get(key, "") for key in ("name", "replace", "feedback", "visibility")}
    try:
        data, filename = _package_sent()
        row = services.upload_problem(data, form.get("name") or None, filename,
                                      replace=bool(form.get("replace")),
                                      owner_token_id=principal.token_id,
                                      owner_user_id=principal.user_id,
                                      visibility=form.get("visibility") or None,
                                      feedback=form.get("feedback") or None)
    except ApiError as exc:
        if exc.status >= 500:
            raise
        if isinstance(exc, services.NameTaken):
            session[_PENDING] = {"sha256": packages.sha256_of(data), "filename": filename}
        return _admin_page(exc, sent, exc.status)
    session.pop(_PENDING, None)
    _verify.start(row)
    flash(f"Problem {row.name} stored; verifying its package now.")
    return redirect(url_for(".index"), 303)


@bp.post("/problems/<name>/delete")
def delete_problem(name: str):
    """Delete a problem (its submissions stay); the form must tick ``confirm``."""
    _common.require_admin()
    if not request.form.get("confirm"):
        raise ApiError(422, f"tick the box to confirm deleting {name}",
                       {"confirm": ["tick it to confirm"]})
    services.delete_problem(name)
    flash(f"Problem {name} deleted (its submissions stay).")
    return redirect(url_for(".index"), 303)


_VERDICTS = ("AC", "WA", "TLE", "MLE", "RE", "OLE", "CE", "SE")


@bp.post("/problems/<name>/rejudge")
def start_rejudge(name: str):
    """Re-judge the problem's finished submissions (those judged on an older package, or
    all; optionally of one verdict) and show the re-judge."""
    principal = _common.require_admin()
    verdict = request.form.get("verdict") or None
    if verdict is not None and verdict not in _VERDICTS:
        raise ApiError(422, f"unknown verdict {verdict!r}")
    body = RejudgeCreate(problem=name, stale=bool(request.form.get("stale")),
                         verdicts=[verdict] if verdict else [])
    created = rejudge_services.create_rejudge(body, principal.token_id)
    flash(f"Re-judging {created.item_count} submission(s) of {name}.")
    return redirect(url_for(".show_rejudge", token=created.token), 303)


@bp.get("/rejudges/<token>")
def show_rejudge(token: str):
    """A re-judge: progress, verdict transitions, the diff; apply or cancel."""
    if not access.page_principal().admin:
        return redirect(url_for(".index"), 303)
    batch = rejudge_services.get_rejudge(token)
    rows = rejudge.diff_rows(services.store(), batch)
    return render_template("admin_rejudge.html", batch=batch, rows=rows,
                           info=rejudge_services.rejudge_json(batch, rows))


@bp.post("/rejudges/<token>/apply")
def apply_rejudge(token: str):
    """Give the originals their new judgements."""
    _common.require_admin()
    done = rejudge_services.apply(rejudge_services.get_rejudge(token))
    skipped = ", ".join(f"{k}: {n}" for k, n in done.skipped.items())
    flash(f"Applied to {done.applied} submission(s)."
          + (f" Not applied: {skipped}." if skipped else ""))
    return redirect(url_for(".show_rejudge", token=token), 303)


@bp.post("/rejudges/<token>/cancel")
def cancel_rejudge(token: str):
    """Drop the copies not started yet."""
    _common.require_admin()
    dropped = rejudge_services.cancel(rejudge_services.get_rejudge(token))
    flash(f"Cancelled: {dropped} submission(s) will not be judged again.")
    return redirect(url_for(".show_rejudge", token=token), 303)



# --- accounts -------------------------------------------------------------------------------

@bp.get("/users")
def users_page():
    """Every account; forms to import a class list and to make one."""
    _common.require_admin()
    return render_template("admin_users.html", users=users.list_users(services.store()),
                           courses=_course_names())


def _course_names() -> list[str]:
    from sqlalchemy import select

    from worker.store.db import Course
    with services.store().read() as db:
        return list(db.scalars(select(Course.name).order_by(Course.name)).all())


def _handed_out(created: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The passwords generated, to show this once (never stored in the clear)."""
    return [(name, password) for name, password in created if password]


@bp.post("/users/import")
def import_users():
    """Import a class list (CSV ``username,name,email,role[,password]``), optionally into a
    course; the generated passwords are shown once."""
    _common.require_admin()
    upload = request.files.get("file")
    text = upload.read().decode("utf-8-sig", "replace") if upload and upload.filename \
        else request.form.get("csv", "")
    try:
        done = users.import_users(services.store(), text,
                                  request.form.get("course") or None)
    except users.UserError as exc:
        raise ApiError(422, str(exc)) from None
    return render_template("admin_users.html", users=users.list_users(services.store()),
                           courses=_course_names(), passwords=_handed_out(done.created),
                           imported=done)


@bp.post("/users/new")
def create_user():
    """Make one account; its password is shown once."""
    _common.require_admin()
    form = request.form
    try:
        user, password = users.create_user(services.store(), form.get("username", ""),
                                           form.get("role", "student"), form.get("name", ""),
                                           form.get("email", ""))
    except users.UserError as exc:
        raise ApiError(422, str(exc)) from None
    return render_template("admin_users.html", users=users.list_users(services.store()),
                           courses=_course_names(), passwords=[(user.username, password)])


@bp.post("/users/<username>/password")
def reset_password(username: str):
    """Give the account a new password, shown once."""
    _common.require_admin()
    try:
        password = users.set_password(services.store(), username)
    except users.UserError as exc:
        raise ApiError(404, str(exc)) from None
    return render_template("admin_users.html", users=users.list_users(services.store()),
                           courses=_course_names(), passwords=[(username, password)])


@bp.post("/users/<username>/disable")
def disable_user(username: str):
    """Lock the account out (its tokens too), or let it in again."""
    principal = _common.require_admin()
    if principal.user is not None and principal.user.username == username:
        raise ApiError(422, "You cannot lock yourself out.")
    try:
        user = users.set_disabled(services.store(), username,
                                  request.form.get("enable") is None)
    except users.UserError as exc:
        raise ApiError(404, str(exc)) from None
    flash(f"{user.username} is {'locked out' if user.disabled_at else 'let in again'}.")
    return redirect(url_for(".users_page"), 303)

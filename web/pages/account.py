"""Accounts on the pages: ``/login``, ``/logout``, ``/signup`` and ``/account`` (who you are,
your courses, a new password).

Sign-up is what ``SIGNUP`` says: ``closed`` (the default: accounts come from an admin's
class list, ``judgebox users import``), ``invite`` (with a course's join code, which enrols
the new student in it) or ``open`` (anyone; a join code is optional). Logging in is limited
per address (``RATELIMIT_LOGIN``), and a wrong password takes as long as an unknown user.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from sqlalchemy import select

from worker.store import users
from worker.store.db import Course

from .. import access, services
from ..errors import ApiError
from ..quota import limiter
from . import _common

__all__ = ["bp"]

bp = _common.protect(Blueprint("account", __name__))


def _next_url() -> str:
    """Where to go after logging in: a path of this site only (never another host)."""
    target = request.values.get("next") or ""
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc \
            or "\\" in target:
        return url_for("home.index")
    return target


def _start_session(user) -> None:
    session.clear()  # a fresh session (and CSRF token) for the new privilege
    session["user_id"] = user.id


@bp.get("/login")
def login_form():
    """The log-in form."""
    return render_template("login.html", next=request.args.get("next", ""))


@bp.post("/login")
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])
def login():
    """Log in with a username and a password."""
    user = users.check_login(services.store(), request.form.get("username", ""),
                             request.form.get("password", ""))
    if user is None:
        return render_template("login.html", next=request.form.get("next", ""),
                               username=request.form.get("username", ""),
                               error="Wrong username or password."), 403
    target = _next_url()
    _start_session(user)
    return redirect(target, 303)


@bp.post("/logout")
def logout():
    """Forget the login (and this browser's list of submissions)."""
    session.clear()
    return redirect(url_for("home.index"), 303)


def _signup_mode() -> str:
    mode = current_app.config.get("SIGNUP", "closed")
    return mode if mode in ("open", "invite") else "closed"


@bp.get("/signup")
def signup_form():
    """The sign-up form (``SIGNUP``: open, or with a course's join code)."""
    return render_template("signup.html", mode=_signup_mode(),
                           code=request.args.get("code", "")), \
        404 if _signup_mode() == "closed" else 200


@bp.post("/signup")
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])
def signup():
    """Make a student account (and enrol it in the join code's course)."""
    mode = _signup_mode()
    if mode == "closed":
        raise ApiError(404, "Sign-up is closed here: ask your instructor for an account.")
    form = request.form
    code = form.get("code", "").strip()
    store = services.store()
    course = None
    if code:
        with store.read() as db:
            course = db.scalars(select(Course).where(Course.join_code == code)).first()
    error = None
    if mode == "invite" and course is None or code and course is None:
        error = "That join code is unknown: ask your instructor for the course's code."
    elif form.get("password", "") != form.get("password2", ""):
        error = "The two passwords differ."
    if error is None:
        try:
            user, _ = users.create_user(store, form.get("username", ""), "student",
                                        form.get("name", ""), form.get("email", ""),
                                        form.get("password", "") or "x")
        except users.UserError as exc:
            error = str(exc).capitalize()
    if error is not None:
        return render_template("signup.html", mode=mode, code=code, error=error,
                               form=form), 422
    if course is not None:
        users.enroll(store, course.name, [user.username])
    _start_session(user)
    flash(f"Welcome, {user.username}." + (f" You are in {course.title}." if course else ""))
    return redirect(url_for("courses.index") if course else url_for("home.index"), 303)


@bp.get("/account")
def account():
    """Who you are, your courses, and a form for a new password."""
    principal = _common.require_login()
    if principal.user is None:
        return redirect(url_for("admin.index"), 303)
    return render_template("account.html", user=principal.user,
                           courses=_courses(principal))


def _courses(principal: access.Principal) -> list[tuple[Course, str]]:
    with services.store().read() as db:
        rows = db.scalars(select(Course).where(Course.id.in_(principal.member))
                          .order_by(Course.name)).all()
    return [(c, "instructor" if c.id in principal.staff else "student") for c in rows]


@bp.post("/account/password")
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])
def change_password():
    """A new password, given the current one."""
    principal = _common.require_login()
    if principal.user is None:
        raise ApiError(403, "A token login has no password.")
    store = services.store()
    form = request.form
    error = None
    if users.check_login(store, principal.user.username, form.get("current", "")) is None:
        error = "The current password is wrong."
    elif form.get("password", "") != form.get("password2", ""):
        error = "The two new passwords differ."
    else:
        try:
            users.set_password(store, principal.user.username, form.get("password", "") or "x")
        except users.UserError as exc:
            error = str(exc).capitalize()
    if error is not None:
        return render_template("account.html", user=principal.user,
                               courses=_courses(principal), error=error), 422
    flash("Your password is changed.")
    return redirect(url_for(".account"), 303)

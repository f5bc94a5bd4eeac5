"""What the page blueprints share: CSRF checks, HTML error pages, the session (whose
submissions are whose, who is logged in as admin) and the templates' filters."""

from __future__ import annotations

import datetime as dt
import signal

from flask import (Blueprint, Flask, abort, current_app, redirect, render_template, request,
                   session, url_for)
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException

from worker.core.languages import LanguageError, get_language
from worker.store.db import ApiToken

from .. import access
from ..errors import ApiError

__all__ = ["csrf", "protect", "init_templates", "remember", "mine", "login_token",
           "admin_token", "require_login", "require_admin", "who", "STATE_TEXT",
           "VERDICT_TEXT", "submitter"]

csrf = CSRFProtect()  # checks only the pages' POSTs (see ``protect``)

MINE_KEPT = 100  # submissions remembered per browser session

VERDICT_TEXT = {"AC": "Accepted", "WA": "Wrong answer", "TLE": "Time limit exceeded",
                "MLE": "Memory limit exceeded", "RE": "Runtime error",
                "OLE": "Output limit exceeded", "CE": "Compilation error",
                "SE": "Judge error", "OK": "OK"}
STATE_TEXT = {"queued": "Queued", "compiling": "Compiling", "running": "Running"}


def _error_page(status: int, message: str, fields: dict | None = None):
    return render_template("error.html", status=status, message=message,
                           fields=fields or {}), status


def protect(bp: Blueprint) -> Blueprint:
    """Check the CSRF token of every POST to ``bp``; answer its errors as HTML pages.
    Called once, where the blueprint is made."""

    @bp.before_request
    def _check_csrf():
        if request.method == "POST":
            csrf.protect()

    @bp.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return _error_page(exc.status, exc.error, exc.fields)

    @bp.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        message = exc.description or exc.name
        if exc.code == 429:
            message = f"Too many requests ({exc.description}); try again in a moment."
        return _error_page(exc.code or 500, message)

    return bp


def remember(token: str) -> None:
    """Note in the (signed) session cookie that this browser made submission ``token``."""
    kept = [t for t in session.get("mine", []) if t != token]
    session["mine"] = ([token] + kept)[:MINE_KEPT]


def mine() -> list[str]:
    """The submissions this browser made (newest first)."""
    return list(session.get("mine", []))


def login_token() -> ApiToken | None:
    """The API token this browser logged in with, while it is not revoked."""
    return access.page_principal().token


def admin_token() -> ApiToken | None:
    """The token logged in with, when it has the admin scope."""
    principal = access.page_principal()
    return principal.token if principal.admin else None


def who(principal: access.Principal) -> str:
    """How the pages name a login: the account's username, or the token's name."""
    if principal.user is not None:
        return principal.user.username
    return f"token {principal.token.name}" if principal.token is not None else ""


def require_login() -> access.Principal:
    """The logged-in principal. Nobody logged in: a page (GET) redirects to the log-in
    page, which comes back here; anything else is 403."""
    principal = access.page_principal()
    if principal.anonymous:
        if request.method == "GET":
            abort(redirect(url_for("account.login_form", next=request.full_path.rstrip("?")),
                           303))
        raise ApiError(403, "Log in first.")
    return principal


def require_admin() -> access.Principal:
    """The logged-in admin (account or token); 403 (an HTML page) otherwise."""
    principal = require_login()
    if not principal.admin:
        raise ApiError(403, f"{who(principal).capitalize()} may not administer this site "
                            "(the admin role or scope is needed).")
    return principal


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f} s"


def _kib(value: int | None) -> str:
    if value is None:
        return "–"
    return f"{value} KiB" if value < 10 * 1024 else f"{value / 1024:.1f} MiB"


def _when(value: dt.datetime | None) -> str:
    return "–" if value is None else value.strftime("%Y-%m-%d %H:%M:%S UTC")


def _language_name(lang_id: str | None) -> str:
    """A language's name (``C++17 (GCC)``) for its id (``cpp17``); the id when unknown."""
    if not lang_id:
        return "–"
    try:
        return get_language(lang_id).name
    except LanguageError:
        return lang_id


def _signal_name(number: int) -> str:
    """``SIGSEGV (segmentation fault)`` for 11; ``signal 64`` for one Python does not name."""
    try:
        name = signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
    description = signal.strsignal(number) or ""
    return f"{name} ({description[:1].lower()}{description[1:]})" if description else name


def _run_exit(result) -> str:
    """How a run ended: killed by a signal (named), its exit code, or ``–``. A signal comes
    first: the API gives such a run Judge0's exit code 0 as well."""
    if result.signal:
        return f"killed by {_signal_name(result.signal)}, signal {result.signal}"
    return "–" if result.exit_code is None else f"exit code {result.exit_code}"


def init_templates(app: Flask) -> None:
    """Filters and globals of the page templates."""
    app.add_template_filter(_language_name, "language_name")
    app.add_template_filter(_run_exit, "run_exit")
    app.add_template_filter(_seconds, "seconds")
    app.add_template_filter(_kib, "kib")
    app.add_template_filter(_when, "when")
    app.add_template_global(VERDICT_TEXT, "VERDICT_TEXT")
    app.add_template_global(STATE_TEXT, "STATE_TEXT")

    @app.context_processor
    def _page_globals():
        principal = access.page_principal()
        return {"logged_in": not principal.anonymous, "is_admin": principal.admin,
                "viewer": principal, "viewer_name": who(principal),
                "signup_open": current_app.config.get("SIGNUP", "closed") != "closed"}


def submitter() -> access.Principal:
    """Who a submission from the pages is made by: the logged-in account or token, if any
    (with the submit scope). With ``AUTH_REQUIRED``, submitting from the pages needs a login
    (401 otherwise)."""
    principal = access.page_principal()
    if principal.anonymous:
        if current_app.config["AUTH_REQUIRED"]:
            raise ApiError(401, "This server needs a login to submit: log in first.")
        return principal
    if not principal.has("submit"):
        raise ApiError(403, f"{who(principal).capitalize()} may not submit.")
    return principal

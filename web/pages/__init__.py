"""The web pages: server-rendered with Jinja (``web/templates``), light JavaScript
(``web/static/live.js``: live progress by polling a small HTML fragment), no build step.
Everything works without JavaScript; progress then needs a reload.

One blueprint per resource: ``home`` (``/``, ``/status``, ``/status/languages``),
``problems`` (``/problems``, ``/problems/<name>``), ``submissions`` (``/s``, ``/s/<id>``),
``playground`` (``/playground``), ``admin`` (``/admin``, ``/admin/users``), ``account``
(``/login``, ``/logout``, ``/signup``, ``/account``), ``courses`` (``/courses``, ``/a/<name>``:
assignments, contests and their scoreboards). Every POST of these blueprints
needs the form's CSRF token (Flask-WTF's ``CSRFProtect``, checked by the pages only: the
JSON APIs authenticate with ``X-Auth-Token`` and take no cookies).
"""

from __future__ import annotations

import os
import secrets

from flask import Flask

from . import _common, account, admin, courses, home, playground, problems, submissions

__all__ = ["init_pages"]


def _secret_key(app: Flask) -> None:
    """``SECRET_KEY`` from the config, else one kept in ``<DATA_DIR>/secret_key`` (made once,
    shared by every process of this data directory)."""
    if app.config.get("SECRET_KEY"):
        return
    path = os.path.join(app.instance_path, "secret_key")
    os.makedirs(app.instance_path, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    with open(path) as f:
        key = f.read().strip()
    if len(key) < 32:  # a concurrent first start has not written it yet
        raise RuntimeError(f"{path} is incomplete; remove it and start again")
    app.config["SECRET_KEY"] = key


def init_pages(app: Flask) -> None:
    """Register the pages, the session's key and CSRF protection."""
    _secret_key(app)
    _common.csrf.init_app(app)  # checks nothing by itself: WTF_CSRF_CHECK_DEFAULT is false
    _common.init_templates(app)
    for module in (home, problems, submissions, playground, admin, account, courses):
        app.register_blueprint(module.bp)

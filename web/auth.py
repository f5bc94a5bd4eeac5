"""API tokens and the general rate limit.

A request may carry a token in ``AUTH_HEADER`` (``X-Auth-Token``, as Judge0 names it). A
valid token identifies the client; an invalid or revoked one is refused (401). Without one the
client is anonymous, unless ``AUTH_REQUIRED``. What a token may do is its scopes
(``web.access``). ``RATELIMIT_DEFAULT`` (flask-limiter, Redis storage) limits every request,
per token or per address; creating submissions is limited and metered by ``web.quota``.
Over a limit: 429 with ``Retry-After``.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request

from worker.store.tokens import verify_token

from .access import PAGE_BLUEPRINTS
from .errors import ApiError
from .quota import limiter

__all__ = ["init_auth"]

_OPEN_ENDPOINTS = {"health.healthz", "health.readyz", "static"}


def _authenticate() -> None:
    g.api_token = None
    if request.endpoint in _OPEN_ENDPOINTS or request.blueprint in PAGE_BLUEPRINTS:
        return
    header = current_app.config["AUTH_HEADER"]
    secret = request.headers.get(header)
    if secret:
        token = verify_token(current_app.extensions["judgebox_store"], secret.strip())
        if token is None or _account_disabled(token):
            raise ApiError(401, f"invalid or revoked token in {header}")
        g.api_token = token
    elif current_app.config["AUTH_REQUIRED"]:
        raise ApiError(401, f"a token is required in {header} (see `judgebox token create`)")


def _account_disabled(token) -> bool:
    """A token of a disabled account stops working with it."""
    if token.user_id is None:
        return False
    from worker.store.db import User

    with current_app.extensions["judgebox_store"].read() as session:
        user = session.get(User, token.user_id)
    return user is None or user.disabled_at is not None


def init_auth(app: Flask) -> None:
    """Check tokens before every request; set up the rate limiter."""
    app.before_request(_authenticate)
    limiter.init_app(app)

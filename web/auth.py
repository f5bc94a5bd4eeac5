"""API tokens and rate limits.

A request may carry a token in ``AUTH_HEADER`` (``X-Auth-Token``, as Judge0 names it). A
valid token identifies the client; an invalid or revoked one is refused (401). Without one the
client is anonymous, unless ``AUTH_REQUIRED``. Rate limits (flask-limiter, Redis storage) are
kept per token, or per address for anonymous clients: ``RATELIMIT_SUBMIT`` on creating
submissions (a token's own ``rate_limit`` overrides it), ``RATELIMIT_DEFAULT`` on the rest.
Over a limit: 429 with ``Retry-After``.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_limiter import Limiter

from worker.tokens import verify_token

from .errors import ApiError

__all__ = ["limiter", "init_auth", "submit_limit", "rate_limit_key"]

_OPEN_ENDPOINTS = {"health.healthz", "health.readyz", "static"}
# The pages authenticate with a login (a token entered once, kept in the session), not with
# the header: web.pages checks AUTH_REQUIRED itself.
_PAGE_BLUEPRINTS = {"home", "problems", "submissions", "playground", "admin"}


def rate_limit_key() -> str:
    """Whom a request counts against: its token, or its address."""
    token = g.get("api_token")
    return f"token:{token.id}" if token is not None else f"addr:{request.remote_addr}"


def submit_limit() -> str:
    """The limit on creating submissions for this request's client."""
    token = g.get("api_token")
    if token is not None and token.rate_limit:
        return token.rate_limit
    return current_app.config["RATELIMIT_SUBMIT"]


limiter = Limiter(key_func=rate_limit_key)


def _authenticate() -> None:
    g.api_token = None
    if request.endpoint in _OPEN_ENDPOINTS or request.blueprint in _PAGE_BLUEPRINTS:
        return
    header = current_app.config["AUTH_HEADER"]
    secret = request.headers.get(header)
    if secret:
        token = verify_token(current_app.extensions["judgebox_store"], secret.strip())
        if token is None:
            raise ApiError(401, f"invalid or revoked token in {header}")
        g.api_token = token
    elif current_app.config["AUTH_REQUIRED"]:
        raise ApiError(401, f"a token is required in {header} (see `judgebox token create`)")


def init_auth(app: Flask) -> None:
    """Check tokens before every request; set up the rate limiter."""
    app.before_request(_authenticate)
    limiter.init_app(app)

"""API tokens: created, changed and revoked with ``judgebox token``; the web app checks them.

A token is 32 random bytes, URL-safe, prefixed ``jb_``, or a value the admin gives (an
existing Judge0 deployment's token, so that its graders need no change); it is shown once,
when created, and only its SHA-256 is stored. ``rate_limit`` (a flask-limiter string such as
``"100/minute"``) overrides the default submission limit for that token.

Scopes say what a token may do (docs/api.md has the table of routes):

- ``submit``: create submissions and batches; list and read its own.
- ``problems``: upload problems; manage the problems it uploaded (replace, delete, re-judge),
  see their hidden test data and every submission on them. Implies ``submit``.
- ``admin``: everything, on every problem and submission. Implies the others.

Errors: :class:`TokenError` (no such token, a name or value taken, a bad scope or value).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from sqlalchemy import select

from .database import Store
from .db import ApiToken, utcnow

__all__ = ["TokenError", "SCOPES", "create_token", "update_token", "revoke_token",
           "list_tokens", "verify_token", "scopes_of", "has_scope", "MIN_VALUE_CHARS"]

SCOPES = ("submit", "problems", "admin")
_IMPLIES = {"admin": set(SCOPES), "problems": {"problems", "submit"}, "submit": {"submit"}}
MIN_VALUE_CHARS = 8  # a given value shorter than this is refused (guessable)


class TokenError(Exception):
    """A token operation could not be done (what and why in the message)."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _scopes(scopes: Iterable[str]) -> str:
    wanted = {s.strip().lower() for s in scopes if s.strip()}
    unknown = sorted(s for s in wanted if s not in SCOPES)
    if unknown:
        raise TokenError(f"unknown scope(s) {', '.join(unknown)}: the scopes are "
                         f"{', '.join(SCOPES)}")
    if not wanted:
        raise TokenError(f"a token needs at least one scope ({', '.join(SCOPES)})")
    return " ".join(s for s in SCOPES if s in wanted)


def scopes_of(token: ApiToken) -> frozenset[str]:
    """Every scope the token has, the implied ones included."""
    granted: set[str] = set()
    for scope in (token.scopes or "submit").split():
        granted |= _IMPLIES.get(scope, set())
    return frozenset(granted)


def has_scope(token: ApiToken | None, scope: str) -> bool:
    """Whether ``token`` (``None``: no token) has ``scope``, directly or implied."""
    return token is not None and scope in scopes_of(token)


def _check_value(value: str) -> str:
    if len(value) < MIN_VALUE_CHARS or len(value) > 200:
        raise TokenError(f"a token's value is {MIN_VALUE_CHARS} to 200 characters")
    if not value.isprintable() or any(c.isspace() for c in value) or not value.isascii():
        raise TokenError("a token's value is printable ASCII without spaces")
    return value


def create_token(store: Store, name: str, rate_limit: str | None = None,
                 scopes: Iterable[str] = ("submit",), value: str | None = None,
                 user_id: int | None = None) -> tuple[ApiToken, str]:
    """A new token named ``name`` with ``scopes`` (its secret is ``value`` when given, else
    random; ``user_id`` the account it belongs to): returns its row and the secret (shown
    once)."""
    secret = _check_value(value) if value is not None else "jb_" + secrets.token_urlsafe(32)
    scope_text = _scopes(scopes)
    with store.write() as session:
        if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
            raise TokenError(f"a token named {name!r} exists already")
        if session.scalar(select(ApiToken.id).where(
                ApiToken.token_sha256 == _digest(secret))) is not None:
            raise TokenError("another token has that value already")
        row = ApiToken(name=name, token_sha256=_digest(secret),
                       prefix=secret[:min(8, len(secret) // 4)], rate_limit=rate_limit,
                       scopes=scope_text, user_id=user_id, created_at=utcnow())
        session.add(row)
    return row, secret


def _find(session, name_or_id: str) -> ApiToken:
    row = session.scalars(select(ApiToken).where(ApiToken.name == name_or_id)).first()
    if row is None and name_or_id.isdigit():
        row = session.get(ApiToken, int(name_or_id))
    if row is None:
        raise TokenError(f"no token named {name_or_id!r}")
    return row


def update_token(store: Store, name_or_id: str, scopes: Iterable[str] | None = None,
                 rate_limit: str | None = None) -> ApiToken:
    """Give the token new scopes and/or a new rate limit (``""`` removes its own limit)."""
    with store.write() as session:
        row = _find(session, name_or_id)
        if scopes is not None:
            row.scopes = _scopes(scopes)
        if rate_limit is not None:
            row.rate_limit = rate_limit or None
    return row


def revoke_token(store: Store, name_or_id: str) -> ApiToken:
    """Revoke the token with this name (or numeric id); it stops working at once."""
    with store.write() as session:
        row = _find(session, name_or_id)
        if row.revoked_at is None:
            row.revoked_at = utcnow()
    return row


def list_tokens(store: Store) -> list[ApiToken]:
    """Every token, revoked ones included, oldest first."""
    with store.read() as session:
        return list(session.scalars(select(ApiToken).order_by(ApiToken.id)).all())


def verify_token(store: Store, secret: str) -> ApiToken | None:
    """The live token with this secret, or ``None``."""
    with store.read() as session:
        row = session.scalars(select(ApiToken).where(
            ApiToken.token_sha256 == _digest(secret))).first()
    if row is None or row.revoked_at is not None:
        return None
    return row

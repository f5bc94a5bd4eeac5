"""API tokens: created and revoked with ``judgebox token``; the web app checks them.

A token is 32 random bytes, URL-safe, prefixed ``jb_``; it is shown once, when created, and
only its SHA-256 is stored. ``rate_limit`` (a flask-limiter string such as ``"100/minute"``)
overrides the default limit for that token.

Errors: :class:`TokenError` (no such token, a name taken).
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from .db import ApiToken, utcnow
from .store import Store

__all__ = ["TokenError", "create_token", "revoke_token", "list_tokens", "verify_token"]


class TokenError(Exception):
    """A token operation could not be done (what and why in the message)."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(store: Store, name: str, rate_limit: str | None = None
                 ) -> tuple[ApiToken, str]:
    """A new token named ``name``: returns its row and the secret (shown once)."""
    secret = "jb_" + secrets.token_urlsafe(32)
    with store.write() as session:
        if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
            raise TokenError(f"a token named {name!r} exists already")
        row = ApiToken(name=name, token_sha256=_digest(secret), prefix=secret[:8],
                       rate_limit=rate_limit, created_at=utcnow())
        session.add(row)
    return row, secret


def revoke_token(store: Store, name_or_id: str) -> ApiToken:
    """Revoke the token with this name (or numeric id); it stops working at once."""
    with store.write() as session:
        query = select(ApiToken).where(ApiToken.name == name_or_id)
        row = session.scalars(query).first()
        if row is None and name_or_id.isdigit():
            row = session.get(ApiToken, int(name_or_id))
        if row is None:
            raise TokenError(f"no token named {name_or_id!r}")
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

"""Security headers on every response (pages, both APIs, errors): a Content-Security-Policy
that runs scripts from this server's ``/static`` only and lets no site frame the pages
(``CONTENT_SECURITY_POLICY``), no MIME sniffing, no Referer beyond this origin, and
``X-Frame-Options`` for browsers that predate ``frame-ancestors``."""

from __future__ import annotations

from flask import Flask, Response, current_app

__all__ = ["init_headers"]


def _secure(response: Response) -> Response:
    headers = response.headers
    policy = current_app.config.get("CONTENT_SECURITY_POLICY")
    if policy:
        headers.setdefault("Content-Security-Policy", policy)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    return response


def init_headers(app: Flask) -> None:
    """Add the headers to every response of ``app``."""
    app.after_request(_secure)

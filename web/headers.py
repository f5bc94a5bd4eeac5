"""Security headers on every response (pages, both APIs, errors): a Content-Security-Policy
that runs scripts from this server's ``/static`` only and lets no site frame the pages
(``CONTENT_SECURITY_POLICY``), no MIME sniffing, no Referer beyond this origin, and
``X-Frame-Options`` for browsers that predate ``frame-ancestors``.

A page that needs a ``<style>`` element made by a script (the code editor, CodeMirror, puts its
styles in one) calls ``csp_nonce()`` in its template: the response's policy then allows style
elements carrying that nonce, a fresh random one per response, and nothing else inline."""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g

__all__ = ["init_headers", "csp_nonce", "with_style_nonce"]


def csp_nonce() -> str:
    """This response's nonce for style elements (made on first use, 128 random bits)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def with_style_nonce(policy: str, nonce: str) -> str:
    """``policy`` with ``'nonce-<nonce>'`` added to its ``style-src`` (made from
    ``default-src`` when the policy has none)."""
    directives = [d.strip() for d in policy.split(";") if d.strip()]
    names = [d.split()[0].lower() for d in directives]
    source = f"'nonce-{nonce}'"
    if "style-src" in names:
        i = names.index("style-src")
        sources = directives[i].split()[1:]
        del directives[i]
    else:
        sources = directives[names.index("default-src")].split()[1:] \
            if "default-src" in names else []
    kept = [s for s in sources if s.lower() != "'none'"]  # 'none' with a nonce means none
    directives.append(" ".join(["style-src", *kept, source]))
    return "; ".join(directives)


def _secure(response: Response) -> Response:
    headers = response.headers
    policy = current_app.config.get("CONTENT_SECURITY_POLICY")
    if policy:
        nonce = g.get("csp_nonce")
        headers.setdefault("Content-Security-Policy",
                           with_style_nonce(policy, nonce) if nonce else policy)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    return response


def init_headers(app: Flask) -> None:
    """Add the headers to every response of ``app``; ``csp_nonce()`` in the templates."""
    app.after_request(_secure)
    app.add_template_global(csp_nonce, "csp_nonce")

"""What one client may submit and store: every path that creates submissions (both APIs,
batches, the pages) calls :func:`charge` once per request, before anything is stored.

- Submissions per minute: ``RATELIMIT_SUBMIT`` for a token (its own ``rate_limit``
  overrides it), ``RATELIMIT_SUBMIT_ANONYMOUS`` for a client without one. Every submission
  counts: a Judge0 batch of 20 is 20, a batch zip of 30 students is 30.
- Bytes stored per minute (the sources and the ad-hoc tests' input and expected output):
  ``QUOTA_MB_PER_MINUTE``, ``QUOTA_ANONYMOUS_MB_PER_MINUTE``.
- Bytes stored in total (what the client's submissions in the store hold now; deleting
  submissions frees it): ``QUOTA_MB_TOTAL``, ``QUOTA_ANONYMOUS_MB_TOTAL`` (0: no cap).

Over a rate: 429 with ``Retry-After``; a request larger than a cap it could never fit, or a
client whose total is used up: 413. The answer names the limit and its setting. A client is
its token (``token:<id>``), its account on the pages (``user:<id>``), else its address
(``addr:<ip>``; an IPv6 address counts as its /64, which one host usually holds whole). The counters live in the rate limiter's storage
(Redis); when it cannot be reached the per-minute checks are skipped, as flask-limiter's own
are (``RATELIMIT_SWALLOW_ERRORS``), and the total is still checked in the store.
"""

from __future__ import annotations

import ipaddress
import logging
import time

from flask import current_app, g, request
from flask_limiter import Limiter
from limits import RateLimitItem, parse_many
from sqlalchemy import func, select

from worker.store.db import Submission

from .access import Principal
from .errors import ApiError

__all__ = ["client_key", "charge", "limiter", "rate_limit_key"]

log = logging.getLogger(__name__)
_MB = 1024 * 1024


def client_key(principal: Principal) -> str:
    """Whom this request counts against: ``token:<id>``, ``user:<id>`` (an account on the
    pages), else ``addr:<address>``."""
    if principal.token_id is not None:
        return f"token:{principal.token_id}"
    if principal.user_id is not None:
        return f"user:{principal.user_id}"
    address = request.remote_addr or "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"addr:{address}"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return f"addr:{ip.ipv4_mapped}"
        return f"addr:{ipaddress.IPv6Network((ip, 64), strict=False)}"
    return f"addr:{ip}"


def rate_limit_key() -> str:
    """Whom a request counts against (``RATELIMIT_DEFAULT``): its token, or its address (an
    IPv6 /64)."""
    return client_key(Principal(g.get("api_token")))


# every request's limit (set up by ``web.auth.init_auth``); its storage keeps the quota's too
limiter = Limiter(key_func=rate_limit_key)


def _settings(anonymous: bool, token_limit: str | None) -> tuple[str, int, int]:
    config = current_app.config
    if anonymous:
        return (config["RATELIMIT_SUBMIT_ANONYMOUS"],
                int(float(config["QUOTA_ANONYMOUS_MB_PER_MINUTE"]) * _MB),
                int(float(config["QUOTA_ANONYMOUS_MB_TOTAL"]) * _MB))
    return (token_limit or config["RATELIMIT_SUBMIT"],
            int(float(config["QUOTA_MB_PER_MINUTE"]) * _MB),
            int(float(config["QUOTA_MB_TOTAL"]) * _MB))


def _setting(anonymous: bool, name: str) -> str:
    return f"QUOTA_ANONYMOUS_{name}" if anonymous else f"QUOTA_{name}"


def _too_many(what: str, item: RateLimitItem, key: str, setting: str):
    try:
        reset = limiter.limiter.get_window_stats(item, "judgebox-quota", key).reset_time
    except Exception:  # noqa: BLE001 (storage trouble: a minute is always enough)
        reset = time.time() + 60
    wait = max(1, int(reset - time.time() + 0.999))
    return ApiError(429, f"rate limit exceeded: {what} (at most {item} for this client, "
                         f"{setting}); try again in {wait} s",
                    headers={"Retry-After": str(wait)})


def _per_minute(items: int, stored: int, key: str, anonymous: bool, submit_limit: str,
                bytes_per_minute: int) -> None:
    checks: list[tuple[RateLimitItem, int, str, str]] = [
        (item, items, "submissions",
         "RATELIMIT_SUBMIT_ANONYMOUS" if anonymous else "RATELIMIT_SUBMIT or the token's own")
        for item in parse_many(submit_limit)]
    if bytes_per_minute > 0:
        checks += [(item, stored, "bytes stored", _setting(anonymous, "MB_PER_MINUTE"))
                   for item in parse_many(f"{bytes_per_minute}/minute")]
    strategy = limiter.limiter
    try:
        for item, cost, what, setting in checks:
            if cost > item.amount:  # could never fit, whatever the wait
                raise ApiError(413, f"this request would store {cost} {what}, more than this "
                                    f"client may in one {item.GRANULARITY.name} "
                                    f"({item.amount}, {setting})")
            if cost and not strategy.test(item, "judgebox-quota", key, cost=cost):
                raise _too_many(what, item, key, setting)
        for item, cost, _what, _setting_name in checks:
            if cost:
                strategy.hit(item, "judgebox-quota", key, cost=cost)
    except ApiError:
        raise
    except Exception as exc:  # noqa: BLE001 (the limiter's storage is away: swallowed)
        if not current_app.config.get("RATELIMIT_SWALLOW_ERRORS", True):
            raise
        log.warning("quota counters unavailable, not counted: %s", exc)


def _total(stored: int, key: str, anonymous: bool, cap: int) -> None:
    if cap <= 0:
        return
    from ._store import store

    with store().read() as session:
        used = session.scalar(select(func.coalesce(func.sum(Submission.stored_bytes), 0))
                              .where(Submission.client == key)) or 0
    if used + stored > cap:
        raise ApiError(413, f"this client's submissions hold {used / _MB:.1f} MB of the "
                            f"{cap / _MB:g} MB it may store ({_setting(anonymous, 'MB_TOTAL')})"
                            f"; this request needs {stored / _MB:.2f} MB more")


def charge(principal: Principal, items: int, stored: int) -> str:
    """Count ``items`` new submissions that store ``stored`` bytes against ``principal``'s
    client; 429 or 413 when over a limit (then nothing is counted). Returns the client's
    key, which the submissions record."""
    anonymous = principal.anonymous
    key = client_key(principal)
    submit_limit, per_minute, total = _settings(
        anonymous, principal.token.rate_limit if principal.token is not None else None)
    _total(stored, key, anonymous, total)
    _per_minute(items, stored, key, anonymous, submit_limit, per_minute)
    return key

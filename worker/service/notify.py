"""Telling whoever waits for a submission that it is done: one Redis ``PUBLISH`` on
``judgebox:done:<token>`` after its judgement is stored. Judge0's ``wait=true`` subscribes
before it first looks at the store, so it answers as the verdict lands instead of at its next
look. A message that is lost (Redis down) only makes a waiter find the verdict at its next
look at the store (every second)."""

from __future__ import annotations

import logging

import redis

from .metrics import _client

__all__ = ["CHANNEL", "announce"]

log = logging.getLogger(__name__)

CHANNEL = "judgebox:done:"


def announce(url: str, token: str) -> None:
    """Publish that ``token`` is done (never raises: a waiter also looks at the store)."""
    try:
        _client(url).publish(CHANNEL + token, b"1")
    except (redis.RedisError, OSError) as exc:
        log.warning("done of %s not announced (Redis): %s", token, exc)

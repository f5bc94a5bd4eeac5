"""Fixtures of the service tests: a private redis-server, real Celery workers (judging in the
real sandbox), the web app in-process and over HTTP, all on free ports in temp dirs."""

from __future__ import annotations

import os

import pytest

import jbstack
from jbstack import build_stack, stop_stack


def _require_root():
    if os.geteuid() != 0:
        pytest.skip("the service tests judge in the real sandbox: run them as root")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A redis-server of this test session."""
    server = jbstack.RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory, redis_server):
    """The session's stack: one worker judging two boxes at once, the app over HTTP."""
    _require_root()
    running = build_stack(tmp_path_factory, redis_server, 0, "main", workers=1,
                          concurrency=2, CALLBACKS_ALLOW_PRIVATE=True)
    yield running
    stop_stack(running)

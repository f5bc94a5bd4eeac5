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


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL cluster of this session (initdb + pg_ctl as the ``postgres``
    user into a temp dir, a free port); stopped at the end. ``postgres.create_database(name)``
    gives a fresh database's URL."""
    if os.geteuid() != 0:
        pytest.skip("the PostgreSQL tests start a cluster as the postgres user: run as root")
    reason = jbstack.postgres_unavailable()
    if reason:
        pytest.skip(reason)
    cluster = jbstack.PostgresCluster(jbstack.postgres_bindir())
    yield cluster
    cluster.stop()


@pytest.fixture
def fresh_postgres_url(postgres, request):
    """The URL of an empty database on the session's cluster, named after the test."""
    import re
    import uuid

    name = re.sub(r"[^a-z0-9_]", "_", request.node.name.lower())[:40]
    return postgres.create_database(f"{name}_{uuid.uuid4().hex[:8]}")

"""Fixtures of the web tests: the app with a real store (SQLite in a temp dir) and a real
redis-server (broker and rate-limit storage), but no worker: what the API accepts, refuses
and shows. Languages are reported as a worker would report them."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "_jbstack_for_web", Path(__file__).parent.parent / "service" / "jbstack.py")
jbstack = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = jbstack
_spec.loader.exec_module(jbstack)

LANGUAGES = [{"id": "c", "name": "C (GCC)", "version": "12.2.0", "enabled": True,
              "reason": ""},
             {"id": "python3", "name": "Python 3 (CPython)", "version": "3.11.2",
              "enabled": True, "reason": ""},
             {"id": "rust", "name": "Rust", "version": "", "enabled": False,
              "reason": "toolchain not installed"}]


@pytest.fixture(scope="session")
def web_redis(tmp_path_factory):
    """A redis-server of this test session."""
    server = jbstack.RedisServer(tmp_path_factory.mktemp("web-redis"))
    yield server
    server.stop()


@pytest.fixture
def make_app(tmp_path, web_redis):
    """``make_app(**config)`` -> an app on a fresh store; a worker with C and Python 3 is
    reported live (nothing consumes the queues)."""
    from web import create_app
    from worker.store import registry

    made = []

    def make(**config):
        db = 1 + len(made)
        web_redis_url = web_redis.url(db)
        import redis

        redis.Redis.from_url(web_redis_url).flushdb()
        app = create_app(jbstack.app_config(tmp_path / f"app{len(made)}", web_redis_url,
                                            **config))
        registry.report(app.extensions["judgebox_store"], "fake@test", concurrency=2,
                        queues=["interactive", "batch"], languages=LANGUAGES)
        made.append(app)
        return app

    yield make


@pytest.fixture
def app(make_app):
    """An app with the default config."""
    return make_app()


@pytest.fixture
def client(app):
    """A test client of ``app``."""
    return app.test_client()


@pytest.fixture(autouse=True)
def _no_env_leak(monkeypatch):
    """Configuration comes from the test config only."""
    for key in list(os.environ):
        if key.startswith("JUDGEBOX_") and key not in ("JUDGEBOX_RUN_DIR", "JUDGEBOX_UID_BASE"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)


@pytest.fixture
def admin_token(app):
    """The secret of a token with the admin scope on ``app``'s store."""
    from worker.store.tokens import create_token

    return create_token(app.extensions["judgebox_store"], "test-admin", scopes=["admin"])[1]

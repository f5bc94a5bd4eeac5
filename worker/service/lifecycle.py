"""A worker's life, on Celery's signals: its start, each pool process's, its end.

- at start (before the pool): ready the sandbox (which removes the box cgroups a killed worker
  left), the compile cache, the languages' self-test results and the precompiled headers
  (:func:`prepare_worker`: the PCHs not built yet are built by a process of their own), then
  self-test the languages and report this worker (``worker.store.registry``);
- each new pool process drops the database connections it inherited and starts its own fork
  server;
- once the worker consumes, the reconciler runs in a thread (``worker.service.reconciler``);
  a clean shutdown stops it and marks the worker stopped.

The signals do nothing until :func:`bind_flask_app` names the app they serve (``judgebox
worker`` does): importing this module elsewhere (the web app, tests) starts nothing.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

from celery.signals import worker_init, worker_process_init, worker_ready, worker_shutdown

from worker.core import compile_cache, pch, selftest
from worker.core.languages import all_languages

from .reconciler import report_worker, start_reconciler, stop_reconciler

__all__ = ["bind_flask_app", "prepare_worker"]

DATABASE_WAIT_S = 30.0  # a worker's store waits this long for the database before failing
#                         (``DATABASE_WAIT``, web/config.py, overrides it)

_flask_app = None  # the Flask app of this worker process (set by the command that starts it)
_worker: dict = {}  # this worker's name and concurrency, known at worker_init


def bind_flask_app(app) -> None:
    """Tell the worker signals which Flask app they serve (``judgebox worker`` calls this)."""
    global _flask_app
    _flask_app = app
    # a worker holds its work through a short database outage (the web app answers 503 at once)
    app.extensions["judgebox_store"].outage_wait_s = float(
        app.config.get("DATABASE_WAIT", DATABASE_WAIT_S))


def prepare_worker(config: Mapping[str, object], background: bool = True
                   ) -> subprocess.Popen | None:
    """At a worker's start: its compile cache, PCHs and languages' self-test results under
    ``CACHE_DIR`` (the cache's size: ``COMPILE_CACHE_MB``, else ``JUDGEBOX_COMPILE_CACHE_MB``),
    the toolchain ids of the languages it offers (``WORKER_LANGUAGES``, else all: the pool's
    processes inherit them), and the PCHs not built yet (``worker.core.pch.build_missing``:
    in the ``background``, returned, or here)."""
    cache_dir = Path(str(config["CACHE_DIR"]))
    size = config.get("COMPILE_CACHE_MB")
    compile_cache.configure(cache_dir, None if size is None else int(size))  # type: ignore
    pch.configure(cache_dir)
    selftest.configure(cache_dir)  # the languages' self-test results, beside them
    wanted = {i.strip() for i in str(config.get("WORKER_LANGUAGES") or "").split(",")
              if i.strip()}
    offered = [lang for lang in all_languages() if not wanted or lang.id in wanted]
    return pch.build_missing(cache_dir, offered, background)


@worker_init.connect
def _on_worker_init(sender=None, **_kwargs) -> None:
    """Before the pool starts: ready the sandbox, the caches and PCHs, self-test, report."""
    if _flask_app is None:
        return
    import sandbox

    sandbox.prepare()
    prepare_worker(_flask_app.config)
    _worker.update(name=sender.hostname, concurrency=sender.concurrency)
    report_worker(_flask_app, sender.hostname, sender.concurrency, self_test=True)


@worker_process_init.connect
def _on_process_init(**_kwargs) -> None:
    """A new pool process: drop the database connections inherited through fork, and start
    this process's own fork server before its first task."""
    if _flask_app is not None:
        import sandbox

        _flask_app.extensions["judgebox_store"].dispose()
        sandbox.prepare()


@worker_ready.connect
def _on_worker_ready(**_kwargs) -> None:
    """The worker consumes: start the reconciler thread."""
    if _flask_app is None or not _worker:
        return
    start_reconciler(_flask_app, _worker["name"], _worker["concurrency"])


@worker_shutdown.connect
def _on_worker_shutdown(**_kwargs) -> None:
    """A clean shutdown: stop the reconciler, mark this worker stopped."""
    if _flask_app is None or not _worker:
        return
    stop_reconciler(_flask_app, _worker["name"])

"""``judgebox worker`` and ``judgebox serve``: the judging service's commands.

- ``judgebox worker``: a Celery worker (concurrency = boxes = cores by default), consuming
  the queues in priority order; self-tests its languages first and reports them.
- ``judgebox serve``: the whole stack on one machine for a user trying it: Redis (a local
  ``redis-server`` is started when none answers at ``REDIS_URL``), a worker, the web app
  (threaded WSGI server); prints the URL; Ctrl-C stops what it started.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import click

from ._common import web_app

__all__ = ["serve_command", "worker_command"]


# --- judgebox worker -------------------------------------------------------------------------

def _default_name(pid: int | None = None) -> str:
    """``judgebox-<pid>.<pid namespace>@<host>`` (of this process, or of ``pid``, a child in
    this pid namespace): containers on the host's network share its host name and their
    workers' pids are alike (``--scale worker=2`` made two workers of one name); the pid
    namespace tells them apart."""
    try:
        namespace = f".{os.stat('/proc/self/ns/pid').st_ino:x}"
    except OSError:
        namespace = ""
    return f"judgebox-{pid or os.getpid()}{namespace}@{socket.gethostname()}"


@click.command("worker")
@click.option("--concurrency", "-c", type=click.IntRange(min=1), default=None,
              help="Boxes judged at once [default: the number of cores].")
@click.option("--queues", "-Q", default=None,
              help="Queues to consume, in priority order [default: interactive,batch].")
@click.option("--hostname", "-n", default=None, help="This worker's name.")
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@click.option("--quiet", "-q", is_flag=True, help="No start-up banner.")
def worker_command(concurrency: int | None, queues: str | None, hostname: str | None,
                   loglevel: str, quiet: bool) -> None:
    """Start a judging worker (Celery, Redis broker) with judgebox's defaults."""
    import warnings

    from celery.exceptions import SecurityWarning

    app = web_app()
    from worker.service import lifecycle

    lifecycle.bind_flask_app(app)
    celery_app = app.extensions["celery"]
    queues = queues or ",".join(app.config["QUEUES"])
    name = hostname or _default_name()
    # The sandbox needs root; tasks carry JSON only (no pickle), the case Celery warns about.
    warnings.filterwarnings("ignore", category=SecurityWarning)
    celery_app.worker_main([
        *(["--quiet"] if quiet else []),
        "worker", f"--concurrency={concurrency or os.cpu_count() or 1}",
        f"--queues={queues}", f"--hostname={name}", f"--loglevel={loglevel}",
        "--pool=prefork", "--optimization=fair", "--without-gossip", "--without-mingle",
    ])


# --- judgebox serve --------------------------------------------------------------------------

def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


def _start_redis(url: str, data_dir: Path) -> subprocess.Popen:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise click.ClickException(f"no Redis answers at {url}, and it is not local")
    binary = shutil.which("redis-server")
    if binary is None:
        raise click.ClickException(f"no Redis answers at {url} and redis-server is not "
                                   "installed (apt-get install redis-server)")
    work = data_dir / "redis"
    work.mkdir(parents=True, exist_ok=True)
    log = open(work / "redis.log", "ab")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1" if host == "localhost" else host,
         "--dir", str(work), "--appendonly", "yes", "--save", "", "--daemonize", "no",
         "--protected-mode", "yes"], stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    deadline = time.monotonic() + 10
    while not _redis_answers(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop(proc, "redis-server")
            raise click.ClickException(f"redis-server did not start (see {work}/redis.log)")
        time.sleep(0.05)
    return proc


def _stop(proc: subprocess.Popen | None, what: str, grace_s: float = 15.0) -> None:
    """SIGTERM the process (and its session, which it leads), then SIGKILL after a grace."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(grace_s)
    except subprocess.TimeoutExpired:
        click.echo(f"judgebox: {what} did not stop in {grace_s:g} s: killing it", err=True)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
    try:  # whatever of its session is left (pool processes of a killed worker)
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _exit_with(parent: int):
    """A ``preexec_fn``: the child gets SIGTERM when ``parent`` dies, however it dies (a
    worker started by ``serve`` must not outlive a ``kill -9`` of serve and pile up with the
    next serve's worker). SIGTERM is Celery's warm shutdown: running judgements finish."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)  # loaded here: the child only calls it

    def arrange() -> None:
        if libc.prctl(1, int(signal.SIGTERM), 0, 0, 0) != 0:  # PR_SET_PDEATHSIG
            os._exit(1)
        if os.getppid() != parent:  # it died before the line above took effect
            os._exit(1)
    return arrange


def _wait_for_worker(app, worker: subprocess.Popen, timeout_s: float) -> list[str]:
    from worker.store import registry

    store = app.extensions["judgebox_store"]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise click.ClickException(f"the worker exited (status {worker.returncode})")
        live = registry.live_workers(store, float(app.config["WORKER_STALE"]))
        mine = [w for w in live if w.name == _default_name(worker.pid)]
        if mine:
            return [lang["id"] for lang in mine[0].languages if lang.get("enabled")]
        time.sleep(0.2)
    raise click.ClickException("the worker did not report itself in time")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=2358, show_default=True,
              help="Port (2358 is Judge0's).")
@click.option("--concurrency", "-c", type=click.IntRange(min=1), default=None,
              help="The worker's boxes at once [default: the number of cores].")
def serve_command(host: str, port: int, concurrency: int | None) -> None:
    """Run Redis (if none answers), a worker and the web app; print the URL."""
    from werkzeug.serving import make_server

    app = web_app()
    redis_url = app.config["REDIS_URL"]
    procs: list[tuple[subprocess.Popen, str]] = []
    stopping = threading.Event()

    def on_signal(signum, _frame):
        stopping.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    server = None
    try:
        if not _redis_answers(redis_url):
            click.echo(f"judgebox: starting redis-server for {redis_url}", err=True)
            procs.append((_start_redis(redis_url, Path(app.config["DATA_DIR"])),
                          "redis-server"))
        worker_argv = [sys.executable, "-m", "worker.cli", "worker",
                       f"--concurrency={concurrency or os.cpu_count() or 1}",
                       "--loglevel=WARNING", "--quiet"]
        worker = subprocess.Popen(worker_argv, start_new_session=True,
                                  preexec_fn=_exit_with(os.getpid()))
        procs.append((worker, "worker"))
        try:
            server = make_server(host, port, app, threaded=True)
        except OSError as exc:
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from exc
        threading.Thread(target=server.serve_forever, daemon=True).start()
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{port}"
        click.echo(f"judgebox: web app on {url} (waiting for the worker's language "
                   "self-tests)", err=True)
        languages = _wait_for_worker(app, worker, 1800)
        click.echo(f"judgebox: ready on {url}  (pages at /, Judge0 API at /, native API at "
                   f"/api/v1; {len(languages)} languages: {', '.join(languages)})")
        sys.stdout.flush()
        while not stopping.is_set():
            if worker.poll() is not None:
                raise click.ClickException(f"the worker exited (status {worker.returncode})")
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        click.echo("judgebox: stopping", err=True)
        if server is not None:
            server.shutdown()
        for proc, what in reversed(procs):
            _stop(proc, what)

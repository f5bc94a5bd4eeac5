"""Helpers of the service tests: a real redis-server, real Celery worker processes, a live web
server, each on a free port in a temp dir, each stopped by the pid it was started with (never
by name): processes other sessions run on this machine are never touched.

Loaded by ``tests/service/conftest.py`` and ``tests/web/conftest.py``.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LANGUAGES = "c,python3,multi"  # what the test workers self-test and offer (fast to check)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, interval: float = 0.05, what: str = "condition"):
    """Poll ``predicate`` until it returns a true value (returned) or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def stop_process(proc: subprocess.Popen | None, grace: float = 10.0) -> None:
    """Stop a process this test session started, with its process group (it leads one)."""
    if proc is None:
        return
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):  # pool processes left behind, if any
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(5)


def example_zip(name: str, top: str | None = None, root: Path | None = None) -> bytes:
    """``examples/<name>`` (or the package at ``root``) as a problem package zip (its files
    under ``<top>/``, by default ``<name>/``)."""
    buffer = io.BytesIO()
    root = root or REPO / "examples" / name
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(root.rglob("*")):
            zf.write(path, f"{top or name}/{path.relative_to(root)}")
    return buffer.getvalue()


_READERS: list[list[str]] = []  # the open files_read() contexts


def _audit(event: str, args: tuple) -> None:
    if event != "open" or not _READERS or not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    mode, flags = args[1], args[2]
    reading = "r" in mode and "+" not in mode if isinstance(mode, str) else \
        isinstance(flags, int) and flags & os.O_ACCMODE == os.O_RDONLY
    if reading:
        for seen in _READERS:
            seen.append(os.fsdecode(args[0]))


@contextlib.contextmanager
def files_read():
    """The paths this process opens for reading inside the ``with`` (any thread's, the
    in-process web server's too), seen by a Python audit hook: what a view really read."""
    if not getattr(files_read, "hooked", False):
        sys.addaudithook(_audit)  # hooks stay for the process: it records only inside
        files_read.hooked = True
    seen: list[str] = []
    _READERS.append(seen)
    try:
        yield seen
    finally:
        _READERS.remove(seen)


def _live_processes() -> dict[int, tuple[int, int]]:
    """Every live (not zombie) process: pid -> (parent pid, process group)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            found[int(entry)] = (int(fields[1]), int(fields[2]))
    return found


def group_members(pgid: int) -> list[int]:
    """Live processes of process group ``pgid``."""
    return [pid for pid, (_, group) in _live_processes().items() if group == pgid]


def children(pid: int) -> list[int]:
    """Live processes whose parent is ``pid``."""
    return [child for child, (parent, _) in _live_processes().items() if parent == pid]


def descendants(pid: int) -> list[int]:
    """Live processes below ``pid`` (children, their children...)."""
    parents = {child: parent for child, (parent, _) in _live_processes().items()}
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == parent]
        found += kids
        frontier += kids
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` is a live (not zombie) process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class RedisServer:
    """A private redis-server on a free port, its files in ``directory``."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.port = free_port()
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.log = open(directory / "redis.log", "wb")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(directory),
             "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(self._answers, 10, what="redis-server")

    def url(self, db: int = 0) -> str:
        """The URL of database ``db``."""
        return f"redis://127.0.0.1:{self.port}/{db}"

    def _answers(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"redis-server exited: {(self.directory / 'redis.log').read_text()}")
        with contextlib.suppress(OSError), \
                socket.create_connection(("127.0.0.1", self.port), 1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
        return False

    def stop(self) -> None:
        """Stop it (by its pid)."""
        stop_process(self.proc)
        self.log.close()


# --- a throwaway PostgreSQL cluster ---------------------------------------------------------

def postgres_bindir() -> Path | None:
    """Where PostgreSQL's server programs (initdb, pg_ctl) are: ``$JUDGEBOX_PG_BINDIR``, the
    PATH, ``pg_config --bindir``, else the newest ``/usr/lib/postgresql/<ver>/bin`` (Debian
    keeps them there, off the PATH); None when PostgreSQL's server is not installed."""
    candidates = []
    if os.environ.get("JUDGEBOX_PG_BINDIR"):
        candidates.append(Path(os.environ["JUDGEBOX_PG_BINDIR"]))
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb")).resolve().parent)
    if shutil.which("pg_config"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                                 timeout=10).stdout.strip()
            if out:
                candidates.append(Path(out))

    def version(path: Path) -> tuple:
        return tuple(int(p) if p.isdigit() else 0 for p in path.parent.name.split("."))

    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    return None


def postgres_unavailable() -> str | None:
    """Why the PostgreSQL tests cannot run here (None: they can)."""
    import importlib.util
    import pwd

    if postgres_bindir() is None:
        return ("PostgreSQL's server is not installed (apt-get install postgresql: initdb and "
                "pg_ctl were found neither on the PATH nor in /usr/lib/postgresql/*/bin)")
    try:
        pwd.getpwnam(PostgresCluster.USER)
    except KeyError:
        return "no 'postgres' user to run the cluster as (apt-get install postgresql makes it)"
    if importlib.util.find_spec("psycopg") is None:
        return "psycopg is not installed (pip install -e '.[test]' or '.[postgres]')"
    return None


class PostgresCluster:
    """A PostgreSQL cluster of its own: ``initdb`` and ``pg_ctl`` run as the ``postgres`` user
    into a temp dir, the server on a free port of 127.0.0.1 (password auth) with its unix
    socket in that dir; :meth:`stop` stops it with ``pg_ctl`` (then by the postmaster's pid).
    No system service is used or touched."""

    USER = "postgres"

    def __init__(self, bindir: Path) -> None:
        import pwd
        import secrets
        import tempfile

        self.bindir = bindir
        owner = pwd.getpwnam(self.USER)
        self._ids = (owner.pw_uid, owner.pw_gid)
        # not under pytest's tmp dirs: they are private to root (0700), and the server runs
        # as postgres; /tmp is reachable by every user
        self.directory = Path(tempfile.mkdtemp(prefix="judgebox-pg-"))
        os.chown(self.directory, *self._ids)
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        self.password = secrets.token_hex(16)
        self.port = free_port()
        pwfile = self.directory / "pw"
        pwfile.write_text(self.password + "\n")
        os.chown(pwfile, *self._ids)
        self._as_postgres(["initdb", "-D", str(self.data), "-U", self.USER, "-E", "UTF8",
                           "--locale=C", "--no-sync", "--auth-local=trust",
                           "--auth-host=scram-sha-256", f"--pwfile={pwfile}"], 120)
        pwfile.unlink()
        self.start()

    def start(self) -> None:
        """Start the server (again: after :meth:`pause`) on its port."""
        options = (f"-c port={self.port} -c listen_addresses=127.0.0.1 "
                   f"-c unix_socket_directories={self.directory} -c fsync=off "
                   "-c max_connections=100")
        self._as_postgres(["pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                           "-w", "-t", "60", "start"], 90)
        self.pid = int((self.data / "postmaster.pid").read_text().split()[0])

    def pause(self) -> None:
        """Stop the server (fast: every connection is cut); its files stay for :meth:`start`."""
        self._as_postgres(["pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30",
                           "stop"], 60)

    def _as_postgres(self, argv: list[str], timeout: float) -> None:
        argv = [str(self.bindir / argv[0]), *argv[1:]]
        result = subprocess.run(argv, user=self._ids[0], group=self._ids[1], extra_groups=[],
                                cwd=self.directory, capture_output=True, text=True,
                                timeout=timeout, env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{argv[0]} failed ({result.returncode}): {result.stdout}"
                               f"{result.stderr}{log}")

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` (over TCP, with the password)."""
        return (f"postgresql+psycopg://{self.USER}:{self.password}@127.0.0.1:{self.port}"
                f"/{database}")

    def create_database(self, name: str) -> str:
        """Create an empty database; its URL."""
        import psycopg

        with psycopg.connect(host=str(self.directory), port=self.port, user=self.USER,
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (pg_ctl, fast mode; SIGKILL to its postmaster if that fails) and
        remove its files."""
        try:
            self.pause()
        except (RuntimeError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            wait_until(lambda: not alive(self.pid), 10, what="postmaster to exit")
        shutil.rmtree(self.directory, ignore_errors=True)


def service_env(data_dir: Path, redis_url: str, **extra: object) -> dict[str, str]:
    """The environment of a worker (or ``judgebox serve``) of a test stack."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUDGEBOX_")
           and k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({
        "JUDGEBOX_DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir}/judgebox.sqlite3",
        "REDIS_URL": redis_url,
        "JUDGEBOX_CACHE_DIR": str(data_dir / "cache"),
        "JUDGEBOX_WORKER_LANGUAGES": LANGUAGES,
        "JUDGEBOX_RECONCILE_INTERVAL": "1",
        "JUDGEBOX_LEASE_MARGIN": "2",
        "JUDGEBOX_QUEUED_TIMEOUT": "3",
        "PYTHONPATH": str(REPO),
    })
    for key in ("JUDGEBOX_RUN_DIR", "JUDGEBOX_UID_BASE", "JUDGEBOX_MAX_BOXES",
                "JUDGEBOX_TEMPLATES"):
        if key in os.environ:
            env[key] = os.environ[key]
    env.update({k: str(v) for k, v in extra.items()})
    return env


def app_config(data_dir: Path, redis_url: str, **extra: object) -> dict:
    """The test config of an in-process web app sharing a stack's store and broker."""
    config = {
        "DATA_DIR": str(data_dir), "DATABASE_URL": f"sqlite:///{data_dir}/judgebox.sqlite3",
        "REDIS_URL": redis_url, "CACHE_DIR": str(data_dir / "cache"), "TESTING": True,
        "RECONCILE_INTERVAL": 1, "LEASE_MARGIN": 2, "QUEUED_TIMEOUT": 3,
    }
    config.update(extra)
    return config


def start_worker(env: dict[str, str], name: str, log_dir: Path, concurrency: int = 1,
                 queues: str | None = None) -> subprocess.Popen:
    """A real Celery worker process (``judgebox worker``), leader of its own process group."""
    argv = [sys.executable, "-m", "worker.cli", "worker", f"--concurrency={concurrency}",
            f"--hostname={name}", "--loglevel=INFO"]
    if queues:
        argv.append(f"--queues={queues}")
    log = open(log_dir / f"{name.split('@')[0]}.log", "ab")
    _started[name] = _utcnow()
    return subprocess.Popen(argv, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


_started: dict = {}  # worker name -> when this module last started a worker of that name


def _utcnow():
    from worker.store.db import utcnow

    return utcnow()


def wait_for_worker(store, name: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Until the worker has reported its languages (after its self-test) and consumes: this
    start of it, not the record a killed worker of the same name left (still live for a
    while, languages and all)."""
    from worker.store import registry

    since = _started.get(name)

    def ready():
        if proc.poll() is not None:
            raise RuntimeError(f"worker {name} exited with {proc.returncode}")
        return any(w.name == name and w.languages
                   and (since is None or w.started_at >= since.replace(microsecond=0))
                   for w in registry.live_workers(store, 60))

    wait_until(ready, timeout, 0.1, what=f"worker {name}")
    time.sleep(0.3)  # its consumer subscribes right after it reported


class LiveServer:
    """The Flask app served over HTTP on a free port (a threaded WSGI server in this process)."""

    def __init__(self, app) -> None:
        from werkzeug.serving import make_server

        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.thread.join(5)


# --- a whole stack ---------------------------------------------------------------------

@dataclass
class Stack:
    """A running judgebox: broker, store, workers, the app and its live server."""

    redis: RedisServer
    data_dir: Path
    app: object
    server: LiveServer | None
    workers: dict
    env: dict

    @property
    def store(self):
        return self.app.extensions["judgebox_store"]

    @property
    def url(self) -> str:
        return self.server.url

    def client(self):
        return self.app.test_client()


def build_stack(tmp_path_factory, redis_server, db: int, name: str, workers: int = 1,
                concurrency: int = 2, serve: bool = True, **config) -> Stack:
    """Start a stack on redis database ``db``: ``workers`` worker processes, the app."""
    from web import create_app

    data_dir = tmp_path_factory.mktemp(name)
    url = redis_server.url(db)
    env = service_env(data_dir, url, **{f"JUDGEBOX_{k}": (
        "true" if v is True else "false" if v is False else v) for k, v in config.items()})
    app = create_app(app_config(data_dir, url, **config))
    procs = {}
    host = socket.gethostname()
    for i in range(workers):
        worker_name = f"{name}-w{i + 1}@{host}"
        procs[worker_name] = start_worker(env, worker_name, data_dir, concurrency=concurrency)
    for worker_name, proc in procs.items():
        wait_for_worker(app.extensions["judgebox_store"], worker_name, proc)
    server = LiveServer(app) if serve else None
    return Stack(redis_server, data_dir, app, server, procs, env)


def stop_stack(stack: Stack) -> None:
    """Stop what the stack started (by pid), the workers all at once."""
    if stack.server is not None:
        stack.server.stop()
    threads = [threading.Thread(target=stop_process, args=(proc,))
               for proc in stack.workers.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

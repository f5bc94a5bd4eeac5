"""``judgebox serve``, ``judgebox worker`` and ``judgebox token``: the judging service's commands.

- ``judgebox worker``: a Celery worker (concurrency = boxes = cores by default), consuming
  the queues in priority order; self-tests its languages first and reports them.
- ``judgebox serve``: the whole stack on one machine for a user trying it: Redis (a local
  ``redis-server`` is started when none answers at ``REDIS_URL``), a worker, the web app
  (threaded WSGI server); prints the URL; Ctrl-C stops what it started.
- ``judgebox token create|update|revoke|list``: API tokens and their scopes.
- ``judgebox users import|list|create|passwd``: accounts (class lists).
"""

from __future__ import annotations

import json
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

__all__ = ["serve_command", "worker_command", "token_group", "cli"]


def _app():
    from web import create_app

    try:
        return create_app()
    except Exception as exc:  # the store could not be opened or migrated
        raise click.ClickException(" ".join(str(exc).split())) from exc


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

    app = _app()
    from worker import tasks

    tasks.bind_flask_app(app)
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
    from worker import registry

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

    app = _app()
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
        worker_argv = [sys.executable, "-m", "web.cli", "worker",
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


# --- judgebox token --------------------------------------------------------------------------

@click.group("token")
def token_group() -> None:
    """Create, change, revoke and list API tokens."""


def _check_rate_limit(rate_limit: str | None) -> None:
    if rate_limit:
        from limits import parse_many

        try:
            parse_many(rate_limit)
        except ValueError as exc:
            raise click.ClickException(f"bad rate limit {rate_limit!r}: {exc}") from exc


_SCOPE_HELP = ("What the token may do: submit (submissions and batches, its own), problems "
               "(upload problems, manage its own, see their hidden data; implies submit), "
               "admin (everything). Repeat or comma-separate. [default: submit]")


def _scope_list(values: tuple[str, ...]) -> list[str]:
    return [s for value in values for s in value.split(",") if s.strip()]


@token_group.command("create")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, metavar="SCOPE", help=_SCOPE_HELP)
@click.option("--rate-limit", default=None, metavar="LIMIT",
              help='This token\'s limit on creating submissions, e.g. "100/minute".')
@click.option("--user", "username", default=None, metavar="USERNAME",
              help="The account the token belongs to: it acts as that account, its scopes "
                   "within the account's role.")
@click.option("--value", default=None, metavar="SECRET",
              help="Use this value as the token (an existing Judge0 deployment's token, so "
                   "that its clients need no change); at least 8 characters. Also read from "
                   "$JUDGEBOX_TOKEN_VALUE, which keeps it out of the process list.")
def token_create(name: str, scopes: tuple[str, ...], rate_limit: str | None,
                 username: str | None, value: str | None) -> None:
    """Create a token NAME; prints the token (shown only this once)."""
    from worker.tokens import TokenError, create_token
    from worker.users import get_user

    _check_rate_limit(rate_limit)
    value = value if value is not None else os.environ.get("JUDGEBOX_TOKEN_VALUE") or None
    store = _app().extensions["judgebox_store"]
    user = get_user(store, username) if username else None
    if username and user is None:
        raise click.ClickException(f"no user named {username!r}")
    try:
        _row, secret = create_token(store, name, rate_limit,
                                    _scope_list(scopes) or ["submit"], value,
                                    user.id if user else None)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(secret)


@token_group.command("update")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, metavar="SCOPE",
              help="The token's new scopes (they replace the old ones): submit, problems, "
                   "admin.")
@click.option("--rate-limit", default=None, metavar="LIMIT",
              help='A new limit on creating submissions ("" for the default).')
def token_update(name: str, scopes: tuple[str, ...], rate_limit: str | None) -> None:
    """Change the scopes or the rate limit of the token NAME (or id)."""
    from worker.tokens import TokenError, update_token

    if not scopes and rate_limit is None:
        raise click.UsageError("nothing to change: give --scope and/or --rate-limit")
    _check_rate_limit(rate_limit)
    try:
        row = update_token(_app().extensions["judgebox_store"], name,
                           _scope_list(scopes) or None, rate_limit)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{row.name}: scopes {row.scopes}; {row.rate_limit or 'default limit'}")


@token_group.command("revoke")
@click.argument("name")
def token_revoke(name: str) -> None:
    """Revoke the token NAME (or id): it stops working at once."""
    from worker.tokens import TokenError, revoke_token

    try:
        row = revoke_token(_app().extensions["judgebox_store"], name)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"revoked {row.name}")


@token_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def token_list(as_json: bool) -> None:
    """List the tokens (never the secrets)."""
    from worker.tokens import list_tokens

    rows = list_tokens(_app().extensions["judgebox_store"])
    data = [{"id": r.id, "name": r.name, "prefix": r.prefix, "scopes": r.scopes.split(),
             "rate_limit": r.rate_limit,
             "created_at": r.created_at.isoformat(timespec="seconds") + "Z",
             "revoked": r.revoked_at is not None} for r in rows]
    if as_json:
        click.echo(json.dumps(data, indent=1))
        return
    for row in data:
        state = "revoked" if row["revoked"] else "active"
        click.echo(f"{row['id']:>4}  {row['name']:<24} {row['prefix']}...  {state:<8} "
                   f"{','.join(row['scopes']):<22} {row['rate_limit'] or 'default limit'}  "
                   f"{row['created_at']}")


# --- judgebox users -------------------------------------------------------------------------

@click.group("users")
def users_group() -> None:
    """Accounts: import a class list, list, create, give a new password."""


@users_group.command("import")
@click.argument("class_list", type=click.File("r", encoding="utf-8-sig"), metavar="CLASS.csv")
@click.option("--course", default=None, metavar="NAME",
              help="Also put everyone in this course (made when it does not exist): "
                   "instructors as instructors, the others as students.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
def users_import(class_list, course: str | None, as_json: bool) -> None:
    """Create or update the accounts of CLASS.csv (columns username,name,email,role and an
    optional password, a header line first). Passwords generated for new accounts are
    printed once: hand them out."""
    from worker import users

    store = _app().extensions["judgebox_store"]
    try:
        if course and users.get_course(store, course) is None:
            users.create_course(store, course)
            click.echo(f"made the course {course}", err=True)
        done = users.import_users(store, class_list.read(), course)
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps({"created": [{"username": n, "password": p or None}
                                           for n, p in done.created],
                               "updated": done.updated}, indent=1))
        return
    for name, password in done.created:
        click.echo(f"{name}\t{password or '(the password of the list)'}")
    click.echo(f"{len(done.created)} created, {len(done.updated)} updated", err=True)


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def users_list(as_json: bool) -> None:
    """List the accounts (never their passwords)."""
    from worker import users

    rows = [users.user_json(u) for u in users.list_users(_app().extensions["judgebox_store"])]
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    for row in rows:
        click.echo(f"{row['username']:<20} {row['role']:<11} {row['name']:<30} {row['email']}")


@users_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "instructor", "student"]),
              default="student", show_default=True)
@click.option("--name", default="")
@click.option("--email", default="")
def users_create(username: str, role: str, name: str, email: str) -> None:
    """Make an account; prints its generated password once."""
    from worker import users

    try:
        _user, password = users.create_user(_app().extensions["judgebox_store"], username,
                                            role, name, email)
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(password)


@users_group.command("passwd")
@click.argument("username")
def users_passwd(username: str) -> None:
    """Give USERNAME a new generated password; prints it once."""
    from worker import users

    try:
        click.echo(users.set_password(_app().extensions["judgebox_store"], username))
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
def cli() -> None:
    """judgebox's service commands (until worker.cli registers them)."""


cli.add_command(worker_command)
cli.add_command(serve_command)
cli.add_command(token_group)
cli.add_command(users_group)

if __name__ == "__main__":
    cli()

"""``judgebox verify`` of an uploaded package, in the background: its report goes to
``<DATA_DIR>/verify/<problem>-<sha256>.txt`` (``.running`` while it runs), which the admin
page shows. It runs as a child process (the sandbox needs root, as the workers do).

A package that gives no time limit gets the one verify derives as Kattis does (the slowest
accepted run times ``ac_to_time_limit``, rounded up): when verify succeeds, the problem takes
it, unless it has one meanwhile or its package changed."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path

from flask import current_app
from sqlalchemy import update

from worker.store import Store
from worker.store.db import Problem

from .. import services
from . import _data

__all__ = ["start", "report"]

VERIFY_TIMEOUT = 600  # seconds


def _dir() -> Path:
    path = Path(current_app.instance_path) / "verify"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _name(problem: Problem) -> str:
    return f"{problem.name}-{problem.package_sha256}"


_DERIVED = re.compile(r"^the package gives no time limit:\ntime limit ([0-9.]+) s ", re.M)


def _run(argv: list[str], running: Path, done: Path, store: Store, problem_id: int,
         digest: str) -> None:
    try:
        result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                timeout=VERIFY_TIMEOUT, start_new_session=True)
        output = result.stdout.decode("utf-8", "replace")
        status = "ok" if result.returncode == 0 else "failed"
    except subprocess.TimeoutExpired as exc:
        output = (exc.stdout or b"").decode("utf-8", "replace")
        status = f"timed out after {VERIFY_TIMEOUT} s"
    derived = _DERIVED.search(output) if status == "ok" else None
    if derived:
        _take_time_limit(store, problem_id, digest, float(derived.group(1)))
    done.write_text(f"{status}\n{output}")
    running.unlink(missing_ok=True)


def _take_time_limit(store: Store, problem_id: int, digest: str, seconds: float) -> None:
    """The problem takes the derived limit if it still has this package and no limit."""
    with store.write() as session:
        session.execute(update(Problem).where(
            Problem.id == problem_id, Problem.package_sha256 == digest,
            Problem.time_limit_ms.is_(None)).values(time_limit_ms=round(seconds * 1000)))


def start(problem: Problem) -> None:
    """Verify ``problem``'s package in the background (once per package)."""
    base = _dir() / _name(problem)
    running, done = base.with_suffix(".running"), base.with_suffix(".txt")
    if done.exists() or running.exists():
        return
    running.write_text("")
    root = _data.package_root(problem)
    argv = [sys.executable, "-m", "worker.cli", "verify", str(root)]
    threading.Thread(target=_run, args=(argv, running, done, services.store(), problem.id,
                                        problem.package_sha256), daemon=True).start()


def report(problem: Problem) -> tuple[str, str]:
    """(``running`` | ``ok`` | ``failed`` | ``none`` | ``timed out...``, the report)."""
    base = _dir() / _name(problem)
    if base.with_suffix(".txt").exists():
        status, _, output = base.with_suffix(".txt").read_text().partition("\n")
        return status, output
    if base.with_suffix(".running").exists():
        return "running", ""
    return "none", ""

"""A judge's secrets never reach a box (issue 9): its environment and its open files.

A worker's environment holds the broker's and the database's URLs with their passwords, and the
worker has sockets (Redis, the database) and files open while it runs boxes. Here a fresh judge
process (so that its fork server, too, starts from that environment) gets such an environment
and such fds, all inheritable, then runs: a shell box (``sandbox.run``, default template), a
Python program through ``worker.core.compile`` (its language's box), and a C compile whose source
includes ``/proc/self/environ``. Each box prints its environment and its open fds; none may
show a secret, a variable the template does not set, or an fd beyond 0, 1 and 2.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
              pytest.mark.timeout(60)]

REPO = Path(__file__).resolve().parents[2]

# Runs in the fresh judge process: argv[1] is the listener's port, argv[2] a work directory.
JUDGE = r'''
import json, os, socket, sys
from pathlib import Path
from sandbox import Limits, SandboxSpec, run
from worker.core.compile import compile_program, run_program
from worker.core.languages import get_language

port, workdir = int(sys.argv[1]), Path(sys.argv[2])
held = []  # what a worker has open while it judges: a broker connection, files, a pipe
conn = socket.create_connection(("127.0.0.1", port))
held.append(conn.fileno())
secret_file = open(workdir / "secret.txt", "w+")
secret_file.write(os.environ["DATABASE_URL"])
secret_file.flush()
held.append(secret_file.fileno())
held.extend(os.pipe())
for fd in held:
    os.set_inheritable(fd, True)

limits = Limits(cpu_time_ms=2000, wall_time_ms=4000, memory_kib=131072, processes=8)
SHELL = ("env; echo ==fds==; "
         "for f in /proc/self/fd/*; do echo \"${f##*/} $(readlink $f)\"; done")
shell = run(SandboxSpec(("/bin/sh", "-c", SHELL), limits))
PY = b"""import os
for k, v in sorted(os.environ.items()):
    print(f"{k}={v}")
print("==fds==")
for fd in sorted(os.listdir("/proc/self/fd"), key=int):
    try:
        print(fd, os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        pass
"""
program = compile_program(get_language("python3"), PY, workdir)
python = run_program(program, limits)
compiled = compile_program(get_language("c"), b'#include "/proc/self/environ"\n', workdir)
print(json.dumps({
    "held": held,
    "shell": [shell.status.value, shell.stdout.decode(), shell.stderr.decode()],
    "python": [python.status.value, python.stdout.decode(), python.stderr.decode()],
    "compile": [compiled.ok, compiled.report()],
}))
'''


def _fds(listing: str) -> dict[str, str]:
    """``{fd: target}`` from the lines after ``==fds==``."""
    after = listing.split("==fds==\n", 1)[1]
    return dict(line.split(" ", 1) for line in after.splitlines() if " " in line)


def _env(listing: str) -> dict[str, str]:
    before = listing.split("==fds==\n", 1)[0]
    return dict(line.split("=", 1) for line in before.splitlines() if "=" in line)


def test_a_box_sees_none_of_the_judges_secrets(tmp_path, settled_leftovers, canary):
    password = secrets.token_hex(8)
    env = dict(os.environ,
               REDIS_URL=f"redis://:{password}@127.0.0.1:6379/0",
               CELERY_BROKER_URL=f"redis://:{password}@127.0.0.1:6379/1",
               DATABASE_URL=f"postgresql://judge:{password}@db.internal/judgebox",
               JUDGEBOX_SECRET_KEY=password, AWS_SECRET_ACCESS_KEY=password,
               PYTHONPATH=str(REPO))
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        result = subprocess.run([sys.executable, "-c", JUDGE, str(port), str(tmp_path)],
                                env=env, cwd=REPO, capture_output=True, text=True, timeout=50)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.splitlines()[-1])
    problems = []
    for name in ("shell", "python"):
        status, stdout, stderr = report[name]
        if status != "OK" or "==fds==" not in stdout:
            problems.append(f"{name} box: {status} {stdout[-500:]!r} {stderr[-500:]!r}")
            continue
        if password in stdout or password in stderr:
            problems.append(f"{name} box: the secret is in its output")
        leaked = sorted(set(_env(stdout)) & {"REDIS_URL", "CELERY_BROKER_URL", "DATABASE_URL",
                                             "JUDGEBOX_SECRET_KEY", "AWS_SECRET_ACCESS_KEY",
                                             "PYTHONPATH", "PYTEST_CURRENT_TEST"})
        if leaked:
            problems.append(f"{name} box: the judge's variables {leaked}")
        fds = _fds(stdout)
        # the listing's own fd (the shell's glob, Python's listdir) is gone by the time
        # readlink runs (an empty target) or is /proc's
        extra = {fd: t for fd, t in fds.items() if fd not in ("0", "1", "2")
                 and t.strip() and not t.startswith("/proc/")}
        if extra:
            problems.append(f"{name} box: fds beyond 0-2: {extra} "
                            f"(the judge held {report['held']})")
        if any("socket:" in t or "secret.txt" in t for t in fds.values()):
            problems.append(f"{name} box: holds the judge's socket or file: {fds}")
    _ok, compile_report = report["compile"]
    if password in compile_report or "DATABASE_URL" in compile_report:
        problems.append(f"compile box: the judge's environment in the compiler's messages: "
                        f"{compile_report[-800:]!r}")
    problems += settled_leftovers()
    assert not problems, "\n".join(problems)

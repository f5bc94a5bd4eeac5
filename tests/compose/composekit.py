"""A Docker engine of the test's own, a base image made from Debian's archive, a wheelhouse.

No registry can be reached from these machines, and a Docker engine already running on one is
not ours: ``Engine`` starts a ``dockerd`` with its own data root, exec root and socket, no
bridge and no iptables rules (every container uses the host's network, so all traffic stays on
loopback), and cgroups beneath this process's own (``--cgroup-parent``); ``stop`` ends that
dockerd by its pid and removes what it left. ``base_image`` is ``debootstrap --variant=minbase
bookworm`` imported as an image (what ``debian:bookworm-slim`` is, built from the archive);
``wheelhouse`` is ``pip wheel`` of judgebox and its pinned dependencies, served on loopback to
the builds (``PIP_NO_INDEX`` and ``PIP_FIND_LINKS``, pip's own settings, as build arguments).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# JUDGEBOX_TEST_DOCKER names another engine (its paths and cgroup), for a second one on the
# machine: e.g. one kept between runs while another suite runs its own.
NAME = os.environ.get("JUDGEBOX_TEST_DOCKER", "judgebox-test-docker")
# In memory: image builds and debootstrap run dpkg, whose fsyncs cost minutes on a disk that
# other work shares; everything here is thrown away after the test (about 3 GB at its peak).
SCRATCH = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path("/var/tmp")
DATA_ROOT = SCRATCH / NAME
EXEC_ROOT = Path("/run") / NAME
SOCKET = EXEC_ROOT / "docker.sock"
MIRROR = "http://deb.debian.org/debian"


def docker_client() -> str | None:
    """Debian's docker client (docker.io) first, else whichever is on the PATH."""
    return "/usr/bin/docker" if Path("/usr/bin/docker").exists() else shutil.which("docker")


def missing() -> list[str]:
    """What this machine lacks for the compose test, each with how to get it."""
    wanted = {"dockerd": "apt-get install docker.io", "docker-compose":
              "apt-get install docker-compose", "debootstrap": "apt-get install debootstrap"}
    gaps = [f"{tool} ({how})" for tool, how in wanted.items()
            if shutil.which(tool) is None and not Path("/usr/sbin", tool).exists()]
    if docker_client() is None:
        gaps.append("a docker client (apt-get install docker.io)")
    return gaps


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cgroup_parent() -> str:
    """Beneath this process's own cgroup: its memory cgroup on v1 (the hierarchy where this
    machine's own cgroup is not the root), its v2 cgroup otherwise."""
    own = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for c in controllers.split(",") if controllers else [""]:
                own[c] = path
    base = own.get("memory", own.get("", "/"))
    return os.path.join(base, f"{NAME}-{os.getpid()}")


class Engine:
    """Our own dockerd (see the module's docstring)."""

    def __init__(self, log: Path) -> None:
        self.cgroup_parent = cgroup_parent()
        self.env = dict(os.environ, DOCKER_HOST=f"unix://{SOCKET}", DOCKER_BUILDKIT="0",
                        COMPOSE_DOCKER_CLI_BUILD="0")
        if Path(f"/proc/{self._pid_on_file()}").exists():
            raise RuntimeError(f"a dockerd of this test already runs (pid file in {EXEC_ROOT})")
        EXEC_ROOT.mkdir(parents=True, exist_ok=True)
        self.new_cgroups = _missing_cgroup_dirs(self.cgroup_parent)
        self.log = log
        self.process = subprocess.Popen(
            [shutil.which("dockerd") or "/usr/sbin/dockerd", "--data-root", str(DATA_ROOT),
             "--exec-root", str(EXEC_ROOT), "--pidfile", str(EXEC_ROOT / "dockerd.pid"),
             "-H", f"unix://{SOCKET}", "--bridge=none", "--iptables=false",
             "--ip-masq=false", "--storage-driver=overlay2",
             "--exec-opt", "native.cgroupdriver=cgroupfs", "--cgroup-parent", self.cgroup_parent],
            stdin=subprocess.DEVNULL, stdout=log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 60
        while self.docker("info", check=False).returncode != 0:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"dockerd did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)

    def _pid_on_file(self) -> str:
        try:
            return (EXEC_ROOT / "dockerd.pid").read_text().strip() or "0"
        except OSError:
            return "0"

    def docker(self, *args: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
        """The docker client against this engine."""
        return subprocess.run([docker_client(), *args], env=self.env, check=check,
                              capture_output=True, text=True, **kw)

    def stop(self) -> list[str]:
        """End our dockerd (by its pid) and remove its files and cgroups; what could not be
        removed is returned."""
        left = []
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for path in (DATA_ROOT, EXEC_ROOT):
            for mount in _mounts_beneath(path):  # dockerd's netns binds, overlays, its root
                subprocess.run(["umount", "-l", mount], capture_output=True)
            shutil.rmtree(path, ignore_errors=True)
            if path.exists():
                left.append(str(path))
        return left + remove_cgroups(self.new_cgroups)


def _mounts_beneath(path: Path) -> list[str]:
    """Mount points at or beneath ``path``, deepest first: dockerd bind-mounts its data root
    onto itself (to make it a shared mount), which a dockerd that did not end cleanly leaves."""
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f]
    return sorted((p for p in points if p == str(path) or p.startswith(f"{path}/")),
                  key=len, reverse=True)


def _cgroup_mounts() -> list[str]:
    with open("/proc/self/mountinfo") as f:
        return sorted({line.split()[4] for line in f if " - cgroup" in line})


def _missing_cgroup_dirs(relative: str) -> list[str]:
    """In every hierarchy, the directories of ``relative`` and its ancestors that do not
    exist yet: the engine's cgroupfs driver makes them (``mkdir -p``), the test removes them."""
    parts = relative.strip("/").split("/")
    return [path for mount in _cgroup_mounts()
            for path in (os.path.join(mount, *parts[:i]) for i in range(1, len(parts) + 1))
            if not os.path.exists(path)]


def remove_cgroups(created: list[str]) -> list[str]:
    """Remove those cgroup directories (and any left beneath them), deepest first; what
    could not be removed."""
    left = []
    for top in sorted(created, key=len, reverse=True):
        if not os.path.isdir(top):
            continue
        for dirpath, _dirs, _files in sorted(os.walk(top), key=lambda w: -len(w[0])):
            try:
                os.rmdir(dirpath)
            except OSError as exc:
                left.append(f"{dirpath}: {exc}")
    return left


def base_image(engine: Engine, tag: str) -> str:
    """``debootstrap --variant=minbase bookworm``, imported as ``tag``."""
    root = SCRATCH / f"judgebox-test-rootfs-{os.getpid()}"
    subprocess.run(["debootstrap", "--variant=minbase", "bookworm", str(root), MIRROR],
                   check=True, capture_output=True, timeout=1200)
    # what debian:bookworm-slim leaves out too: the downloaded packages and the package lists
    for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for entry in (root / cache).glob("*"):
            if entry.is_file():
                entry.unlink()
    try:
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        subprocess.run([docker_client(), "import", "-", tag], stdin=tar.stdout, env=engine.env,
                       check=True, capture_output=True, timeout=600)
        tar.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return tag


def wheelhouse(directory: Path) -> Path:
    """judgebox with its pinned dependencies (and what building it needs) as wheels, resolved
    by Debian's own python3 (the images' interpreter: a dependency's markers may name its
    version, e.g. ``python_full_version < "3.11.3"``)."""
    directory.mkdir(parents=True, exist_ok=True)
    venv = directory.parent / "wheel-venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", str(venv)], check=True,
                   capture_output=True, timeout=300)
    done = subprocess.run([str(venv / "bin" / "pip"), "wheel", "-q",
                           "--disable-pip-version-check", "--wheel-dir", str(directory),
                           f"{REPO}[postgres]", *_build_requires()],
                          capture_output=True, text=True, timeout=1200)
    shutil.rmtree(venv, ignore_errors=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return directory


def _build_requires() -> list[str]:
    import tomllib
    with open(REPO / "pyproject.toml", "rb") as f:
        return list(tomllib.load(f)["build-system"]["requires"])


class Server:
    """``python -m http.server`` on loopback over a folder (the wheelhouse, for pip)."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(self.port), "--bind", "127.0.0.1",
             "--directory", str(directory)], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}/"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)

"""docker-compose.yml for real: both images built from deploy/*.Dockerfile, the stack started
with docker-compose (Redis, PostgreSQL, web, one worker, then two), judged through the Judge0
API from this host, /metrics read, then everything the test made removed.

No registry is reachable here, so (composekit.py) the base image is made from Debian's archive
with debootstrap and the Python packages come from a wheelhouse built on this host, both given
to the unchanged Dockerfiles as build arguments (BASE_IMAGE, PIP_NO_INDEX, PIP_FIND_LINKS), as
a site without a registry would; Redis and PostgreSQL are Debian's packages on that base
(tests/compose/*.Dockerfile) in place of the official images. The engine is the test's own
dockerd (no bridge, no iptables); an override file puts every container on the host's network
with the services on free loopback ports. The worker image carries gcc and python3 only (the
``TOOLCHAINS`` build argument), to keep the build within CI's time.

Skipped, saying what is missing, without dockerd, docker-compose or debootstrap; a failure
instead where ``JUDGEBOX_REQUIRE`` names ``compose`` (.ci/run sets it). A failing step shows
the containers' logs.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

import composekit
from deploy_kit import need

pytestmark = [pytest.mark.compose, pytest.mark.timeout(3600)]

HERE = Path(__file__).parent
TAG = f"judgebox-test-{os.getpid()}"
A_PLUS_B = "#include <stdio.h>\nint main(void){int a,b;scanf(\"%d %d\",&a,&b);" \
           "printf(\"%d\\n\",a+b);return 0;}\n"
SPIN = "int main(void){for(;;);}\n"
HOG = "#include <stdlib.h>\nint main(void){volatile char *p=malloc(512u<<20);" \
      "for(unsigned i=0;i<(512u<<20);i+=4096)p[i]=1;return 0;}\n"  # volatile: not elided


class Stack:
    """The compose project: its files, ports, and the engine it runs on."""

    def __init__(self, engine: composekit.Engine, base: str, wheels_url: str,
                 workdir: Path) -> None:
        self.engine = engine
        self.ports = {name: composekit.free_port() for name in ("redis", "postgres", "web")}
        self.password = secrets.token_hex(12)
        self.file = workdir / "docker-compose.test.yml"
        self.file.write_text(yaml.safe_dump(self._derived(base, wheels_url)))
        self.env = dict(engine.env, COMPOSE_PROJECT_NAME=TAG, POSTGRES_PASSWORD=self.password,
                        JUDGEBOX_SECRET_KEY=secrets.token_hex(32))
        self.url = f"http://127.0.0.1:{self.ports['web']}"

    def _derived(self, base: str, wheels_url: str) -> dict:
        """docker-compose.yml as it is, with the test's changes: its own images for Redis and
        PostgreSQL, the build arguments, and the host's network for everything (on free
        loopback ports; the web port is not published, there being no bridge to publish
        from, and the default network is the engine's "host", so that no bridge is made)."""
        merged = yaml.safe_load((composekit.REPO / "docker-compose.yml").read_text())
        for name, changes in self._changes(base, wheels_url)["services"].items():
            service = merged["services"][name]
            for key, value in changes.items():
                if isinstance(value, dict) and isinstance(service.get(key), dict):
                    service[key] = {**service[key], **value}
                else:
                    service[key] = value
        del merged["services"]["web"]["ports"]
        del merged["services"]["flower"]  # an optional profile, on an image not built here
        for service in merged["services"].values():
            if isinstance(service.get("build"), dict):
                service["build"]["context"] = str(composekit.REPO / service["build"]["context"])
        merged["networks"] = {"default": {"external": True, "name": "host"}}
        merged.pop("x-judgebox-env", None)
        return merged

    def _changes(self, base: str, wheels_url: str) -> dict:
        p = self.ports
        pip = {"BASE_IMAGE": base, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": wheels_url}
        env = {"DATABASE_URL": f"postgresql+psycopg://judgebox:{self.password}@127.0.0.1:"
                               f"{p['postgres']}/judgebox",
               "REDIS_URL": f"redis://127.0.0.1:{p['redis']}/0"}

        def own(name: str) -> dict:
            return {"context": str(HERE.relative_to(composekit.REPO)),
                    "dockerfile": f"{name}.Dockerfile",
                    "network": "host", "args": {"BASE_IMAGE": base}}
        return {"services": {
            "redis": {"image": f"{TAG}-redis", "build": own("redis"), "network_mode": "host",
                      "command": ["redis-server", "--appendonly", "yes", "--appendfsync",
                                  "everysec", "--bind", "127.0.0.1", "--port", str(p["redis"])],
                      "healthcheck": {"test": ["CMD", "redis-cli", "-p", str(p["redis"]),
                                               "ping"]}},
            "postgres": {"image": f"{TAG}-postgres", "build": own("postgres"),
                         "network_mode": "host",
                         "command": ["postgres", "-p", str(p["postgres"]), "-c",
                                     "listen_addresses=127.0.0.1"],
                         "healthcheck": {"test": ["CMD", "pg_isready", "-h", "127.0.0.1", "-p",
                                                  str(p["postgres"]), "-U", "judgebox", "-d",
                                                  "judgebox"]}},
            "web": {"image": f"{TAG}-web", "network_mode": "host",
                    "build": {"network": "host", "args": pip},
                    "environment": {**env, "JUDGEBOX_BIND": f"127.0.0.1:{p['web']}"}},
            "worker": {"image": f"{TAG}-worker", "network_mode": "host",
                       "build": {"network": "host",
                                 "args": {**pip, "TOOLCHAINS": "gcc python3"}},
                       "environment": env},
        }}

    def compose(self, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
        command = [*compose_command(), "-f", str(self.file), "--project-directory",
                   str(composekit.REPO), *args]
        done = subprocess.run(command, env=self.env, cwd=composekit.REPO, capture_output=True,
                              text=True, timeout=timeout)
        assert done.returncode == 0, f"{' '.join(args)}: {done.stdout[-3000:]}\n" \
                                     f"{done.stderr[-5000:]}"
        return done

    def logs(self) -> str:
        try:
            return self.compose("logs", "--no-color", "--tail", "80", timeout=120).stdout
        except AssertionError as exc:
            return str(exc)

    def call(self, method: str, path: str, body: dict | None = None,
             timeout: float = 120) -> tuple[int, str]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except OSError as exc:
            return 0, str(exc)

    def judge0(self, source: str, **fields) -> dict:
        # every field: Judge0's default set leaves out exit_code and exit_signal
        status, text = self.call("POST", "/submissions?wait=true&fields=*",
                                 {"language_id": 50, "source_code": source, **fields})
        assert status in (200, 201), (status, text)
        return json.loads(text)

    def wait_ready(self, timeout_s: float = 600) -> float:
        started = time.monotonic()
        while True:
            status, text = self.call("GET", "/readyz", timeout=10)
            if status == 200:
                return time.monotonic() - started
            assert time.monotonic() - started < timeout_s, f"/readyz: {status} {text}"
            time.sleep(2)


def compose_command() -> list[str]:
    from test_deploy_files import compose_command as found
    return found() or ["docker-compose"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The engine, the base image and wheelhouse, the images built, the stack up; torn down
    whole afterwards (containers, volumes, images, the engine and its files)."""
    need("compose", "run docker-compose for real", composekit.missing())
    workdir = tmp_path_factory.mktemp("compose")
    timings: dict[str, float] = {}
    engine = composekit.Engine(workdir / "dockerd.log")
    server = None
    built = None
    try:
        started = time.monotonic()
        base = composekit.base_image(engine, f"{TAG}-base")
        timings["base image (debootstrap + import)"] = time.monotonic() - started
        started = time.monotonic()
        server = composekit.Server(composekit.wheelhouse(workdir / "wheels"))
        timings["wheelhouse"] = time.monotonic() - started
        built = Stack(engine, base, server.url, workdir)
        started = time.monotonic()
        built.compose("build", "--parallel", timeout=2400)
        timings["docker-compose build"] = time.monotonic() - started
        built.timings = timings
        yield built
    finally:
        left = []
        if built is not None:
            try:
                built.compose("down", "--volumes", "--rmi", "all", "--remove-orphans",
                              "--timeout", "30", timeout=600)
            except AssertionError as exc:
                left.append(str(exc))
        engine.docker("image", "rm", "-f", f"{TAG}-base", check=False)
        # what a failed build leaves (its intermediate images) goes with the engine's data root
        if server is not None:
            server.stop()
        left += engine.stop()
        assert not left, f"left behind: {left}"


def test_the_images_build_and_their_sizes(stack):
    sizes = {}
    for service in ("web", "worker", "redis", "postgres"):
        out = stack.engine.docker("image", "inspect", "--format", "{{.Size}}",
                                  f"{TAG}-{service}")
        sizes[service] = int(out.stdout) / 1e6
    print("timings: " + ", ".join(f"{k} {v:.0f} s" for k, v in stack.timings.items()))
    print("image sizes: " + ", ".join(f"{k} {v:.0f} MB" for k, v in sizes.items()))
    assert sizes["web"] < sizes["worker"]


def test_compose_up_judges_through_the_judge0_api(stack, request):
    started = time.monotonic()
    try:
        stack.compose("up", "-d", timeout=900)
        ready_s = stack.wait_ready()
        answer = stack.judge0(A_PLUS_B, stdin="20 22", expected_output="42")
        first_verdict_s = time.monotonic() - started
        assert answer["status"]["id"] == 3 and answer["stdout"] == "42\n", answer
        print(f"compose up to /readyz {ready_s:.0f} s, to the first verdict "
              f"{first_verdict_s:.0f} s")
        tle = stack.judge0(SPIN, cpu_time_limit=1, wall_time_limit=3)
        assert tle["status"]["id"] == 5, tle
        print(f"A+B {answer['status']}, spin {tle['status']} {tle['time']} s")
    except BaseException:
        request.node.add_report_section("call", "containers", stack.logs())
        raise


def test_an_mle_through_the_judge0_api(stack, request):
    try:
        mle = stack.judge0(HOG, memory_limit=65536)
        print(f"hog {mle['status']} {mle['time']} s {mle['memory']} KiB")
        # Judge0 shows a memory-limit run as the kernel killed it: a runtime error, SIGKILL;
        # OOM-killed at once (a program the OOM killer could not kill ran to the CPU limit)
        assert mle["status"]["id"] in range(7, 13) and mle["exit_signal"] == 9, mle
        assert float(mle["time"]) < 1.0 and mle["memory"] >= 60 * 1024, mle
    except BaseException:
        request.node.add_report_section("call", "containers", stack.logs())
        raise


def test_metrics_count_the_verdicts(stack, request):
    status, text = stack.call("GET", "/metrics")
    try:
        assert status == 200, text
        counted = {line.split("{", 1)[1].split("}")[0]: float(line.rsplit(" ", 1)[1])
                   for line in text.splitlines()
                   if line.startswith("judgebox_judgements_total{")}
        verdicts = {dict(kv.split("=") for kv in labels.split(","))["verdict"].strip('"')
                    for labels, n in counted.items() if n > 0}
        assert {"AC", "TLE"} <= verdicts and sum(counted.values()) >= 3, counted
        assert "judgebox_workers_alive 1.0" in text, text
    except BaseException:
        request.node.add_report_section("call", "containers", stack.logs())
        raise


def test_two_workers_after_scale(stack, request):
    try:
        stack.compose("up", "-d", "--scale", "worker=2", timeout=600)
        deadline = time.monotonic() + 300
        while True:
            status, text = stack.call("GET", "/metrics")
            if status == 200 and "judgebox_workers_alive 2.0" in text:
                break
            assert time.monotonic() < deadline, text[-3000:]
            time.sleep(3)
        answers = [stack.judge0(A_PLUS_B, stdin=f"{i} 1", expected_output=str(i + 1))
                   for i in range(4)]
        assert all(a["status"]["id"] == 3 for a in answers), answers
        workers = stack.compose("ps", "-q", "worker").stdout.split()
        assert len(workers) == 2, workers
    except BaseException:
        request.node.add_report_section("call", "containers", stack.logs())
        raise

"""The adversarial suite (issues 2 and 9): a folder per case under ``cases/``, each a program
that tries something forbidden, with its limits, its expected status and what it must not be
able to do (``case.toml``).

The program is ``prog.c`` (compiled on the host with gcc, run as ``/box/prog``, as the first
cases were), or a source in another language: ``prog.cpp`` (C++17), ``prog.py`` (Python 3),
``Prog.java`` (Java). Those go through the judge's own path:
``worker.core.compile.compile_program`` in a compile box once per session, then ``run_program`` in
their language's box.

Convention (as in nsjail's tests): a program whose forbidden attempt *worked* prints
``ESCAPED: <what>`` and exits 99; a blocked attempt ends in exit 0 or in the kill the case
expects. Every case also checks that the run left nothing on the host: no ``judgebox-*``
cgroup, no process of a box uid, no ``judgebox`` mount; and that the host's canaries (a
root-only file with known content and mtime, a directory, a process; ``tests/conftest.py``)
are unchanged.

``case.toml`` keys: ``description`` and ``status`` (required); limits, by the name of the
``sandbox.Limits`` field (``cpu_time_ms``, ``wall_time_ms``, ``memory_kib``, ``processes``,
``output_kib``, ``stack_kib``, ``open_files``, ``tmp_kib``...); ``stdin`` (text);
``stdout_contains``; expectations ``exit_code``, ``signal``, ``killed_by``,
``min_cpu_time_ms``, ``max_cpu_time_ms``, ``max_run_ms`` (how long ``run()`` itself may take);
``args`` (placeholders ``{tcp_port}``, ``{abstract_name}``, ``{judge_pid}``,
``{judge_ppid}`` are filled in by the test, which listens on the host side; ``{host_file}``:
a 4 MiB file of the host, in the page cache before the run, bound read-only into the box,
which must still be all in the page cache after it; ``{stdin_inode}``: the inode number of
the host file the case's stdin comes from);
``same_uid_sleeper`` (start a host process under the box's uid while the box runs; it must
survive); ``collect`` (names the judge reads back from ``/box`` after the run, as a compile
box's artifact is) and ``collected`` (those of them that must come back: the rest must not,
and nothing that comes back may hold a host file's content); ``compile_status`` (``"CE"``: a
compile-time attack, the compile must fail within its limits and nothing runs) and
``compile_contains`` (in the compiler's messages); placeholders ``{canary_file}`` and
``{canary_dir}`` (the host canaries' paths, for programs that plant links to them);
``dangerous`` (fork/thread bombs, memory hogs: run only once the limits are proven);
``xfail`` (the reason, when a case shows a known sandbox or judge bug: a strict xfail until it
is fixed).

The programs are compiled on the host (C) or in compile boxes (the others) but only ever run
inside the sandbox.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import threading
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Iterator

import pytest

from sandbox import Limits, Mount, Outcome, SandboxSpec, Status, run
from worker.core.compile import CompileLimits, Program, compile_program, run_program
from worker.core.languages import get_language

CASES_DIR = Path(__file__).parent / "cases"
LIMIT_KEYS = {f.name for f in fields(Limits)}
# Limits a case gets when its case.toml does not say (every case here says them all).
DEFAULT_LIMITS = {"cpu_time_ms": 1000, "wall_time_ms": 2000, "memory_kib": 65536,
                  "processes": 4}
# What a "dangerous" case may ask for at most: the proofs below show these fences hold.
DANGEROUS_CAPS = {"memory_kib": 262144, "processes": 16, "cpu_time_ms": 2000,
                  "wall_time_ms": 3000}
OTHER_KEYS = {"description", "status", "stdin", "stdout_contains", "exit_code", "signal",
              "killed_by", "min_cpu_time_ms", "max_cpu_time_ms", "max_run_ms", "args",
              "same_uid_sleeper", "dangerous", "xfail", "collect", "collected",
              "compile_status", "compile_contains"}
# A case's program, by file name: None is the C path (gcc on the host), else a language id of
# worker.core.languages, compiled in its compile box.
SOURCES = {"prog.c": None, "prog.cpp": "cpp17", "prog.py": "python3", "Prog.java": "java"}
# The compile boxes of this suite: the defaults but for time (a compile-time attack must fail
# fast; javac of a small class takes about 2 s of CPU here).
SUITE_COMPILE_LIMITS = CompileLimits(cpu_time_ms=10_000, wall_time_ms=20_000)

pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
              pytest.mark.timeout(60)]


@dataclass(frozen=True)
class Case:
    """One folder of ``cases/``: the program and what must happen when it runs."""

    name: str
    source: Path
    description: str
    status: Status
    limits: dict[str, int]
    stdin: str | None = None
    stdout_contains: str | None = None
    exit_code: int | None = None
    signal: int | None = None
    killed_by: str | None = None
    min_cpu_time_ms: int | None = None
    max_cpu_time_ms: int | None = None
    max_run_ms: int | None = None
    args: tuple[str, ...] = ()
    same_uid_sleeper: bool = False
    dangerous: bool = False
    xfail: str | None = None  # a known sandbox bug: the reason (strict xfail)
    language: str | None = None  # None: C through gcc on the host; else a language id
    collect: tuple[str, ...] = ()
    collected: tuple[str, ...] = ()
    compile_status: str | None = None  # "CE": the attack is at compile time
    compile_contains: str | None = None


def load_case(folder: Path) -> Case:
    """Read ``folder/case.toml``; unknown keys are an error (a typo must not weaken a case)."""
    data = tomllib.loads((folder / "case.toml").read_text())
    unknown = set(data) - LIMIT_KEYS - OTHER_KEYS
    if unknown:
        raise ValueError(f"{folder.name}/case.toml: unknown keys {sorted(unknown)}")
    limits = DEFAULT_LIMITS | {k: v for k, v in data.items() if k in LIMIT_KEYS}
    tuples = {"args", "collect", "collected"}
    other = {k: v for k, v in data.items() if k in OTHER_KEYS - {"status"} - tuples}
    sources = [name for name in SOURCES if (folder / name).exists()]
    if len(sources) != 1:
        raise ValueError(f"{folder.name}: one program of {sorted(SOURCES)}, found {sources}")
    return Case(name=folder.name, source=folder / sources[0], status=Status(data["status"]),
                limits=limits, language=SOURCES[sources[0]],
                **{k: tuple(data.get(k, ())) for k in tuples}, **other)


def load_cases() -> list[Case]:
    """Every case folder, in name order."""
    return [load_case(d) for d in sorted(CASES_DIR.iterdir()) if (d / "case.toml").exists()]


CASES = load_cases()


def _param(case: Case):
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=case.name, marks=marks)


# --- building and running ----------------------------------------------------------------

def _build(case: Case, cc, workdir: Path) -> Path | Program:
    """A C case's binary (gcc on the host), or another language's compiled ``Program``."""
    if case.language is None:
        return cc(case.source, case.name)
    out = workdir / case.name
    out.mkdir()
    return compile_program(get_language(case.language), case.source.read_bytes(), out,
                           SUITE_COMPILE_LIMITS)


@pytest.fixture(scope="session")
def case_binaries(cc, tmp_path_factory) -> dict[str, Path | Program]:
    """Every case's program built once per session into a temp dir outside the repo: C with
    gcc on the host (static when possible), the other languages in their compile boxes (two
    at a time: a compile box may use a core)."""
    workdir = tmp_path_factory.mktemp("programs")
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        built = pool.map(lambda c: (c.name, _build(c, cc, workdir)), CASES)
        return dict(built)


def case_stdin(case: Case, tmp_dir: Path) -> Path | None:
    """The host file a case's stdin comes from (named after the case, as test files are)."""
    if case.stdin is None:
        return None
    stdin = tmp_dir / f"{case.name}.stdin"
    if not stdin.exists():
        stdin.write_text(case.stdin)
    return stdin


def run_case(case: Case, binary: Path | Program, placeholders: dict[str, str],
             tmp_dir: Path, mounts: tuple[Mount, ...] = ()) -> Outcome:
    """Run one case's program in a fresh box: a C binary as /box/prog, another language's
    program with its run command in its language's box."""
    stdin = case_stdin(case, tmp_dir)
    args = tuple(a.format(**placeholders) for a in case.args)
    stdin_path = None if stdin is None else str(stdin)
    if isinstance(binary, Program):
        return run_program(binary, Limits(**case.limits), stdin_path, args=args,
                           collect=case.collect, mounts=mounts)
    spec = SandboxSpec(command=("/box/prog", *args), limits=Limits(**case.limits),
                       files=(("prog", binary),), stdin=stdin_path, collect=case.collect,
                       mounts=mounts)
    return run(spec)


def describe(outcome: Outcome) -> str:
    """The outcome in one block, for failure messages."""
    return (f"status={outcome.status.value} exit_code={outcome.exit_code} "
            f"signal={outcome.signal} killed_by={outcome.killed_by} time={outcome.time:.3f} "
            f"wall_time={outcome.wall_time:.3f} memory_kib={outcome.memory_kib} "
            f"oom_killed={outcome.oom_killed} message={outcome.message!r}\n"
            f"stdout: {outcome.stdout[:1500].decode(errors='replace')!r}\n"
            f"stderr: {outcome.stderr[:500].decode(errors='replace')!r}")


# --- proving the fences before the dangerous cases -----------------------------------------

@dataclass
class Proof:
    """Whether the process and memory limits were seen to hold, and if not, why."""

    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@pytest.fixture(scope="module")
def limits_proven(case_binaries, tmp_path_factory) -> Proof:
    """Run the two harmless proofs: at most 8 processes with processes=8 (of 20 tried), and
    MLE for 64 MiB touched with memory_kib=32768. The dangerous cases check ``ok`` first."""
    proof = Proof()
    tmp = tmp_path_factory.mktemp("proof")
    by_name = {c.name: c for c in CASES}
    procs = by_name["proof_processes"]
    assert procs.limits["processes"] == 8
    out = run_case(procs, case_binaries[procs.name], {}, tmp)
    found = re.search(rb"processes at once: (\d+)", out.stdout)
    if out.status is not Status.OK or not found or b"ESCAPED" in out.stdout:
        proof.problems.append(f"process limit proof did not run cleanly: {describe(out)}")
    elif int(found[1]) > 8:
        proof.problems.append(f"{int(found[1])} processes at once with processes=8")
    mem = by_name["proof_memory"]
    assert mem.limits["memory_kib"] == 32768
    out = run_case(mem, case_binaries[mem.name], {}, tmp)
    if out.status is not Status.MLE or b"ESCAPED" in out.stdout:
        proof.problems.append(f"64 MiB with memory_kib=32768 was not MLE: {describe(out)}")
    return proof


# --- the host side of a case ---------------------------------------------------------------

class SameUidSleeper:
    """Starts ``sleep`` on the host under the uid of the box this process is running.

    It waits (in a thread) for a box process below this test process to appear, then starts
    the sleeper with that uid: a process the box's kill(-1) would reach without a pid namespace.
    """

    def __init__(self, find_box_processes) -> None:
        self.find = find_box_processes
        self.proc: subprocess.Popen | None = None
        self.uid: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> "SameUidSleeper":
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.is_set():
            found = self.find()
            if found:
                self.uid = found[0][1]
                self.proc = subprocess.Popen(["sleep", "60"], user=self.uid, group=self.uid,
                                             extra_groups=[], stdin=subprocess.DEVNULL)
                return
            time.sleep(0.005)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        if self.proc is not None:
            self.proc.wait()

    def problems(self) -> list[str]:
        """Called right after the run, before the sleeper is stopped."""
        if self.proc is None:
            return ["the host-side sleeper was never started (no box process seen in time)"]
        if self.proc.poll() is not None:
            return [f"the host-side sleeper of uid {self.uid} was killed from inside the box "
                    f"(returncode {self.proc.returncode})"]
        return []


@dataclass
class HostSide:
    """What the test set up outside the box for one case, and what to check after the run."""

    placeholders: dict[str, str] = field(default_factory=dict)
    listeners: list[tuple[str, socket.socket]] = field(default_factory=list)
    sleeper: SameUidSleeper | None = None
    mounts: tuple[Mount, ...] = ()
    cached_file: Path | None = None  # must still be all in the page cache after the run

    def problems(self) -> list[str]:
        found = []
        if self.cached_file is not None:
            resident, size = page_cache(self.cached_file)
            if resident < size:
                found.append(f"the box evicted the host's {self.cached_file} from the page "
                             f"cache ({resident} of {size} bytes left)")
        for what, sock in self.listeners:
            sock.setblocking(False)
            try:
                conn, _ = sock.accept()
            except BlockingIOError:
                continue
            conn.close()
            found.append(f"the box reached the host's {what}")
        if "judge_ppid" in self.placeholders:
            try:
                os.kill(int(self.placeholders["judge_ppid"]), 0)
            except ProcessLookupError:
                found.append("the judge's parent process is gone")
        if self.sleeper is not None:
            found += self.sleeper.problems()
        return found


def page_cache(path: Path) -> tuple[int, int]:
    """(bytes of ``path`` in the page cache, its size), as util-linux ``fincore`` says."""
    out = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES,SIZE",
                          str(path)], capture_output=True, text=True, check=True).stdout
    resident, size = out.split()
    return int(resident), int(size)


@contextmanager
def host_side(case: Case, find_box_processes, tmp_dir: Path) -> Iterator[HostSide]:
    """Listeners, pids, the same-uid sleeper, host files a case's args and keys ask for."""
    host = HostSide()
    wanted = " ".join(case.args)
    with ExitStack() as stack:
        if "{host_file}" in wanted:
            data_dir = tmp_dir / "host-data"  # ext4 here: its pages can be evicted
            data_dir.mkdir()
            host.cached_file = data_dir / "cache.bin"
            with open(host.cached_file, "wb") as f:
                f.write(secrets.token_bytes(4 << 20))
                f.flush()
                os.fsync(f.fileno())  # clean pages: dirty ones cannot be evicted
            host.cached_file.read_bytes()  # in the page cache, all of it
            assert page_cache(host.cached_file)[0] >= 4 << 20
            host.mounts = (Mount(str(data_dir), "/data"),)
            host.placeholders["host_file"] = "/data/cache.bin"
        if "{stdin_inode}" in wanted:
            host.placeholders["stdin_inode"] = str(case_stdin(case, tmp_dir).stat().st_ino)
        if "{tcp_port}" in wanted:
            tcp = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            tcp.bind(("127.0.0.1", 0))
            tcp.listen(8)
            host.placeholders["tcp_port"] = str(tcp.getsockname()[1])
            host.listeners.append((f"TCP listener 127.0.0.1:{tcp.getsockname()[1]}", tcp))
        if "{abstract_name}" in wanted:
            name = f"judgebox-adversarial-{os.getpid()}-{secrets.token_hex(4)}"
            unix = stack.enter_context(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
            unix.bind("\0" + name)
            unix.listen(8)
            host.placeholders["abstract_name"] = name
            host.listeners.append((f"abstract unix socket @{name}", unix))
        host.placeholders["judge_pid"] = str(os.getpid())
        host.placeholders["judge_ppid"] = str(os.getppid())
        if case.same_uid_sleeper:
            host.sleeper = stack.enter_context(SameUidSleeper(find_box_processes))
        yield host


# --- the test ------------------------------------------------------------------------------

def check_collected(case: Case, out: Outcome, host_secrets: list[bytes]) -> list[str]:
    """What the judge read back from /box: exactly ``collected``, and no host content."""
    problems = []
    if set(out.files) != set(case.collected):
        problems.append(f"collected {sorted(out.files)}, expected {sorted(case.collected)}")
    for name, content in out.files.items():
        for secret in host_secrets:
            if secret in content:
                problems.append(f"the judge read host content through /box/{name}: "
                                f"{content[:80]!r}")
    return problems


# What a compiler's messages must never show: the judge's environment (pytest sets the first
# in this process) and the secrets a worker's environment holds.
JUDGE_ONLY = ("PYTEST_CURRENT_TEST", "REDIS_URL", "DATABASE_URL", "CELERY_BROKER_URL")


def check_compile(case: Case, program: Path | Program,
                  host_secrets: list[bytes]) -> list[str]:
    """A compile-time attack: the compile failed (CE) within its limits, host data unshown."""
    if not isinstance(program, Program):
        return ["a compile-time case needs a language other than C (prog.c is built by gcc "
                "on the host)"]
    problems = []
    if case.compile_status != "CE":
        problems.append(f"compile_status {case.compile_status!r}: only \"CE\" is known")
    if program.ok:
        problems.append("the compile succeeded")
    elif program.outcome is not None and program.outcome.status is Status.SE:
        problems.append(f"the compile box failed (SE): {program.outcome.message}")
    report = program.report()
    if case.compile_contains is not None and case.compile_contains not in report:
        problems.append(f"the compiler's messages lack {case.compile_contains!r}")
    for secret in [*JUDGE_ONLY, *(s.decode() for s in host_secrets)]:
        if secret in report:
            problems.append(f"the compiler's messages show the judge's {secret}")
    return problems


def check_outcome(case: Case, out: Outcome, run_s: float) -> list[str]:
    """Everything the case's expectations say about the outcome, as a list of problems."""
    problems = []
    if out.status is not case.status:
        problems.append(f"status {out.status.value}, expected {case.status.value}")
    if b"ESCAPED" in out.stdout:
        escaped = [line for line in out.stdout.decode(errors="replace").splitlines()
                   if "ESCAPED" in line]
        problems.append(f"the program escaped: {escaped}")
    for name in ("exit_code", "signal", "killed_by"):
        want = getattr(case, name)
        if want is not None and getattr(out, name) != want:
            problems.append(f"{name} {getattr(out, name)!r}, expected {want!r}")
    if case.status in (Status.OK, Status.RE) and out.killed_by is not None:
        problems.append(f"the judge killed the box ({out.killed_by}) in a {case.status.value}")
    if case.min_cpu_time_ms is not None and out.time * 1000 < case.min_cpu_time_ms:
        problems.append(f"CPU time {out.time:.3f} s, expected >= {case.min_cpu_time_ms} ms")
    if case.max_cpu_time_ms is not None and out.time * 1000 > case.max_cpu_time_ms:
        problems.append(f"CPU time {out.time:.3f} s, expected <= {case.max_cpu_time_ms} ms")
    if case.max_run_ms is not None and run_s * 1000 > case.max_run_ms:
        problems.append(f"run() took {run_s:.3f} s, expected <= {case.max_run_ms} ms")
    if case.stdout_contains is not None and case.stdout_contains.encode() not in out.stdout:
        problems.append(f"stdout lacks {case.stdout_contains!r}")
    return problems


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_case(case: Case, case_binaries, settled_leftovers, box_processes, canary, tmp_path,
              request):
    """Run one case in the sandbox: expected status, no escape, nothing left behind, the
    host's canaries untouched."""
    program = case_binaries[case.name]
    if case.compile_status is not None:
        problems = (check_compile(case, program, canary.secrets()) + settled_leftovers()
                    + canary.problems())
        report = program.report() if isinstance(program, Program) else ""
        assert not problems, ("\n".join(problems) + f"\ncompile output: {report[-1500:]!r}"
                              f"\ncase: {case.description.strip()}")
        return
    if isinstance(program, Program):
        assert program.ok, f"{case.name} did not compile:\n{program.report()}"
    if case.dangerous:
        for key, cap in DANGEROUS_CAPS.items():
            assert case.limits[key] <= cap, f"a dangerous case may not ask for {key} > {cap}"
        proof = request.getfixturevalue("limits_proven")
        if not proof.ok:
            pytest.fail(f"not run: the limits it relies on do not hold: {proof.problems}")
    with host_side(case, box_processes, tmp_path) as host:
        host.placeholders.update(canary.placeholders())
        started = time.monotonic()
        out = run_case(case, program, host.placeholders, tmp_path, host.mounts)
        run_s = time.monotonic() - started
        problems = check_outcome(case, out, run_s) + host.problems()
    problems += check_collected(case, out, canary.secrets())
    problems += settled_leftovers() + canary.problems()
    assert not problems, ("\n".join(problems) + f"\n{describe(out)}\n"
                          f"case: {case.description.strip()}")


def test_every_case_is_complete():
    """Each folder has its program and a described expectation; proofs exist for the bombs."""
    names = {d.name for d in CASES_DIR.iterdir() if d.is_dir()}
    assert names == {c.name for c in CASES}, "a case folder lacks its case.toml"
    for case in CASES:
        assert case.source.is_file(), case.name
        assert len(case.description.split()) >= 10, f"{case.name}: describe the case"
    assert {"proof_processes", "proof_memory"} <= names
    for case in CASES:
        assert set(case.collected) <= set(case.collect), f"{case.name}: collected not collect"
    # every program exits 99 after printing ESCAPED, so the convention is kept
    for case in CASES:
        text = case.source.read_text()
        if "ESCAPED" in text:
            assert "99" in text, case.name

"""Fixtures shared by every test folder: what a box may leave behind (nothing), and a C compiler."""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

BOX_UIDS = range(61000, 62000)


def _own_cgroup_tops() -> list[str]:
    """The directories beneath which this judge makes its box cgroups: its own cgroup in each
    mounted hierarchy (the v2 one: the cgroup above a supervisor leaf). Another session's
    cgroups elsewhere on the machine are not this run's to judge."""
    from sandbox import cgroupfs, cgroups

    own = cgroups.own_cgroups()
    tops = set()
    for controller, mountpoint, _root in cgroupfs._cgroup_mounts():
        if controller not in own:  # a mount option, not a controller
            continue
        path = cgroups.judge_cgroup_v2(own) if controller == "" else own.get(controller, "/")
        tops.add(os.path.join(mountpoint, path.strip("/")))
    return sorted(tops)


def leftover_cgroups() -> list[str]:
    """Box cgroup directories (``judgebox-*``) beneath the judge's own cgroups, v1 and v2."""
    found = []
    for top in _own_cgroup_tops():
        for dirpath, dirnames, _ in os.walk(top):
            for d in dirnames:
                # box cgroups are judgebox-<slot> (a reusable box's: judgebox-<slot>.<run>);
                # the layer tests' own judgebox-test-<pid> are removed and checked by those tests
                if re.fullmatch(r"judgebox-\d+(\.\d+)?", d):
                    found.append(os.path.join(dirpath, d))
    return sorted(set(found))


def leftover_processes() -> list[str]:
    """Processes running as a box uid."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("Uid:"):
                        if any(int(u) in BOX_UIDS for u in line.split()[1:]):
                            found.append(pid)
                        break
        except OSError:
            continue
    return found


# the compose test's own Docker engine (tests/compose/composekit.py) mounts its overlays and
# network namespaces there while it runs; that test removes and checks them itself
# (tests/compose/composekit.py: JUDGEBOX_TEST_DOCKER names another engine)
_ENGINE = os.environ.get("JUDGEBOX_TEST_DOCKER", "judgebox-test-docker")
_ENGINE_ROOTS = (f"/dev/shm/{_ENGINE}", f"/var/tmp/{_ENGINE}", f"/run/{_ENGINE}")


def leftover_mounts() -> list[str]:
    """Mounts in the judge's namespace whose path names judgebox (but the compose test's
    engine's, see ``_ENGINE_ROOTS``)."""
    with open("/proc/self/mounts") as f:
        return [line for line in f if "judgebox" in line and not any(
            point == root or point.startswith(root + "/")
            for point in [line.split()[1]] for root in _ENGINE_ROOTS)]


def leftovers() -> dict[str, list[str]]:
    """Everything a finished box must not leave behind; empty lists when clean."""
    return {"cgroups": leftover_cgroups(), "processes": leftover_processes(),
            "mounts": leftover_mounts()}


@pytest.fixture
def host_leftovers():
    """``leftovers()`` as a fixture: box cgroups, processes and mounts on the host right now
    (including those of boxes that other sessions are running)."""
    return leftovers


@pytest.fixture
def clean_host(settled_leftovers):
    """Assert that the test left no box cgroup, process or mount behind (boxes that other
    sessions on this machine are running at the time are not counted)."""
    yield
    left = settled_leftovers()
    assert not left, f"left behind: {left}"


def _host_error_with(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = ("from sandbox import run, SandboxSpec, HostError\n"
            "try:\n    run(SandboxSpec(('true',)))\n"
            "except HostError as exc:\n    print(exc)\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1], timeout=60,
                          env={**os.environ, **env})


@pytest.fixture
def host_error_with():
    """``host_error_with(env)``: a first ``sandbox.run`` in a fresh process with ``env``
    added; what its ``HostError`` says is on stdout (a bad setting must be a clear error)."""
    return _host_error_with


class ProgramWatch:
    """A thread that looks, from the host, for the process whose command line is ``argv``
    (a box's program, found by an unusual argument) and hands its pid to ``inspect``, which
    reads what the test wants (an ``OSError`` or ``IndexError``: not yet, look again).
    ``result()``: what ``inspect`` returned (None if the program was not seen in time)."""

    def __init__(self, argv: tuple[str, ...], inspect, within_s: float = 10.0) -> None:
        import threading

        self._cmdline = b"".join(a.encode() + b"\0" for a in argv)
        self._inspect, self._within_s = inspect, within_s
        self._found = None
        self._thread = threading.Thread(target=self._look)
        self._thread.start()

    def _look(self) -> None:
        deadline = time.monotonic() + self._within_s
        while time.monotonic() < deadline and self._found is None:
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        if f.read() != self._cmdline:
                            continue
                    self._found = self._inspect(pid)
                    break
                except (OSError, IndexError):
                    continue
            time.sleep(0.01)

    def result(self):
        self._thread.join()
        return self._found


@pytest.fixture
def program_watch():
    """``program_watch(argv, inspect)``: a :class:`ProgramWatch`, started."""
    return ProgramWatch


def compile_c(source: str | Path, out_dir: Path, name: str = "prog") -> Path:
    """Compile C on the host (static when possible); the binary only ever runs in a box."""
    if isinstance(source, Path):
        src = source
    else:
        src = out_dir / f"{name}.c"
        src.write_text(source)
    out = out_dir / name
    for extra in (["-static"], []):
        result = subprocess.run(["gcc", "-O2", "-pthread", *extra, "-o", str(out), str(src)],
                                capture_output=True, text=True)
        if result.returncode == 0:
            return out
    raise RuntimeError(f"gcc failed on {src}:\n{result.stderr}")


@pytest.fixture(scope="session")
def cc(tmp_path_factory):
    """``cc(source_text_or_path, name)`` -> path of a compiled binary in a temp dir."""
    base = tmp_path_factory.mktemp("bin")
    return lambda source, name="prog": compile_c(source, base, name)


# --- leftovers while other boxes may be running (used by test_adversarial, test_isolation_pair)

def _slot_in_use(index: int) -> bool:
    """Whether a live run holds box slot ``index`` now (its flock, as sandbox.slots takes it).

    Another process on this machine (another test session, a worker) may be running boxes
    while a test checks for leftovers; their cgroups and processes are not leftovers.
    """
    run_dir = os.environ.get("JUDGEBOX_RUN_DIR", "/run/judgebox")
    try:
        fd = os.open(os.path.join(run_dir, "locks", str(index)), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also drops the lock if this probe got it
    return False


def _uid_slot(pid: str) -> int | None:
    uid_base = int(os.environ.get("JUDGEBOX_UID_BASE", "61000"))
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("Uid:"):
                    uids = [int(u) for u in line.split()[1:]]
                    return next((u - uid_base for u in uids if u in BOX_UIDS), None)
    except OSError:
        return None
    return None


def _describe(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
        return (f"pid {pid} ({fields.get('Name')}, state {fields.get('State')}, "
                f"uid {fields.get('Uid', '').split()[:1]}, ppid {fields.get('PPid')})")
    except OSError:
        return f"pid {pid} (gone)"


def _left_by_finished_box(slot: int | None, still_there: str) -> bool:
    """Whether an item of box slot ``slot`` seen a moment ago was left by a finished box.

    A run holds its slot from before its cgroup and processes exist until after they are gone,
    so: slot free, item still there, slot still free (a run that ended or began in between
    would show in one of the three looks).
    """
    if slot is not None and _slot_in_use(slot):
        return False
    if not os.path.exists(still_there):
        return False
    return slot is None or not _slot_in_use(slot)


def leftovers_of_finished_boxes() -> dict[str, list[str]]:
    """``leftovers()``, minus the cgroups and processes of boxes that are still running."""
    left = leftovers()
    cgroups = []
    for path in left["cgroups"]:
        suffix = path.rsplit("judgebox-", 1)[1].split(".")[0]
        if _left_by_finished_box(int(suffix) if suffix.isdigit() else None, path):
            cgroups.append(path)
    processes = []
    for pid in left["processes"]:
        slot = _uid_slot(pid)
        if slot is None and not os.path.exists(f"/proc/{pid}"):
            continue  # exited between the two reads
        if _left_by_finished_box(slot, f"/proc/{pid}"):
            processes.append(_describe(pid))
    return {"cgroups": cgroups, "processes": processes, "mounts": left["mounts"]}


@pytest.fixture
def settled_leftovers():
    """``check(grace_s=2.0)`` -> what finished boxes left behind, as a list of lines.

    Looks right away (what a caller of ``run()`` finds when it returns); anything found is
    looked at again until it is gone or ``grace_s`` has passed. What is still there is
    returned (a failure); what went away meanwhile (say, a zombie being reaped) is a warning.
    """
    def check(grace_s: float = 2.0) -> list[str]:
        first = leftovers_of_finished_boxes()
        if not any(first.values()):
            return []
        deadline = time.monotonic() + grace_s
        last = first
        while any(last.values()) and time.monotonic() < deadline:
            time.sleep(0.02)
            last = leftovers_of_finished_boxes()
        if not any(last.values()):
            warnings.warn(f"gone within {grace_s} s of run() returning: {first}")
        return [f"{kind}: {item}" for kind, items in last.items() for item in items]

    return check


def box_processes_below(ancestor: int) -> list[tuple[int, int]]:
    """(host pid, uid) of processes running as a box uid that descend from ``ancestor``."""
    parents: dict[int, int] = {}
    uids: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                fields = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
        except OSError:
            continue
        parents[int(entry)] = int(fields["PPid"])
        uids[int(entry)] = int(fields["Uid"].split()[0])
    found = []
    for pid, uid in uids.items():
        p, hops = pid, 0
        while uid in BOX_UIDS and p > 1 and hops < 64:
            p, hops = parents.get(p, 0), hops + 1
            if p == ancestor:
                found.append((pid, uid))
                break
    return found


@pytest.fixture
def box_processes():
    """``find(ancestor=os.getpid())`` -> (host pid, uid) of the box processes this test runs."""
    return lambda ancestor=None: box_processes_below(os.getpid() if ancestor is None
                                                     else ancestor)


def fds_open_in(directory: str) -> int:
    """How many fds of this process are open on files in ``directory``."""
    found = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            found += os.path.dirname(os.readlink(f"/proc/self/fd/{fd}")) == directory
        except FileNotFoundError:
            pass  # the listing's own fd, closed since
    return found


@pytest.fixture
def open_in():
    """``open_in(directory)`` -> how many fds of this process are open on files there."""
    return fds_open_in


# --- canaries outside every box (issue 9): a host file, a directory and a process ----------

class Canary:
    """A root-only host file with known content and mtime, a host directory holding a file,
    and a host process: what a hostile box (or a judge tricked by one, through a link it
    planted) must never read, change, delete or kill."""

    MTIME_NS = 1_000_000_000 * 10**9  # 2001-09-09: anything that touches the file moves it

    def __init__(self, base: Path) -> None:
        self.token = f"judgebox-canary-{os.getpid()}-{os.urandom(6).hex()}"
        self.content = f"{self.token}\nroot:canary-secret:19000:0:99999:7:::\n".encode()
        self.dir = base / "canary-dir"
        self.dir.mkdir(mode=0o700)
        self.file = self.dir / "canary.txt"
        self.file.write_bytes(self.content)
        os.chmod(self.file, 0o600)
        os.utime(self.file, ns=(self.MTIME_NS, self.MTIME_NS))
        self.inode = os.stat(self.file).st_ino
        self.process = subprocess.Popen(["sleep", "86400"], stdin=subprocess.DEVNULL,
                                        start_new_session=True)

    def placeholders(self) -> dict[str, str]:
        """``{canary_file}`` and ``{canary_dir}`` for a case's arguments."""
        return {"canary_file": str(self.file), "canary_dir": str(self.dir)}

    def secrets(self) -> list[bytes]:
        """What must never show up in anything the judge read back from a box."""
        return [self.token.encode()]

    def problems(self) -> list[str]:
        """What changed since the start (nothing, when all is well)."""
        found = []
        try:
            st = os.lstat(self.file)
            if (st.st_ino, st.st_mtime_ns, st.st_mode & 0o7777, st.st_uid, st.st_nlink) != \
                    (self.inode, self.MTIME_NS, 0o600, 0, 1):
                found.append(f"canary file {self.file} changed: inode {st.st_ino}, mtime "
                             f"{st.st_mtime_ns}, mode {oct(st.st_mode)}, uid {st.st_uid}, "
                             f"links {st.st_nlink}")
            elif self.file.read_bytes() != self.content:
                found.append(f"canary file {self.file}: its content changed")
        except OSError as exc:
            found.append(f"canary file {self.file}: {exc}")
        if sorted(os.listdir(self.dir)) != ["canary.txt"]:
            found.append(f"canary dir {self.dir} holds {sorted(os.listdir(self.dir))}")
        if self.process.poll() is not None:
            found.append(f"canary process {self.process.pid} died "
                         f"(returncode {self.process.returncode})")
        return found

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture(scope="session")
def canary_session(tmp_path_factory):
    """One ``Canary`` for the session (its process stopped at the end)."""
    canary = Canary(tmp_path_factory.mktemp("canary"))
    yield canary
    canary.close()


@pytest.fixture
def canary(canary_session):
    """The session's ``Canary``, checked after the test: it must be unchanged. (Tests that
    want the check inside their own assertion call ``canary.problems()`` themselves.)"""
    yield canary_session
    problems = canary_session.problems()
    assert not problems, f"a host canary changed: {problems}"


@pytest.fixture
def no_pool(monkeypatch):
    """This process's pool of prepared boxes closed and off for the test (a test that counts
    the fork server's children, or swaps the cgroup backend under the boxes)."""
    from sandbox import box

    monkeypatch.setenv("JUDGEBOX_POOL", "0")
    box.close_pool()


@pytest.fixture
def v2_backend(monkeypatch, no_pool):
    """The sandbox on cgroup v2 as far as this host allows: the v2 backend over this machine's
    cgroup2 mount, beneath the judge's own cgroup there (skipped without a cgroup2 mount)."""
    from sandbox import cgroup_v2, cgroups, runner

    _, v2_mount = cgroups.mountinfo_cgroups()
    if v2_mount is None:
        pytest.skip("no cgroup2 mount")
    backend = cgroup_v2.V2(os.path.join(v2_mount, cgroups.own_cgroups()[""].strip("/")), ())
    host = runner._host()
    monkeypatch.setattr(runner, "_host", lambda: runner._Host(host.run_dir, backend,
                                                             host.last_cap))
    return backend

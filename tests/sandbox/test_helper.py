"""The box helper (``sandbox/native/jbox.c``): its protocol with the supervisor, and the
network namespaces it makes ahead of the boxes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import HostError, Limits, SandboxSpec, Status, forkserver, open_box, run

REPO = Path(__file__).resolve().parents[2]

# Checks that the box's loopback is up (SIOCGIFFLAGS, through the AF_UNIX socket the filter
# allows), then names the network namespace it ran in.
LOOPBACK = ("python3", "-c",
            "import fcntl, os, socket, struct\n"
            "s = socket.socket(socket.AF_UNIX)\n"
            "ifreq = struct.pack('16sH14x', b'lo', 0)\n"
            "flags = struct.unpack('16sH14x', fcntl.ioctl(s, 0x8913, ifreq))[1]\n"
            "assert flags & 1, 'lo is down'\n"
            "print(os.readlink('/proc/self/ns/net'))")
LIMITS = Limits(cpu_time_ms=5000, wall_time_ms=10000)


def _namespace(out) -> str:
    assert out.status is Status.OK, (out.status, out.message, out.stderr)
    return out.stdout.decode().strip()


def test_each_box_has_a_network_namespace_of_its_own_with_loopback_up():
    """The fork server makes the next box's namespace ahead: never the host's, never one an
    open box holds, never the same for two boxes in a row."""
    host = os.readlink("/proc/self/ns/net")
    with open_box() as box:
        held = _namespace(box.run(SandboxSpec(LOOPBACK, LIMITS)))
        cold = [_namespace(run(SandboxSpec(LOOPBACK, LIMITS))) for _ in range(3)]
        assert _namespace(box.run(SandboxSpec(LOOPBACK, LIMITS))) == held  # the box's own
    assert host != held and host not in cold and held not in cold
    assert all(a != b for a, b in zip(cold, cold[1:]))


def test_the_helper_refuses_a_malformed_plan_and_goes_on_serving():
    server = forkserver.server()
    with server.lock:
        for plan in (b"\x7f\x05\x00\x00\x00hello",  # a record of no known kind
                     b"a\xff\xff\xff\x7fls\x00",  # a record longer than the plan
                     b"i\x03\x00\x00\x00abc"):  # ids of the wrong size
            server.sock.send(plan)
            answer = server.sock.recv(4096)
            assert answer.startswith(b"E"), (plan, answer)
    assert server.alive()
    assert run(SandboxSpec(("true",), LIMITS)).status is Status.OK


def test_a_plan_to_run_as_root_is_refused():
    """The helper never runs a program as root, whatever the plan says (a slot's uid is
    JUDGEBOX_UID_BASE + n: a base of 0 would make slot 0 root)."""
    from sandbox import mounts, runner, seccomp
    from sandbox._plan import ChildPlan

    host = runner._host()
    root = mounts.plan_root(os.path.join(host.run_dir, "root"), (), (), 0, 0)
    r, w = os.pipe()
    try:
        plan = ChildPlan(("init",), {}, root, [], 0, 0, host.last_cap, seccomp.compile_filter(),
                         -1, (), -1, -1, -1, w, w)
        with pytest.raises(HostError, match="malformed plan"):
            forkserver.server().spawn(plan)
    finally:
        os.close(r)
        os.close(w)
    assert run(SandboxSpec(("true",), LIMITS)).status is Status.OK


JUDGE_WITH_ODD_SIGNALS = """
import signal, sys
from sandbox import Limits, SandboxSpec, open_box, run
for sig in (signal.SIGHUP, signal.SIGQUIT, signal.SIGXCPU, signal.SIGCHLD, signal.SIGUSR2):
    signal.signal(sig, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1, signal.SIGALRM, signal.SIGTERM])
status = run(SandboxSpec(("cat", "/proc/self/status")))
print(status.status.value, *sorted(line for line in status.stdout.decode().splitlines()
                                    if line.startswith(("SigIgn", "SigBlk"))))
with open_box() as box:  # a limit ends a run through SIGUSR1 to the box's init
    spin = box.run(SandboxSpec(("sh", "-c", "while :; do :; done"), Limits(cpu_time_ms=300)))
    print(spin.status.value, spin.killed_by, box.run(SandboxSpec(("true",))).status.value)
"""


def test_the_box_ignores_what_the_judge_ignores_or_blocks():
    """A judge started under nohup, or with signals blocked in its thread, starts the helper
    with them: the helper resets every disposition and its mask, so the program starts with
    all signals at their defaults and none blocked, and a reusable box's init still takes the
    judge's SIGUSR1."""
    out = subprocess.run([sys.executable, "-c", JUDGE_WITH_ODD_SIGNALS], capture_output=True,
                         text=True, timeout=60, cwd=REPO)
    assert out.returncode == 0, out.stderr
    first, second = out.stdout.splitlines()
    assert first.split() == ["OK", "SigBlk:", "0000000000000000", "SigIgn:", "0000000000000000"]
    assert second.split() == ["TLE", "cpu-time", "OK"]


def test_sysctls_are_read_only_in_the_box():
    out = run(SandboxSpec(("awk", '$2 == "/proc/sys" { print $4 }', "/proc/self/mounts"),
                          LIMITS))
    assert out.status is Status.OK and out.stdout.decode().startswith("ro,"), out


def test_a_plan_that_binds_through_one_of_its_symlinks_is_refused(tmp_path):
    """Making a mount point under a symlink of the new root would follow the link (maybe to
    the host): the helper refuses such a plan, whoever made it."""
    from sandbox import mounts, runner, seccomp
    from sandbox._plan import ChildPlan

    host = runner._host()
    good = mounts.plan_root(os.path.join(host.run_dir, "root"), (), (), 61999, 61999)
    bad = mounts.RootPlan(good.base, good.binds + ((str(tmp_path), "/link/data", False, True),),
                          good.symlinks + (("/link", str(tmp_path)),), good.etc_files)
    r, w = os.pipe()
    try:
        plan = ChildPlan(("init",), {}, bad, [], 61999, 61999, host.last_cap,
                         seccomp.compile_filter(), -1, (), -1, -1, -1, w, w)
        with pytest.raises(HostError, match="malformed plan"):
            forkserver.server().spawn(plan)
    finally:
        os.close(r)
        os.close(w)
    assert list(tmp_path.iterdir()) == []


def test_a_host_that_cannot_build_the_helper_gets_a_clear_error(tmp_path, monkeypatch):
    from sandbox import _native

    monkeypatch.setenv("CC", "/bin/false")
    with pytest.raises(HostError, match="cannot build the box helper with /bin/false"):
        _native._build(str(tmp_path / "jbox-test"))
    assert list(tmp_path.iterdir()) == []  # nothing half-built left
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))
    with pytest.raises(HostError, match="cannot build the box helper"):
        _native._build(str(tmp_path / "jbox-test"))


def test_the_helper_is_built_again_when_its_file_went_and_old_ones_go(tmp_path, monkeypatch):
    from sandbox import _native

    monkeypatch.setenv("JUDGEBOX_RUN_DIR", str(tmp_path))
    path = Path(_native.helper_path())
    assert path.parent == tmp_path and os.access(path, os.X_OK)
    old, recent = tmp_path / "jbox-0000000000000000", tmp_path / "jbox-1111111111111111"
    for other in (old, recent):
        other.write_bytes(b"another judgebox's helper")
    os.utime(old, (0, 0))  # built long ago
    path.unlink()  # gone (someone cleaned the run directory)
    assert Path(_native.helper_path()) == path and os.access(path, os.X_OK)
    assert not old.exists() and recent.exists()


JUDGE_WITHOUT_STDIO = """
import os, sys
out = sys.argv[1]
for fd in (0, 1, 2):
    os.close(fd)  # a judge started with its standard fds closed (a daemon, say)
from sandbox import SandboxSpec, run
status = run(SandboxSpec(("sh", "-c", "cat; echo out; echo err >&2"), stdin="/etc/hostname"))
with open(out, "wb") as f:
    f.write(b"%s|%s|%s" % (status.status.value.encode(), status.stdout, status.stderr))
"""


def test_a_judge_without_stdin_stdout_and_stderr_still_gets_the_program_s(tmp_path):
    """The helper fills its closed standard fds with /dev/null first, so no fd it receives
    (a box's stdout pipe, say) can sit at 0, 1 or 2, where the keeper points /dev/null."""
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-c", JUDGE_WITHOUT_STDIO, str(out)], cwd=REPO,
                          timeout=60, stdin=subprocess.DEVNULL, capture_output=True)
    assert done.returncode == 0, done.stderr
    hostname = Path("/etc/hostname").read_bytes()
    assert out.read_bytes() == b"OK|" + hostname + b"out\n|err\n"

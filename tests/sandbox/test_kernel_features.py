"""Every kernel feature the sandbox relies on, one probe each, with the Linux version that
added it. The README's minimum kernel is the newest of these; the vm suite (tests/vm) runs
this file on Debian 12's kernel 6.1, the oldest judgebox claims, and this host runs it too.

Each probe makes the call the sandbox makes (in a forked child when it changes the process:
namespaces, mounts, seccomp), so a kernel that lacks the feature, or refuses it, fails here
with the errno instead of as an SE on some box later.
"""

from __future__ import annotations

import ctypes
import os
import re
import select
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Callable, NamedTuple

import pytest

from sandbox import _libc, cgroups, namespaces
from sandbox.doctor import _in_child

README = Path(__file__).resolve().parents[2] / "README.md"
_syscall = _libc._libc.syscall  # restype long, errno kept (sandbox/_libc.py)
_ok = _libc._check

SYS_OPEN_TREE = 428
SYS_CLONE3 = 435
SYS_CLOSE_RANGE = 436
SYS_KEYCTL = 250
OPEN_TREE_CLONE = 1
CLONE_INTO_CGROUP = 0x200000000
KEYCTL_JOIN_SESSION_KEYRING = 1


def _private_mounts() -> None:
    _libc.unshare(_libc.CLONE_NEWNS)
    _libc.mount(None, "/", None, _libc.MS_REC | _libc.MS_PRIVATE)


def _in_fresh_child(step: Callable[[], None]) -> None:
    """Run ``step`` in a forked child; raise with its message if it failed."""
    err = _in_child(step)
    assert err is None, err


# --- the probes ---------------------------------------------------------------------------

def probe_namespaces() -> None:
    _in_fresh_child(lambda: (namespaces.enter_box_namespaces(),
                             namespaces.enter_cgroup_namespace()))


def probe_proc_hidepid_invisible() -> None:
    def step() -> None:
        _private_mounts()
        target = tempfile.mkdtemp(prefix="judgebox-probe-")
        _libc.mount("proc", target, "proc", 0, "hidepid=invisible")
    _in_fresh_child(step)


def probe_new_mount_api_tmpfs() -> None:
    def step() -> None:
        _private_mounts()
        fd = _libc.new_tmpfs({"size": "64k", "mode": "0755"})
        target = tempfile.mkdtemp(prefix="judgebox-probe-")
        _libc.attach_mount(fd, target)
        assert os.statvfs(target).f_blocks * os.statvfs(target).f_frsize == 64 << 10
    _in_fresh_child(step)


def probe_open_tree_clone() -> None:
    def step() -> None:
        _private_mounts()
        source, target = (tempfile.mkdtemp(prefix="judgebox-probe-") for _ in range(2))
        Path(source, "seen").touch()
        fd = _ok(_syscall(SYS_OPEN_TREE, -100, os.fsencode(source),
                          OPEN_TREE_CLONE | os.O_CLOEXEC))
        _libc.attach_mount(fd, target)
        assert os.listdir(target) == ["seen"]
    _in_fresh_child(step)


def probe_pivot_root() -> None:
    from sandbox.doctor import _pivot
    _in_fresh_child(_pivot)


class _CloneArgs(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in (
        "flags", "pidfd", "child_tid", "parent_tid", "exit_signal", "stack", "stack_size",
        "tls", "set_tid", "set_tid_size", "cgroup")]


def probe_clone3_into_cgroup() -> None:
    """clone3 with CLONE_INTO_CGROUP into a fresh v2 cgroup beneath our own (v2 boxes are born
    in their cgroup this way)."""
    _, v2_mount = cgroups.mountinfo_cgroups()
    if v2_mount is None:
        pytest.skip("no cgroup2 mount on this host (v1 boxes join their cgroups by writing "
                    "to tasks)")
    own = cgroups.own_cgroups()[""].strip("/")
    path = os.path.join(v2_mount, own, f"judgebox-probe-{os.getpid()}")
    os.mkdir(path)
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        args = _CloneArgs(flags=CLONE_INTO_CGROUP, exit_signal=signal.SIGCHLD, cgroup=fd)
        pid = _ok(_syscall(SYS_CLONE3, ctypes.byref(args), ctypes.sizeof(args)))
        if pid == 0:
            os.kill(os.getpid(), signal.SIGSTOP)  # stopped where the parent can see it
            os._exit(0)
        try:
            _, status = os.waitpid(pid, os.WUNTRACED)
            assert os.WIFSTOPPED(status), status
            with open(os.path.join(path, "cgroup.procs")) as f:
                assert f.read().split() == [str(pid)]
        finally:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    finally:
        os.close(fd)
        os.rmdir(path)


def probe_close_range() -> None:
    fd = os.dup(0)
    _ok(_syscall(SYS_CLOSE_RANGE, fd, fd, 0))
    with pytest.raises(OSError):
        os.fstat(fd)


def probe_pidfd() -> None:
    """pidfd_open, a pidfd readable once its process ended (poll), pidfd_send_signal."""
    proc = subprocess.Popen(["sleep", "60"])
    try:
        fd = os.pidfd_open(proc.pid)
        assert not select.select([fd], [], [], 0)[0]
        signal.pidfd_send_signal(fd, signal.SIGKILL)
        assert select.select([fd], [], [], 10)[0]
        os.close(fd)
    finally:
        proc.kill()
        assert proc.wait(10) == -signal.SIGKILL


def probe_seccomp_filter() -> None:
    from sandbox import seccomp

    program = seccomp.compile_filter()

    def step() -> None:
        import prctl
        prctl.set_no_new_privs(1)
        _libc.load_seccomp_bpf(program)
    _in_fresh_child(step)


def probe_ambient_capabilities() -> None:
    _in_fresh_child(lambda: _libc.prctl(_libc.PR_CAP_AMBIENT, _libc.PR_CAP_AMBIENT_CLEAR_ALL))


def probe_session_keyring() -> None:
    _in_fresh_child(lambda: _ok(_syscall(SYS_KEYCTL, KEYCTL_JOIN_SESSION_KEYRING, None)))


def _box_cgroup_files(version: int, names: list[str]) -> None:
    backend = cgroups.backend()
    if backend.version != version:
        pytest.skip(f"this host's box cgroups are v{backend.version}")
    cg = backend.create(f"judgebox-test-{os.getpid()}")
    try:
        backend.apply_limits(cg, 64 << 20, 8)
        found = {name for name in names
                 if any(os.path.exists(os.path.join(p, name)) for p in cg.paths.values())}
        assert found == set(names), f"missing in {cg.paths}: {set(names) - found}"
    finally:
        backend.remove(cg)


def probe_cgroup_v2_files() -> None:
    """The v2 interface files: cgroup.kill (5.14), memory.peak (5.19), memory.events'
    oom_kill (4.13), memory.oom.group (4.19), memory.swap.max, pids.max, cpu.stat."""
    _box_cgroup_files(2, ["cgroup.kill", "memory.peak", "memory.events", "memory.oom.group",
                          "memory.swap.max", "memory.max", "pids.max", "cpu.stat"])


def probe_cgroup_v1_files() -> None:
    """The v1 files: memsw (swap accounting on), max_usage, oom_control's oom_kill (4.13)."""
    _box_cgroup_files(1, ["memory.memsw.limit_in_bytes", "memory.max_usage_in_bytes",
                          "memory.oom_control", "pids.max", "cpuacct.usage"])
    backend = cgroups.backend()
    with open(os.path.join(backend.parents["memory"], "memory.oom_control")) as f:
        assert "oom_kill " in f.read()


class Feature(NamedTuple):
    name: str
    since: tuple[int, int]  # the Linux version that added it
    probe: Callable[[], None]


FEATURES = [
    Feature("mount, pid, ipc, uts, net namespaces; cgroup namespace", (4, 6), probe_namespaces),
    Feature("procfs hidepid=invisible", (5, 8), probe_proc_hidepid_invisible),
    Feature("new mount API: fsopen/fsconfig/fsmount of tmpfs, move_mount", (5, 2),
            probe_new_mount_api_tmpfs),
    Feature("open_tree(OPEN_TREE_CLONE): detached bind mounts", (5, 2), probe_open_tree_clone),
    Feature("pivot_root onto a detached tmpfs", (5, 2), probe_pivot_root),
    Feature("clone3(CLONE_INTO_CGROUP)", (5, 7), probe_clone3_into_cgroup),
    Feature("close_range", (5, 9), probe_close_range),
    Feature("pidfd_open, pidfd poll, pidfd_send_signal", (5, 3), probe_pidfd),
    Feature("seccomp filters (KILL_PROCESS for a foreign architecture)", (4, 14),
            probe_seccomp_filter),
    Feature("ambient capabilities", (4, 3), probe_ambient_capabilities),
    Feature("keyctl JOIN_SESSION_KEYRING", (2, 6), probe_session_keyring),
    Feature("cgroup v2: cgroup.kill, memory.peak, memory.events, memory.oom.group", (5, 19),
            probe_cgroup_v2_files),
    Feature("cgroup v1: memory+swap, max_usage, oom_control's oom_kill", (4, 13),
            probe_cgroup_v1_files),
]


@pytest.mark.parametrize("feature", FEATURES, ids=[f.probe.__name__[6:] for f in FEATURES])
def test_the_kernel_has(feature: Feature) -> None:
    feature.probe()


def test_the_readme_states_the_minimum_kernel() -> None:
    """The README names the newest feature's version as the minimum, and the oldest kernel
    tested (6.1, the vm suite's)."""
    newest = max(f.since for f in FEATURES)
    text = README.read_text()
    match = re.search(r"Linux (\d+)\.(\d+) or later", text)
    assert match, "README.md says no minimum kernel (Linux X.Y or later)"
    stated = (int(match[1]), int(match[2]))
    assert stated >= newest, f"README says {stated}, but a feature needs {newest}"
    assert stated <= (6, 1), "README claims a newer minimum than the kernel the vm suite runs"

"""Boot Debian 12's kernel (6.1, cgroup v2 only) in a virtual machine and run tests inside it.

The guest is QEMU under TCG (emulation: nested KVM does not boot a guest on these machines)
started by virtme-ng (``vng``, pinned in the test extras), with this machine's root shared
read-only (9p) and one folder shared writable for the results. The kernel is Debian's own
``linux-image-*-amd64`` package, unpacked by ``./dev.sh`` into ``.vm/kernel`` with its modules
and their ``modules.dep`` (virtme-ng links them into the guest's /lib/modules; the host's
/lib/modules is not touched). Nothing here needs the network.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VM_DIR = REPO / ".vm"
VENV_BIN = Path(sys.executable).parent

# What runs in the guest. Chosen for a guest that emulates every instruction (a box costs
# about 20 times what it does here): the tests where cgroup v1 and v2 differ, the kernel
# features, and a judgement of every example; the rest of the sandbox suite runs on the
# host, where the kernel-independent parts (mounts, seccomp, isolation) are the same code.
# (test_cli's tests start a Python process each: their 60 s timeouts are too short for an
# emulated machine on a loaded host, and a pytest-timeout firing there ends the guest's whole
# session; test_cgroup_v2 runs the command line once, with room.)
GUEST_TESTS = [
    "tests/sandbox/test_kernel_features.py",
    "tests/sandbox/test_cgroup_v2.py",
    "tests/sandbox/test_oom.py",  # a judge at oom_score_adj -1000: root here cannot lower it
    "tests/sandbox/test_layers.py::test_a_judge_killed_mid_run_leaves_nothing",  # the sweeper
    "tests/sandbox/test_layers.py::"
    "test_the_cgroups_a_dead_judge_and_its_fork_server_left_are_swept_at_start",
    "tests/sandbox/test_layers.py::"
    "test_a_fork_server_closed_by_its_live_judge_leaves_the_judges_cgroups_alone",
    "tests/sandbox/test_layers.py::test_figures_kept_open_read_the_cgroup_anew_each_time",
    "tests/sandbox/test_pool.py::"
    "test_a_process_that_ends_without_closing_its_prepared_boxes_leaves_nothing",
    "tests/sandbox/test_warm_box.py::test_memory_limit_and_peak_are_per_run",
    "tests/vm/guest_examples.py",
]
# The guest's expected skips: v1 probes on a v2 kernel. (The host's own v2 tests,
# test_layers' and test_warm_box's on a cgroup2 mount without controllers, are not run there.)
GUEST_SKIPS = {"tests/sandbox/test_kernel_features.py::test_the_kernel_has[cgroup_v1_files]",
               "tests/sandbox/test_oom.py::"
               "test_a_judge_in_a_memory_cgroup_with_the_oom_killer_off_still_gets_mle"}
GUEST_MEMORY = "2G"
GUEST_CPUS = 1  # TCG runs each virtual CPU on a host thread: one core of the two


def kernel_image() -> Path | None:
    """Debian's kernel as dev.sh unpacked it, if it did."""
    found = sorted(VM_DIR.glob("kernel/boot/vmlinuz-*"))
    return found[-1] if found else None


def missing() -> list[str]:
    """What this machine lacks to boot the guest, each with how to get it."""
    wanted = {"qemu-system-x86_64": "apt-get install qemu-system-x86",
              "busybox": "apt-get install busybox-static", "depmod": "apt-get install kmod"}
    gaps = [f"{tool} ({how})" for tool, how in wanted.items()
            if shutil.which(tool) is None and not Path("/usr/sbin", tool).exists()]
    if not (VENV_BIN / "vng").exists():
        gaps.append("vng (virtme-ng, in the test extras: ./dev.sh test)")
    image = kernel_image()
    if image is None:
        gaps.append(f"Debian's kernel in {VM_DIR}/kernel (./dev.sh test unpacks it)")
    elif not list(VM_DIR.glob("kernel/lib/modules/*/modules.dep")):
        gaps.append(f"modules.dep of {image.name} (./dev.sh test runs depmod)")
    return gaps


@dataclass
class Boot:
    """One boot: the command's exit status, the console (kernel and command output), how long
    the whole boot-run-poweroff took."""

    returncode: int | None
    console: str
    seconds: float


class GuestRun:
    """One boot of the guest, started in the background: by default it runs GUEST_TESTS (see
    conftest.py), else ``guest_command`` (argv, in the guest); its records land in ``shared``
    (a folder the guest writes at the same path: a new one, or the given one)."""

    def __init__(self, guest_command: list[str] | None = None, shared: Path | None = None,
                 memory: str = GUEST_MEMORY) -> None:
        from sandbox import _native

        # (no "judgebox" in its name: the guest's leftover checks flag any mount that has it)
        self.shared = shared or new_shared_folder()
        # the box helper built here: the same source and static binary (building it under
        # emulation would take a minute of every run)
        helper = Path(_native.helper_path())
        shutil.copy2(helper, self.shared / helper.name)
        self.junit = self.shared / "junit.xml"
        if guest_command is None:
            pytest_args = ["-p", "no:cacheprovider", "-p", "pytest_timeout", "-q", "-rfEs",
                           "-o", "junit_family=xunit1", "-o", "junit_logging=all",
                           f"--junitxml={self.junit}", "-m", "not vm and not compose",
                           *GUEST_TESTS]
            guest_command = [str(Path(__file__).with_name("guest_main.py")), str(self.shared),
                             str(self.shared / helper.name), "--", *pytest_args]
        command = ["env", "PYTHONDONTWRITEBYTECODE=1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1",
                   sys.executable, *guest_command]
        image = kernel_image()
        assert image is not None, missing()
        vng = [str(VENV_BIN / "vng"), "--run", str(image), "--disable-kvm", "--force-9p",
               "--verbose",  # the kernel's messages too: the console says why a boot failed
               "--memory", memory, "--cpus", str(GUEST_CPUS), "--rwdir",
               str(self.shared), "--cwd", str(REPO), "--exec", shlex.join(command)]
        env = dict(os.environ, PATH=f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}")
        self.console = self.shared / "console.log"
        self.started = time.monotonic()
        with self.console.open("wb") as out:
            self.process = subprocess.Popen(vng, stdin=subprocess.DEVNULL, stdout=out,
                                            stderr=subprocess.STDOUT, env=env,
                                            start_new_session=True)

    def wait(self, timeout_s: float) -> Boot:
        """Wait for the guest to power off (killing it past ``timeout_s`` from its start)."""
        try:
            code = self.process.wait(max(1.0, timeout_s - (time.monotonic() - self.started)))
        except subprocess.TimeoutExpired:
            self.stop()
            code = None
        return Boot(code, self.console.read_text(errors="replace"),
                    time.monotonic() - self.started)

    def stop(self) -> None:
        """End QEMU and virtme-ng (their process group, which this run started)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.shared, ignore_errors=True)


def new_shared_folder() -> Path:
    """A folder for one boot's records, readable by the guest (its root maps to ours)."""
    shared = Path(tempfile.mkdtemp(prefix="v2-guest-"))
    os.chmod(shared, 0o755)
    return shared


_run: GuestRun | None = None


def guest_run() -> GuestRun:
    """The session's guest run: the one started in the background, or one started now."""
    global _run
    if _run is None:
        _run = GuestRun()
    return _run


def end_guest_run() -> None:
    """Stop and remove the session's guest run, if any (at the session's end)."""
    global _run
    if _run is not None:
        _run.remove()
        _run = None


def keep(shared: Path) -> None:
    """Keep the last guest run's records in .vm/last/ (pytest's temp folders rotate)."""
    last = VM_DIR / "last"
    shutil.rmtree(last, ignore_errors=True)
    last.mkdir(parents=True)
    for name in ("console.log", "pytest.log", "junit.xml", "guest.json"):
        if (shared / name).exists():
            shutil.copy2(shared / name, last / name)


@dataclass
class Result:
    """One guest test as its junit record tells it."""

    nodeid: str
    outcome: str  # passed, failed, error, skipped
    seconds: float
    detail: str  # the failure's text and the test's output


def read_junit(path: Path) -> list[Result]:
    """The results pytest wrote in the guest (xunit1: each test case names its file)."""
    results = []
    for case in ET.parse(path).getroot().iter("testcase"):
        nodeid = f"{case.get('file')}::{case.get('name')}"
        outcome, detail = "passed", ""
        for kind in ("failure", "error", "skipped"):
            element = case.find(kind)
            if element is not None:
                outcome = {"failure": "failed"}.get(kind, kind)
                detail = f"{element.get('message', '')}\n{element.text or ''}"
        for stream in ("system-out", "system-err"):
            element = case.find(stream)
            if element is not None and element.text and outcome != "passed":
                detail += f"\n--- {stream} ---\n{element.text}"
        results.append(Result(nodeid, outcome, float(case.get("time") or 0), detail))
    return results


def selected(results: list[Result], selection: str) -> list[Result]:
    """The results of one entry of GUEST_TESTS (a file, or a file::test)."""
    return [r for r in results
            if r.nodeid == selection or r.nodeid.startswith(selection + "::")
            or r.nodeid.startswith(selection + "[")]

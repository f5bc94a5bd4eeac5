"""The sandbox on a real cgroup v2 kernel: Debian 12's 6.1 booted in a virtual machine
(vmkit.py), running inside it the tests where v1 and v2 differ, the kernel feature probes and a
judgement of every example (vmkit.GUEST_TESTS), each reported here as a test of its own with
the guest's output when it fails. One boot serves the whole module (about 40 s of boot; the
tests take the rest); it starts in the background as soon as the session's tests are
collected (conftest.py), so that in a whole run it overlaps the compose test. Its console,
pytest's output and junit file are kept in .vm/last/.

Skipped, saying what is missing, on a machine without QEMU, virtme-ng or the kernel; a
failure instead where ``JUDGEBOX_REQUIRE`` names ``vm`` (.ci/run sets it).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import vmkit
from deploy_kit import need

pytestmark = [pytest.mark.vm, pytest.mark.timeout(1800)]

BOOT_TIMEOUT_S = 1500


@pytest.fixture(scope="module")
def guest():
    """The boot that runs every GUEST_TESTS entry (started in the background when the session's
    collection ended: conftest.py): (facts, results, boot, shared folder)."""
    need("vm", "boot the cgroup v2 guest", vmkit.missing())
    run = vmkit.guest_run()
    booted = run.wait(BOOT_TIMEOUT_S)
    shared = run.shared
    vmkit.keep(shared)
    facts_file = shared / "guest.json"
    assert facts_file.exists() and run.junit.exists(), (
        f"the guest ran nothing (exit {booted.returncode} after {booted.seconds:.0f} s); its "
        f"console:\n{booted.console[-6000:]}\npytest:\n{_tail(shared / 'pytest.log')}")
    facts = json.loads(facts_file.read_text())
    return facts, vmkit.read_junit(run.junit), booted, shared


def _tail(path: Path, chars: int = 6000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else "(none)"


def test_the_guest_is_cgroup_v2_only_on_kernel_6_1(guest):
    facts, results, booted, shared = guest
    print(f"guest {facts['release']}: booted in {facts['uptime_s']:.1f} s, tests "
          f"{facts['pytest_s']} s, whole run {booted.seconds:.0f} s; {len(results)} tests: "
          + ", ".join(f"{sum(r.outcome == o for r in results)} {o}"
                      for o in ("passed", "failed", "error", "skipped")))
    print(_tail(shared / "pytest.log", 3000))
    assert facts["release"].startswith("6.1."), facts
    assert [m.split()[0] for m in facts["cgroup_mounts"]] == ["cgroup2"], facts
    assert {"memory", "pids", "cpu"} <= set(facts["controllers"]), facts


@pytest.mark.parametrize("selection", vmkit.GUEST_TESTS)
def test_in_the_guest(guest, selection, request):
    _, results, booted, shared = guest
    mine = vmkit.selected(results, selection)
    for r in mine:
        print(f"{r.outcome:7} {r.seconds:6.1f} s  {r.nodeid}")
    bad = [r for r in mine if r.outcome != "passed" and r.nodeid not in vmkit.GUEST_SKIPS]
    if bad or not mine:
        request.node.add_report_section("call", "guest pytest", _tail(shared / "pytest.log"))
    assert mine, f"the guest ran no test of {selection}"
    assert not bad, "\n\n".join(f"{r.outcome.upper()} in the guest: {r.nodeid}\n{r.detail}"
                                for r in bad)

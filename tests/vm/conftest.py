"""Leave out test_worker_in_guest.py unless ``JUDGEBOX_GUEST_WORKER=1`` asks for it (10 to 12
minutes, most of it the image's ``docker load`` under emulation: opt-in, out of CI's budget).
Start the cgroup v2 guest as soon as the session's tests are collected, when vm tests are
among them and this machine can boot it: it then boots and runs its tests (one core,
emulated) while the tests before it run here, which in a whole run (tests are taken in
alphabetical order of folders) is the compose test, whose image builds mostly wait on the
network and dpkg. test_v2_guest.py collects its results; the session's end stops it."""

from __future__ import annotations

import os

import vmkit


def pytest_collection_modifyitems(config, items) -> None:
    if os.environ.get("JUDGEBOX_GUEST_WORKER") == "1":
        return
    left_out = [item for item in items if item.get_closest_marker("guest_worker")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item not in left_out]


def pytest_report_header(config) -> str | None:
    if os.environ.get("JUDGEBOX_GUEST_WORKER") != "1":
        return ("tests/vm/test_worker_in_guest.py: left out (opt-in, 10 to 12 minutes: "
                "JUDGEBOX_GUEST_WORKER=1)")
    return None


def pytest_collection_finish(session) -> None:
    if session.config.option.collectonly or vmkit.missing():
        return
    if any(item.get_closest_marker("vm") and not item.get_closest_marker("guest_worker")
           for item in session.items):
        vmkit.guest_run()


def pytest_sessionfinish(session, exitstatus) -> None:
    vmkit.end_guest_run()

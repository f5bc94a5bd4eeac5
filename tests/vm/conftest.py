"""Start the cgroup v2 guest as soon as the session's tests are collected, when vm tests are
among them and this machine can boot it: it then boots and runs its tests (one core,
emulated) while the tests before it run here, which in a whole run (tests are taken in
alphabetical order of folders) is the compose test, whose image builds mostly wait on the
network and dpkg. test_v2_guest.py collects its results; the session's end stops it."""

from __future__ import annotations

import vmkit


def pytest_collection_finish(session) -> None:
    if session.config.option.collectonly or vmkit.missing():
        return
    if any(item.get_closest_marker("vm") for item in session.items):
        vmkit.guest_run()


def pytest_sessionfinish(session, exitstatus) -> None:
    vmkit.end_guest_run()

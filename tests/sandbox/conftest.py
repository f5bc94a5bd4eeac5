"""Shared fixtures of the sandbox tests: what a box may leave behind (nothing), and a C compiler."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

BOX_UIDS = range(61000, 62000)


def leftover_cgroups() -> list[str]:
    """Box cgroup directories (``judgebox-*``) anywhere under the v1 and v2 hierarchies."""
    found = []
    for top in ("/sys/fs/cgroup",):
        for dirpath, dirnames, _ in os.walk(top):
            for d in dirnames:
                if d.startswith("judgebox-") and d != "judgebox-supervisor":
                    found.append(os.path.join(dirpath, d))
    return found


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


def leftover_mounts() -> list[str]:
    """Mounts in the judge's namespace whose path names judgebox."""
    with open("/proc/self/mounts") as f:
        return [line for line in f if "judgebox" in line]


def leftovers() -> dict[str, list[str]]:
    """Everything a finished box must not leave behind; empty lists when clean."""
    return {"cgroups": leftover_cgroups(), "processes": leftover_processes(),
            "mounts": leftover_mounts()}


@pytest.fixture
def clean_host():
    """Assert that the test left no box cgroup, process or mount behind."""
    yield
    left = leftovers()
    assert not any(left.values()), f"left behind: {left}"


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

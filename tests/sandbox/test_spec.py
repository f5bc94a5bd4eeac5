"""The spec is validated before any system call: bad input gets a clear SpecError."""

from __future__ import annotations

import pytest

from sandbox import Limits, Mount, SandboxSpec, SpecError, load_template


@pytest.mark.parametrize("kwargs, words", [
    (dict(cpu_time_ms=0), "cpu_time_ms"),
    (dict(memory_kib=-5), "memory_kib"),
    (dict(memory_kib=100), "at least 1024"),
    (dict(processes=True), "processes"),
    (dict(wall_time_ms=0), "wall_time_ms"),
    (dict(output_kib=1.5), "output_kib"),
])
def test_bad_limits(kwargs, words):
    with pytest.raises(SpecError, match=words):
        Limits(**kwargs)


def test_derived_limits():
    limits = Limits(cpu_time_ms=2000, memory_kib=65536)
    assert limits.wall_ms == 5000 and limits.stack_limit_kib == 65536
    assert Limits(wall_time_ms=700).wall_ms == 700


@pytest.mark.parametrize("kwargs, words", [
    (dict(command=()), "non-empty"),
    (dict(command="ls -l"), "non-empty"),
    (dict(command=("a\0b",)), "NUL"),
    (dict(command=("ls",), files=(("../x", b""),)), "plain names"),
    (dict(command=("ls",), collect=("a/b",)), "plain names"),
    (dict(command=("ls",), stdin="/nonexistent"), "stdin"),
    (dict(command=("ls",), env=(("A=B", "c"),)), "environment"),
])
def test_bad_specs(kwargs, words):
    with pytest.raises(SpecError, match=words):
        SandboxSpec(**kwargs)


@pytest.mark.parametrize("target", ["/proc", "/dev/x", "/box", "/", "relative", "/a/../etc"])
def test_mounts_cannot_cover_the_skeleton(target):
    with pytest.raises(SpecError):
        Mount("/usr", target)


def test_mount_parse():
    assert Mount.parse("/usr:/opt/usr") == Mount("/usr", "/opt/usr")
    assert Mount.parse("/usr", writable=True) == Mount("/usr", "/usr", writable=True)
    with pytest.raises(SpecError, match="does not exist"):
        Mount.parse("/no/such/dir")


def test_templates():
    default = load_template("default")
    assert any(m.source == "/usr" for m in default.mounts)
    assert dict(default.env)["HOME"] == "/box"
    with pytest.raises(SpecError, match="no template"):
        load_template("nosuch")
    with pytest.raises(SpecError, match="bad template name"):
        load_template("../etc/passwd")

"""Templates (``rootfs-templates/<name>.toml``, the ``[box]`` table): single files and symlinks to
files bring what they point to, symlinks to directories stay bare links, mounts come parents
first; and a box built from a language template sees only what it lists."""

from __future__ import annotations

import os

import pytest

from sandbox import Limits, SandboxSpec, Status, load_template, run


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A host tree with links, and a templates folder of its own."""
    (tmp_path / "usr/bin").mkdir(parents=True)
    (tmp_path / "usr/lib/tool").mkdir(parents=True)
    (tmp_path / "usr/bin/tool-1.2").write_text("#!/bin/sh\n")
    os.symlink("tool-1.2", tmp_path / "usr/bin/tool-1")
    os.symlink(str(tmp_path / "usr/bin/tool-1"), tmp_path / "usr/bin/tool")
    os.symlink("../lib/tool/helper", tmp_path / "usr/bin/helper")
    (tmp_path / "usr/lib/tool/helper").write_text("")
    os.symlink("usr/bin", tmp_path / "bin")
    templates = tmp_path / "templates"
    templates.mkdir()
    monkeypatch.setenv("JUDGEBOX_TEMPLATES", str(templates))
    load_template.cache_clear()
    yield tmp_path
    load_template.cache_clear()


def _template(tree, paths, optional=()):
    (tree / "templates/t.toml").write_text(
        f"[box]\npaths = {[str(tree / p) for p in paths]!r}\n"
        f"optional_paths = {[str(tree / p) for p in optional]!r}\n".replace("'", '"'))
    return [(m.source[len(str(tree)):], m.optional) for m in load_template("t").mounts]


def test_a_symlink_to_a_file_brings_its_chain(tree):
    mounts = _template(tree, ["usr/bin/tool"])
    assert mounts == [("/usr/bin/tool", False), ("/usr/bin/tool-1", False),
                      ("/usr/bin/tool-1.2", False)]


def test_a_listed_directory_already_holds_the_target(tree):
    mounts = _template(tree, ["usr/lib/tool", "usr/bin/helper"])
    assert mounts == [("/usr/bin/helper", False), ("/usr/lib/tool", False)]


def test_a_symlink_to_a_directory_stays_a_bare_link(tree):
    assert _template(tree, ["bin"]) == [("/bin", False)]


def test_optional_paths_keep_their_links_optional(tree):
    assert _template(tree, [], optional=["usr/bin/helper", "no/such"]) == [
        ("/no/such", True), ("/usr/bin/helper", True), ("/usr/lib/tool/helper", True)]


def test_parents_come_before_children_and_duplicates_go(tree):
    mounts = _template(tree, ["usr/lib/tool/helper", "usr/lib/tool", "usr/lib/tool"])
    assert mounts == [("/usr/lib/tool", False), ("/usr/lib/tool/helper", False)]


def test_default_template_is_unchanged():
    load_template.cache_clear()
    sources = {m.source for m in load_template("default").mounts}
    assert sources == {"/usr", "/lib", "/bin", "/sbin", "/etc/alternatives", "/etc/ld.so.cache",
                       "/lib64", "/lib32", "/libx32"}


@pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root")
@pytest.mark.usefixtures("clean_host")
@pytest.mark.timeout(30)
def test_a_language_box_sees_only_its_listed_files():
    load_template.cache_clear()
    out = run(SandboxSpec(("/usr/bin/sh", "-c", "echo /usr/bin/*; echo /usr/lib/*"),
                          Limits(cpu_time_ms=2000), template="bash"))
    assert out.status is Status.OK, out
    usr_bin, usr_lib = out.stdout.decode().split("\n")[:2]
    assert "/usr/bin/bash" in usr_bin.split() and "/usr/bin/sed" in usr_bin.split()
    assert "/usr/bin/gcc" not in usr_bin.split() and "/usr/bin/perl" not in usr_bin.split()
    assert "/usr/lib/x86_64-linux-gnu" in usr_lib.split()
    assert "/usr/lib/jvm" not in usr_lib.split() and "/usr/lib/gcc" not in usr_lib.split()

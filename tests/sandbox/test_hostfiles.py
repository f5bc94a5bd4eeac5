"""Host files placed in /box are written from memory while they are unchanged
(``sandbox._hostfiles``): a changed file, one changed too recently to be trusted, and one too
big are read from the file again; the memory they take is bounded, and a box's goes when it
closes."""

from __future__ import annotations

import os
import time

import pytest

from sandbox import _hostfiles


def _settled(path, data: bytes, mode: int = 0o644):
    """Write ``data`` and wait until its change is old enough to be trusted."""
    path.write_bytes(data)
    os.chmod(path, mode)
    time.sleep(_hostfiles.RACY_NS / 1e9 + 0.01)
    return path


def test_an_unchanged_file_is_read_once_and_a_changed_one_again(tmp_path):
    kept = _hostfiles.Kept()
    path = _settled(tmp_path / "prog", b"\x7fELF one", 0o755)
    _identity, mode, first = kept.bytes_of(path)
    assert first == b"\x7fELF one" and mode & 0o111
    assert kept.bytes_of(path)[2] is first  # from memory: the same object
    path.write_bytes(b"\x7fELF two")  # same inode, same size, just now
    assert kept.bytes_of(path) is None  # too recent to trust: copy it from the file
    time.sleep(_hostfiles.RACY_NS / 1e9 + 0.01)
    assert kept.bytes_of(path)[2] == b"\x7fELF two"
    (tmp_path / "other").write_bytes(b"\x7fELF six")
    os.replace(tmp_path / "other", path)  # another inode at that path
    time.sleep(_hostfiles.RACY_NS / 1e9 + 0.01)
    assert kept.bytes_of(path)[2] == b"\x7fELF six"


def test_a_file_too_big_is_not_kept_and_the_memory_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(_hostfiles, "MAX_FILE", 1000)
    monkeypatch.setattr(_hostfiles, "MAX_BYTES", 2500)
    kept_files = _hostfiles.Kept()
    big = _settled(tmp_path / "big", b"b" * 1001)
    assert kept_files.bytes_of(big) is None
    files = [_settled(tmp_path / f"f{i}", bytes([65 + i]) * 1000) for i in range(3)]
    kept = [kept_files.bytes_of(f)[2] for f in files]
    assert kept_files.size <= 2500
    assert str(files[0]) not in kept_files.files  # the least recently placed went
    assert kept_files.bytes_of(files[2])[2] is kept[2]


def test_a_file_that_is_gone_is_an_error_as_before(tmp_path):
    with pytest.raises(FileNotFoundError):
        _hostfiles.Kept().bytes_of(tmp_path / "missing")


@pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root")
def test_a_box_keeps_its_files_while_open_and_drops_them_when_closed(tmp_path):
    from sandbox import SandboxSpec, Status, open_box
    from sandbox.box import _reaper

    data = _settled(tmp_path / "data", b"kept\n" * 1000)
    spec = SandboxSpec(("sh", "-c", "wc -c < /box/data"), files=(("data", data),))
    box = open_box()
    try:
        for _ in range(3):
            out = box.run(spec)
            assert out.status is Status.OK and out.stdout == b"5000\n", out
        files = box._ahead.files
        assert str(data) in files.files and files.size == 5000
    finally:
        box.close()
    _reaper.drain()
    assert files.size == 0 and not files.files


@pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root")
def test_a_box_says_what_it_holds_and_not_what_changed_too_recently(tmp_path):
    """``runner._prepare_box`` places the files and says what it placed, the form a reusable
    box compares the next run's files with: a host file by its identity when its copy can be
    trusted, from memory or not; a file changed too recently to tell makes it say nothing."""
    from sandbox import SandboxSpec, runner

    prog = _settled(tmp_path / "prog", b"\x7fELF one", 0o755)
    fresh = tmp_path / "fresh"
    for kept in (_hostfiles.Kept(), None):  # from memory, then with sendfile from the file
        spec = SandboxSpec(("true",), files=(("prog", prog), ("in", b"1 2\n")))
        fd, holds = runner._prepare_box(spec, 61999, 61999, kept)
        try:
            placed = os.open("prog", os.O_RDONLY, dir_fd=fd)
            try:
                assert os.read(placed, 100) == b"\x7fELF one"
                assert os.fstat(placed).st_mode & 0o111 and os.fstat(placed).st_uid == 61999
            finally:
                os.close(placed)
        finally:
            os.close(fd)
        assert holds == (("prog", str(prog), *_hostfiles.identity(os.stat(prog))),
                         ("in", b"1 2\n"))
        fresh.write_bytes(b"just now")
        fd, holds = runner._prepare_box(SandboxSpec(("true",), files=(("prog", prog),
                                                                      ("fresh", fresh))),
                                        61999, 61999, kept)
        os.close(fd)
        assert holds is None

"""Host files placed in /box are written from memory while they are unchanged
(``sandbox._hostfiles``): a changed file, one changed too recently to be trusted, and one too
big are read from the file again; the memory they take is bounded."""

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
    path = _settled(tmp_path / "prog", b"\x7fELF one", 0o755)
    mode, first = _hostfiles.kept_bytes(path)
    assert first == b"\x7fELF one" and mode & 0o111
    assert _hostfiles.kept_bytes(path)[1] is first  # from memory: the same object
    path.write_bytes(b"\x7fELF two")  # same inode, same size, just now
    assert _hostfiles.kept_bytes(path) is None  # too recent to trust: copy it from the file
    time.sleep(_hostfiles.RACY_NS / 1e9 + 0.01)
    assert _hostfiles.kept_bytes(path)[1] == b"\x7fELF two"
    (tmp_path / "other").write_bytes(b"\x7fELF six")
    os.replace(tmp_path / "other", path)  # another inode at that path
    time.sleep(_hostfiles.RACY_NS / 1e9 + 0.01)
    assert _hostfiles.kept_bytes(path)[1] == b"\x7fELF six"


def test_a_file_too_big_is_not_kept_and_the_memory_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(_hostfiles, "MAX_FILE", 1000)
    monkeypatch.setattr(_hostfiles, "MAX_BYTES", 2500)
    big = _settled(tmp_path / "big", b"b" * 1001)
    assert _hostfiles.kept_bytes(big) is None
    files = [_settled(tmp_path / f"f{i}", bytes([65 + i]) * 1000) for i in range(3)]
    kept = [_hostfiles.kept_bytes(f)[1] for f in files]
    assert _hostfiles._kept.size <= 2500
    assert str(files[0]) not in _hostfiles._kept.files  # the least recently placed went
    assert _hostfiles.kept_bytes(files[2])[1] is kept[2]


def test_a_file_that_is_gone_is_an_error_as_before(tmp_path):
    with pytest.raises(FileNotFoundError):
        _hostfiles.kept_bytes(tmp_path / "missing")

"""What a language's toolchain is on this host, as one string: the key part that the compile
cache (``worker.core.compile_cache``) and the precompiled headers (``worker.core.pch``) share.

``toolchain_id(language)`` hashes the language's own file (commands, flags, its box), every host
path its box binds (inode, size, modification time: a package upgrade replaces the files) and
what its ``version`` command prints, run in the language's box as the self-test does (once per
process and host state). Changing any of them changes the id, so nothing built by another
compiler is ever reused.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

import sandbox
from sandbox import Limits, SandboxError, SandboxSpec, Status, load_template, run

from .languages import Language

__all__ = ["ToolchainUnknown", "toolchain_id", "host_fingerprint", "code_fingerprint"]

_VERSION_LIMITS = Limits(cpu_time_ms=10_000, wall_time_ms=20_000, memory_kib=1024 * 1024)
_versions: dict[tuple[str, str], str] = {}


class ToolchainUnknown(Exception):
    """The version command failed: nothing is cached or precompiled for this language."""


@functools.lru_cache(maxsize=None)
def code_fingerprint(salt: str, extra: tuple[str, ...] = ()) -> str:
    """judgebox's own code a compile goes through: the sandbox, and the languages, compile
    step, compile cache, PCH and toolchain modules (plus ``extra`` modules of ``worker``),
    with ``salt`` (the caller's format version). Read once per process."""
    here = Path(__file__).parent
    paths = sorted(Path(sandbox.__file__).parent.glob("*.py"))
    paths += [here / name for name in ("languages.py", "compile.py", "compile_cache.py",
                                       "pch.py", "toolchain.py", *extra)]
    digest = hashlib.sha256(f"{salt}\n".encode())
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def host_fingerprint(language: Language) -> str:
    """The language's file and the host paths its box binds (cheap: a few ``stat`` calls)."""
    digest = hashlib.sha256(language.path.read_bytes() if language.path.is_file() else b"")
    digest.update(f"\0{language.id}\0".encode())
    try:
        mounts = load_template(language.template).mounts
    except SandboxError as exc:
        raise ToolchainUnknown(f"{language.id}: {exc}") from exc
    for mount in mounts:
        try:
            st = os.stat(mount.source)
            digest.update(f"{mount.source} {st.st_ino} {st.st_size} {st.st_mtime_ns}\n".encode())
        except OSError:
            digest.update(f"{mount.source} missing\n".encode())
    return digest.hexdigest()


def _version(language: Language) -> str:
    try:
        outcome = run(SandboxSpec(language.argv(language.version, {}, 1024), _VERSION_LIMITS,
                                  template=language.template))
    except SandboxError as exc:
        raise ToolchainUnknown(f"{language.id}: version command: {exc}") from exc
    if outcome.status is not Status.OK:
        raise ToolchainUnknown(f"{language.id}: version command {outcome.status.value}")
    return (outcome.stdout + outcome.stderr).decode("utf-8", "replace").strip()


def toolchain_id(language: Language) -> str:
    """The id of the language's toolchain here (``ToolchainUnknown`` when it cannot tell)."""
    host = host_fingerprint(language)
    memo = (language.id, host)
    if memo not in _versions:
        _versions[memo] = _version(language)
    return hashlib.sha256(f"{host}\n{_versions[memo]}".encode()).hexdigest()

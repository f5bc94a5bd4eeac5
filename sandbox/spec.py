"""The spec of one run, as data: frozen dataclasses validated before any system call.

Units are in the names (``cpu_time_ms``, ``memory_kib``) so that no caller has to guess.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SpecError

__all__ = ["Limits", "Mount", "SandboxSpec"]

# Box paths a caller may not mount over: the box's own skeleton.
_RESERVED = ("/", "/proc", "/dev", "/box", "/tmp", "/etc")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one run. ``None`` for ``wall_time_ms`` and ``stack_kib`` means derived.

    - ``wall_time_ms`` defaults to twice the CPU limit plus one second;
    - ``stack_kib`` defaults to the memory limit (as contest judges do);
    - ``output_kib`` caps stdout (beyond it: OLE) and the size of any file the program writes;
    - ``stderr_kib`` is how much stderr is kept (more is read and dropped, never an error);
    - ``box_kib`` and ``tmp_kib`` size the writable tmpfs mounts ``/box`` and ``/tmp``.
    """

    cpu_time_ms: int = 5_000
    wall_time_ms: int | None = None
    memory_kib: int = 256 * 1024
    processes: int = 64
    output_kib: int = 64 * 1024
    stderr_kib: int = 64
    stack_kib: int | None = None
    open_files: int = 512
    box_kib: int = 64 * 1024
    tmp_kib: int = 64 * 1024

    def __post_init__(self) -> None:
        for name in ("cpu_time_ms", "memory_kib", "processes", "output_kib", "open_files",
                     "box_kib", "tmp_kib"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise SpecError(f"limit {name} must be a positive integer, got {value!r}")
        for name in ("wall_time_ms", "stack_kib"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value <= 0):
                raise SpecError(f"limit {name} must be a positive integer, got {value!r}")
        if self.stderr_kib < 0:
            raise SpecError("limit stderr_kib must not be negative")
        if self.memory_kib < 1024:
            raise SpecError("limit memory_kib must be at least 1024 (1 MiB)")
        if self.open_files < 8:
            raise SpecError("limit open_files must be at least 8")

    @property
    def wall_ms(self) -> int:
        """The wall-clock limit in force (derived when not given)."""
        return self.wall_time_ms or 2 * self.cpu_time_ms + 1_000

    @property
    def stack_limit_kib(self) -> int:
        """The stack rlimit in force (the memory limit when not given)."""
        return self.stack_kib or self.memory_kib


@dataclass(frozen=True)
class Mount:
    """A bind mount of a host path into the box; read-only unless ``writable``.

    ``optional`` mounts are skipped when the host path does not exist (templates list
    ``/lib64`` and the like, which not every host has).
    """

    source: str
    target: str
    writable: bool = False
    optional: bool = False

    def __post_init__(self) -> None:
        if not os.path.isabs(self.source):
            raise SpecError(f"mount source must be an absolute path: {self.source!r}")
        target = _box_path(self.target, "mount target")
        object.__setattr__(self, "target", target)
        if target in _RESERVED or target.startswith(("/proc/", "/dev/")):
            raise SpecError(f"cannot mount over the box's own {target}")

    @classmethod
    def parse(cls, text: str, writable: bool = False) -> "Mount":
        """Parse the CLI form ``SRC[:DST]`` (``DST`` defaults to ``SRC``)."""
        source, _, target = text.partition(":")
        if not source:
            raise SpecError(f"empty mount source in {text!r}")
        source = os.path.abspath(source)
        if not os.path.exists(source):
            raise SpecError(f"mount source does not exist: {source}")
        return cls(source, target or source, writable)


def _box_path(path: str, what: str) -> str:
    if not isinstance(path, str) or not path.startswith("/") or "\0" in path:
        raise SpecError(f"{what} must be an absolute path: {path!r}")
    if ".." in path.split("/"):
        raise SpecError(f"{what} must not contain '..': {path!r}")
    return posixpath.normpath(path)


COLLECT_ALL = "*"       # in ``collect``: every regular file directly in /box
COLLECT_ALL_MAX = 256   # ... at most this many (by name)


def _box_name(name: str) -> str:
    if not name or "/" in name or name in (".", "..") or "\0" in name:
        raise SpecError(f"box file names are plain names (no '/'): {name!r}")
    return name


@dataclass(frozen=True)
class SandboxSpec:
    """One run: the command, its limits, its files and its view of the host.

    - ``command``: argv; ``command[0]`` is looked up in the template's ``PATH`` inside the box;
    - ``template``: the name of a template in ``rootfs-templates/`` (its host paths and env);
    - ``mounts``: extra bind mounts from the caller, after the template's;
    - ``stdin``: a host file for standard input (``None``: empty input);
    - ``files``: files to place in ``/box`` before the run, name -> content or host path;
    - ``collect``: names of files to return from ``/box`` after the run (missing ones are
      left out), each up to ``collect_max_kib``; ``"*"`` (:data:`COLLECT_ALL`): every regular
      file directly in ``/box``, the first :data:`COLLECT_ALL_MAX` by name;
    - ``env``: extra environment variables over the template's.
    """

    command: tuple[str, ...]
    limits: Limits = field(default_factory=Limits)
    template: str = "default"
    mounts: tuple[Mount, ...] = ()
    stdin: str | None = None
    files: tuple[tuple[str, bytes | Path], ...] = ()
    collect: tuple[str, ...] = ()
    collect_max_kib: int = 64 * 1024
    env: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.command, (str, bytes)) or not self.command:
            raise SpecError("command must be a non-empty sequence of arguments")
        object.__setattr__(self, "command", tuple(self.command))
        for arg in self.command:
            if not isinstance(arg, str) or "\0" in arg:
                raise SpecError(f"command arguments must be strings without NUL: {arg!r}")
        object.__setattr__(self, "files", tuple((_box_name(n), c) for n, c in self.files))
        object.__setattr__(self, "collect", tuple(n if n == COLLECT_ALL else _box_name(n)
                                                  for n in self.collect))
        object.__setattr__(self, "mounts", tuple(self.mounts))
        targets = [m.target for m in self.mounts]
        if len(set(targets)) != len(targets):
            raise SpecError("two mounts share one target")
        if self.stdin is not None and not os.path.isfile(self.stdin):
            raise SpecError(f"stdin is not a readable file: {self.stdin}")
        for key, value in self.env:
            if not key or "=" in key or "\0" in key + value:
                raise SpecError(f"bad environment variable {key!r}")
        if not isinstance(self.limits, Limits):
            raise SpecError("limits must be a Limits")

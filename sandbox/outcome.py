"""What one run of a program did: the :class:`Outcome`, documented like isolate's meta file.

Fields of :class:`Outcome`:

``status``
    ``OK`` exit 0 · ``RE`` non-zero exit, or a signal the judge did not send · ``TLE`` CPU or wall
    time limit passed · ``MLE`` the cgroup's OOM killer fired, or a failed run had its peak
    memory at the limit, or a run over its time was thrashing at its memory limit (its files
    evicted and read back: ``message`` says so) · ``OLE`` output limit or file-size limit
    passed · ``SE`` the sandbox itself failed (never the program's fault).
``exit_code``
    The program's exit status when it exited on its own, else ``None``.
``signal``
    The signal that ended the program (also when the judge sent it), else ``None``.
``time``
    CPU seconds (user + system) of every process and thread of the box, from the cgroup.
``wall_time``
    Seconds of the monotonic clock from ``exec`` to the end of the program.
``memory_kib``
    Peak memory of the box's cgroup in KiB (not ``ru_maxrss``).
``stdout``, ``stderr``
    What the program wrote, capped (see ``Limits.output_kib`` and ``Limits.stderr_kib``).
``killed_by``
    Why the judge killed the box: ``"cpu-time"``, ``"wall-time"``, ``"output"``, or ``None`` when
    the judge did not kill it.
``oom_killed``
    The cgroup's OOM killer fired in this run.
``message``
    For ``SE``: what failed; otherwise a short human note (may be empty).
``files``
    Files collected from ``/box`` after the run (``SandboxSpec.collect``), by name.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

__all__ = ["Status", "Outcome"]


class Status(str, enum.Enum):
    """Status of one run (sandbox level)."""

    OK = "OK"
    RE = "RE"
    TLE = "TLE"
    MLE = "MLE"
    OLE = "OLE"
    SE = "SE"


@dataclass(frozen=True)
class Outcome:
    """The result of one sandboxed run; see the module docstring for every field."""

    status: Status
    exit_code: int | None = None
    signal: int | None = None
    time: float = 0.0
    wall_time: float = 0.0
    memory_kib: int = 0
    stdout: bytes = b""
    stderr: bytes = b""
    killed_by: str | None = None
    oom_killed: bool = False
    message: str = ""
    files: dict[str, bytes] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for people: status, how it ended, time, wall time, memory, why killed."""
        ended = (f"signal {self.signal}" if self.signal is not None else
                 f"exit {self.exit_code}" if self.exit_code is not None else "not run")
        killed = f" killed: {self.killed_by}" if self.killed_by else ""
        return (f"{self.status.value} ({ended}) time {self.time:.3f}s wall {self.wall_time:.3f}s "
                f"memory {self.memory_kib} KiB{killed}")

    def to_json(self) -> dict[str, object]:
        """The ``judgebox sandbox --json`` object, exactly as DESIGN.md specifies it."""
        return {
            "status": self.status.value,
            "exit_code": self.exit_code,
            "signal": self.signal,
            "time": round(self.time, 3),
            "wall_time": round(self.wall_time, 3),
            "memory": self.memory_kib,
            "stdout": self.stdout.decode("utf-8", "replace"),
            "stderr": self.stderr.decode("utf-8", "replace"),
        }

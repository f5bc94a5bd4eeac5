"""Resource limits set in the box before the program runs: one table, computed here, applied in
order by the box helper in the program's process.

The cgroup is the real fence for memory and tasks; rlimits add what cgroups cannot say (core
dumps, file size, stack, open files) and backstops in case the watchdog were late:

=============  ============================================  =======================================
rlimit          value                                          why
=============  ============================================  =======================================
CORE            0                                              no core files in the box
STACK           ``stack_limit_kib`` (memory limit by default)  deep recursion as contest judges allow
NOFILE          ``open_files``                                 fd exhaustion stays in the box
FSIZE           ``output_kib`` + 1 byte                        a file past the limit: SIGXFSZ, OLE
CPU             CPU limit rounded up + 1 s (hard + 2 s)        backstop behind the cgroup watchdog
NPROC           ``processes``                                  per-uid fence behind pids.max
MEMLOCK         64 KiB                                         nothing to pin
MSGQUEUE        0                                              no POSIX message queue memory
=============  ============================================  =======================================
"""

from __future__ import annotations

import math
import resource

from .spec import Limits

__all__ = ["table"]


def table(limits: Limits) -> list[tuple[int, int, int]]:
    """(resource, soft, hard) for a run with these limits; computed in the parent."""
    cpu = math.ceil(limits.cpu_time_ms / 1000) + 1
    return [
        (resource.RLIMIT_CORE, 0, 0),
        (resource.RLIMIT_STACK, limits.stack_limit_kib * 1024, limits.stack_limit_kib * 1024),
        (resource.RLIMIT_NOFILE, limits.open_files, limits.open_files),
        # one byte over the limit: a write that crosses it leaves that byte as evidence (the
        # kernel cuts it short without SIGXFSZ), which the judge finds in /box after the run
        (resource.RLIMIT_FSIZE, limits.output_kib * 1024 + 1, limits.output_kib * 1024 + 1),
        (resource.RLIMIT_CPU, cpu, cpu + 1),
        (resource.RLIMIT_NPROC, limits.processes, limits.processes),
        (resource.RLIMIT_MEMLOCK, 64 * 1024, 64 * 1024),
        (resource.RLIMIT_MSGQUEUE, 0, 0),
    ]

"""What the child half of a box does, as data: computed by the supervisor, carried out by the
box helper (``native/jbox.c``, see :mod:`sandbox._native`).

Process tree, all forked by the helper (the supervisor's fork server)::

    helper ── keeper: new session; unshare mount, pid, ipc, uts, net namespaces
                └── init (PID 1): build the root, loopback, hostname; reap; report
                      └── program: join cgroup, cgroup ns, fds, rlimits, drop privileges,
                          seccomp, exec

A :class:`ChildPlan` travels to the helper with its fds (SCM_RIGHTS); a reusable box's init
takes one :class:`RunOrder` per run with the run's fds (``RUN_FDS``, then the cgroup fds).
Both are encoded as records: a tag byte, a little-endian u32 length, the payload (strings
NUL-terminated). The helper refuses anything else.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from . import mounts

__all__ = ["ChildPlan", "RunOrder", "RUN_FDS", "FD_FIELDS", "encode_plan", "encode_order"]

# The fd fields of a plan, in the order the helper reads them.
FD_FIELDS = ("box_mount_fd", "stdin_fd", "stdout_w", "stderr_w", "setup_w", "result_w",
             "control_fd")
# The fds of one run of a reusable box, in the order they travel with a RunOrder.
RUN_FDS = ("box_mount_fd", "stdin_fd", "stdout_w", "stderr_w", "setup_w", "result_w")


@dataclass(frozen=True)
class ChildPlan:
    """Everything the child half needs, computed by the supervisor before it starts."""

    argv: tuple[str, ...]
    env: dict[str, str]
    root: mounts.RootPlan
    rlimits: list[tuple[int, int, int]]
    uid: int
    gid: int
    last_cap: int
    seccomp_bpf: bytes  # the box's filter (init loads it; every program inherits it)
    box_mount_fd: int
    cgroup_fds: tuple[int, ...]  # "tasks" files (v1), or the v2 cgroup's directory
    stdin_fd: int
    stdout_w: int
    stderr_w: int
    setup_w: int
    result_w: int
    born_in_cgroup: bool = False  # v2: the program is forked into its cgroup (cgroup_fds[0])
    control_fd: int = -1  # init takes its run's order here (a reusable box: the order socket)
    reusable: bool = False  # init serves runs until the box is closed (else: one run)
    cpu_share: str = ""  # v1: the slot's cgroup in the cpu hierarchy, joined (made if not
    #                      there) by the keeper, so init and every program are in it; "" none
    seccomp_last_bpf: bytes = b""  # the program's last filter, loaded just before exec (the
    #                                helper refuses a plan without it: sandbox/seccomp.py)


@dataclass(frozen=True)
class RunOrder:
    """One run of a reusable box: what differs from run to run."""

    argv: tuple[str, ...]
    env: dict[str, str]
    rlimits: list[tuple[int, int, int]]
    tmp_kib: int


def _record(tag: bytes, payload: bytes) -> bytes:
    return tag + struct.pack("<I", len(payload)) + payload


def _z(text: str) -> bytes:
    return text.encode() + b"\0"


def _command(argv: tuple[str, ...], env: dict[str, str],
             rlimits: list[tuple[int, int, int]]) -> list[bytes]:
    out = [_record(b"a", _z(arg)) for arg in argv]
    out += [_record(b"e", _z(f"{key}={value}")) for key, value in env.items()]
    out += [_record(b"r", struct.pack("<QQQ", res, soft & (2**64 - 1), hard & (2**64 - 1)))
            for res, soft, hard in rlimits]
    return out


def encode_plan(plan: ChildPlan) -> bytes:
    """The plan as the helper reads it; its fd fields are indices into the fds sent with it."""
    root = plan.root
    out = _command(plan.argv, plan.env, plan.rlimits)
    out.append(_record(b"i", struct.pack("<IIIII", plan.uid, plan.gid, plan.last_cap,
                                         int(plan.born_in_cgroup), int(plan.reusable))))
    out.append(_record(b"s", plan.seccomp_bpf))
    out.append(_record(b"S", plan.seccomp_last_bpf))
    fds = [getattr(plan, name) for name in FD_FIELDS] + list(plan.cgroup_fds)
    out.append(_record(b"f", struct.pack(f"<{len(fds)}i", *fds)))
    if plan.cpu_share:
        out.append(_record(b"c", _z(plan.cpu_share)))
    out.append(_record(b"R", _z(root.base)))
    out.append(_record(b"h", _z(root.hostname)))
    for source, target, writable, is_dir in root.binds:
        out.append(_record(b"b", bytes([writable, is_dir]) + _z(source) + _z(target)))
    for target, link in root.symlinks:
        out.append(_record(b"l", _z(target) + _z(link)))
    for name, data in root.etc_files:
        out.append(_record(b"F", _z(name) + data))
    for path, is_dir, data in root.proc_masks:
        out.append(_record(b"m", bytes([is_dir]) + _z(path) + data))
    return b"".join(out)


def encode_order(order: RunOrder) -> bytes:
    """A reusable box's run as its init reads it (the fds travel alongside)."""
    return b"".join(_command(order.argv, order.env, order.rlimits)
                    + [_record(b"t", struct.pack("<Q", order.tmp_kib))])

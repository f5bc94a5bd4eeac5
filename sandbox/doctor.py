"""``judgebox doctor``: what this host can and cannot do for the sandbox, and what to do."""

from __future__ import annotations

import os
from typing import Callable, NamedTuple

from . import _libc, cgroups, namespaces

__all__ = ["Check", "checks"]


class Check(NamedTuple):
    """One check: its name, whether it passed, what was seen, and what to do if not."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def _in_child(step: Callable[[], None]) -> str | None:
    """Run ``step`` in a forked child (so the judge itself changes nothing); None if it worked."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            step()
            os._exit(0)
        except BaseException as exc:  # report anything, the child must never return
            os.write(w, str(exc).encode()[:500])
            os._exit(1)
    os.close(w)
    message = os.read(r, 1000).decode(errors="replace")
    os.close(r)
    _, status = os.waitpid(pid, 0)
    return None if os.waitstatus_to_exitcode(status) == 0 else message or "failed"


def _check_root() -> Check:
    ok = os.geteuid() == 0
    return Check("root", ok, f"euid {os.geteuid()}", "run judgebox as root (sudo)")


def _check_namespaces() -> Check:
    err = _in_child(lambda: (namespaces.enter_box_namespaces(),
                             namespaces.enter_cgroup_namespace()))
    return Check("namespaces", err is None, err or "mount, pid, ipc, uts, net, cgroup",
                 "enable user/ns support in the kernel; in a container, grant CAP_SYS_ADMIN")


def _pivot() -> None:
    _libc.unshare(_libc.CLONE_NEWNS)
    _libc.mount(None, "/", None, _libc.MS_REC | _libc.MS_PRIVATE)
    fd = _libc.new_tmpfs({"size": "64k"})
    _libc.mount("tmpfs", "/tmp", "tmpfs", 0, "size=64k")
    os.mkdir("/tmp/root")
    _libc.attach_mount(fd, "/tmp/root")
    os.chdir("/tmp/root")
    _libc.pivot_root(".", ".")
    _libc.umount2(".", _libc.MNT_DETACH)


def _check_pivot() -> Check:
    err = _in_child(_pivot)
    return Check("pivot_root", err is None, err or "new mount API + pivot_root work",
                 "needs Linux >= 5.2 (fsopen/fsmount) and a root that is not ramfs")


def _check_seccomp() -> Check:
    from . import seccomp

    def load() -> None:
        import prctl
        prctl.set_no_new_privs(1)
        _libc.load_seccomp_bpf(seccomp.compile_filter())

    try:
        size = len(seccomp.compile_filter()) // 8
    except Exception as exc:  # noqa: BLE001 - any failure of libseccomp is the finding
        return Check("seccomp", False, f"libseccomp: {exc}", "apt-get install libseccomp2")
    err = _in_child(load)
    return Check("seccomp", err is None, err or f"filter of {size} BPF instructions loads",
                 "a kernel with CONFIG_SECCOMP_FILTER")


def _check_helper() -> Check:
    from . import _native

    try:
        path = _native.helper_path()
    except Exception as exc:  # noqa: BLE001 - a failed build is the finding
        return Check("box helper", False, str(exc).splitlines()[0],
                     "apt-get install gcc libc6-dev (the box helper is built from C on first use)")
    return Check("box helper", True, f"built at {path}")


def _check_cgroups() -> Check:
    try:
        backend = cgroups.backend()
        cg = backend.create(f"judgebox-doctor-{os.getpid()}")
        try:
            backend.apply_limits(cg, 64 << 20, 8)
            backend.stats(cg)
        finally:
            backend.remove(cg)
    except Exception as exc:  # noqa: BLE001 - report whatever failed
        return Check("cgroups", False, str(exc),
                     "mount cgroup v2 with memory and pids delegated, or v1 memory (with "
                     "swapaccount=1 for memsw), pids and cpuacct; or set JUDGEBOX_CGROUP_PARENT")
    where = ", ".join(sorted(getattr(backend, "parents", {}).values())) or backend.parent
    if backend.version == 1:
        share = getattr(backend, "share_parent", None)
        mounted = cgroups.mountinfo_cgroups()[0]
        if share:
            where += f"; each box's cpu weight beneath {share}"
        elif "cpu" in mounted and mounted["cpu"] == mounted.get("cpuacct"):
            where += "; each run's cgroup its cpu weight (cpu is mounted with cpuacct)"
        else:
            return Check("cgroups", False, f"v1 beneath {where}, but the cpu controller is "
                         "not mounted or not writable: concurrent boxes are not weighted "
                         "alike (one box of many sessions could take the others' CPU)",
                         "mount the v1 cpu controller writable (or cpu,cpuacct together)")
    return Check("cgroups", True, f"v{backend.version} beneath {where}")


def _check_pinning() -> Check:
    from . import cpus
    from .errors import SandboxError

    fix = ("mount the v1 cpuset controller writable on a hierarchy of its own, or delegate "
           "cpuset to the judge's v2 cgroup; or set JUDGEBOX_CPUS=off")
    try:
        pinnable = cpus.pinnable()
        backend = cgroups.backend()
    except SandboxError as exc:
        return Check("cpu pinning", False, str(exc), fix)
    if not pinnable:
        return Check("cpu pinning", True, "off (JUDGEBOX_CPUS): boxes run on any CPU")
    listed = ",".join(map(str, pinnable))
    if backend.version == 1:
        where = getattr(backend, "pin_parent", None)
        found = where is not None
    else:
        where = backend.parent
        try:
            with open(os.path.join(where, "cgroup.controllers")) as f:
                found = "cpuset" in f.read().split()
        except OSError:
            found = False
    if not found:
        return Check("cpu pinning", False, f"no cpuset to pin boxes with (v{backend.version}): "
                     "concurrent judgements may share a core and move between cores", fix)
    return Check("cpu pinning", True, f"each judging process's boxes on a CPU of its own, of "
                 f"{listed} (cpusets beneath {where})")


def _check_large_folios() -> Check:
    """Whether this kernel takes ``huge=within_size`` for the box's tmpfs (runner._box_tmpfs);
    without it boxes work the same, with 4 KiB pages (a copy into /box costs more)."""
    try:
        os.close(_libc.new_tmpfs({"size": "64k", "huge": "within_size"}))
    except OSError as exc:
        return Check("tmpfs large folios", True, f"no ({exc.strerror}): the box's tmpfs use "
                     "4 KiB pages, copying files into /box costs more")
    return Check("tmpfs large folios", True, "/box, /tmp and /dev/shm with huge=within_size")


def checks() -> list[Check]:
    """Every check, in the order a box needs them."""
    result = [_check_root()]
    if not result[0].ok:
        return result
    return result + [_check_namespaces(), _check_pivot(), _check_seccomp(), _check_helper(),
                     _check_cgroups(), _check_pinning(), _check_large_folios()]

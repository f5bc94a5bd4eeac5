"""Layers on their own: the seccomp policy, the rlimit table, the cgroup backends (v1 for real
on this host; v2 as far as a cgroup2 mount without controllers allows)."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import errno
import sys
import time

import pytest

from sandbox import Limits, cgroup_v1, cgroup_v2, cgroups, rlimits, seccomp
from sandbox.errors import CgroupError


def test_seccomp_policy_lists_are_disjoint_and_cover_the_issue():
    must_deny = {"ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2",
                 "pivot_root", "chroot", "unshare", "setns", "bpf", "perf_event_open",
                 "userfaultfd", "keyctl", "add_key", "request_key", "io_uring_setup",
                 "io_uring_enter", "io_uring_register", "kexec_load", "kexec_file_load",
                 "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff",
                 "acct", "clock_settime", "settimeofday", "adjtimex", "open_by_handle_at"}
    assert must_deny <= set(seccomp.DENIED)
    assert not set(seccomp.ALLOWED) & set(seccomp.DENIED)
    filtered_by_args = {"clone", "clone3", "socket", "ioctl", "fcntl", "madvise", "preadv2"}
    assert filtered_by_args.isdisjoint(seccomp.ALLOWED)
    # reaching the host: no-ops, not in the allowlist, not denied outright (issue 17)
    assert {"syncfs", "fsync", "fadvise64", "readahead", "flock"} <= set(seccomp.NOOPS)
    assert not set(seccomp.NOOPS) & (set(seccomp.ALLOWED) | set(seccomp.DENIED))
    assert {"io_setup", "inotify_init1", "cachestat"} <= set(seccomp.DENIED)
    program = seccomp.compile_filter()
    assert len(program) % 8 == 0 and len(program) > 100
    # loaded in two parts (the box's filter, then the program's last one): the calls the
    # first allows for set-up are ones the policy refuses, and the last refuses them again
    # with the policy's answer (tests/sandbox/test_run.py runs them in a box)
    assert not set(seccomp.SETUP_CALLS) & (set(seccomp.ALLOWED) | set(seccomp.NOOPS))
    assert seccomp.SETUP_CALLS["clone3"] == errno.ENOSYS
    assert len(seccomp.last_filter()) < len(program) // 10


def test_rlimit_table():
    rows = {res: (soft, hard) for res, soft, hard in rlimits.table(
        Limits(cpu_time_ms=1500, memory_kib=65536, output_kib=100, processes=7))}
    assert rows[resource.RLIMIT_CORE] == (0, 0)
    assert rows[resource.RLIMIT_FSIZE] == (102401, 102401)  # one byte of evidence
    assert rows[resource.RLIMIT_STACK] == (65536 * 1024,) * 2
    assert rows[resource.RLIMIT_CPU] == (3, 4)
    assert rows[resource.RLIMIT_NPROC] == (7, 7)


def _sleeper() -> subprocess.Popen:
    # A harmless host process of our own (not a submission) to move into a test cgroup.
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def _join(backend, cg, pid: int) -> None:
    for fd in backend.attach_fds(cg):
        try:
            os.write(fd, str(pid).encode())
        finally:
            os.close(fd)


def test_v1_backend_limits_measures_kills_and_removes():
    backend = cgroups.backend()
    if backend.version != 1:
        pytest.skip("this host's cgroups are v2")
    cg = backend.create(f"judgebox-test-{os.getpid()}")
    proc = _sleeper()
    try:
        backend.apply_limits(cg, 64 << 20, 5)
        with open(os.path.join(cg.paths["memory"], "memory.limit_in_bytes")) as f:
            assert int(f.read()) == 64 << 20
        with open(os.path.join(cg.paths["pids"], "pids.max")) as f:
            assert f.read().strip() == "5"
        _join(backend, cg, proc.pid)
        stats = backend.stats(cg)
        assert stats.oom_kills == 0 and stats.memory_peak_bytes >= 0 and stats.cpu_ns >= 0
        backend.kill(cg)
        assert proc.wait(5) == -signal.SIGKILL
    finally:
        proc.kill()
        backend.remove(cg)
    assert not any(os.path.exists(p) for p in cg.paths.values())


def test_figures_kept_open_read_the_cgroup_anew_each_time():
    """A run's figure files are opened with its cgroup and read again at each look: every read
    is the cgroup's figure now (not the text of the first read), and one read after close is
    an error, never a stale 0."""
    backend = cgroups.backend()
    cg = backend.create(f"judgebox-test-{os.getpid()}")
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    figures = backend.figures(cg)
    try:
        backend.apply_limits(cg, 64 << 20, 5)
        before = figures.stats()
        assert before.cpu_ns < 10_000_000 and before.oom_kills == 0
        if backend.version == 1:
            _join(backend, cg, spinner.pid)
        else:  # v2's attach fd is the directory, for clone3: a running process moves so
            cgroups.write_value(os.path.join(cg.paths["unified"], "cgroup.procs"), spinner.pid)
        time.sleep(0.3)
        middle = figures.cpu_ns()
        time.sleep(0.2)
        after = figures.stats()
        assert middle > 100_000_000 and after.cpu_ns > middle + 100_000_000
        assert after.cpu_ns <= backend.stats(cg).cpu_ns  # the same file, opened anew
        backend.kill(cg)
        assert spinner.wait(5) == -signal.SIGKILL
    finally:
        spinner.kill()
        figures.close()
        backend.remove(cg)
    with pytest.raises(CgroupError, match="after they were closed"):
        figures.cpu_ns()


def test_v1_kept_groups_are_reset_for_each_run_and_stay_until_removed():
    """A reusable box's runs take their pids and cpuacct directories from a kept group: each
    run starts at 0 CPU time and with no task in it (one left over is killed), its own memory
    directory is made and removed with it, and the kept group goes only when removed itself."""
    backend = cgroups.backend()
    if backend.version != 1:
        pytest.skip("this host's cgroups are v2 (a run's cgroup is one directory there)")
    keep = f"judgebox-test-{os.getpid()}.k0"
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        first = backend.create(f"judgebox-test-{os.getpid()}.1", keep)
        assert set(first.kept) == {"pids", "cpuacct"}
        assert all(os.path.basename(first.paths[c]) == keep for c in first.kept)
        _join(backend, first, spinner.pid)
        time.sleep(0.3)
        with backend.figures(first) as figures:
            assert figures.cpu_ns() > 100_000_000
        backend.remove(first)  # the spinner lives on in the kept group: a run's leftover
        assert not os.path.exists(first.paths["memory"])
        assert all(os.path.isdir(first.paths[c]) for c in first.kept)
        second = backend.create(f"judgebox-test-{os.getpid()}.2", keep)
        assert spinner.wait(5) == -signal.SIGKILL  # killed before the kept group's reuse
        with backend.figures(second) as figures:
            assert figures.cpu_ns() < 10_000_000  # reset: the spinner's CPU time is not here
        backend.remove(second)
    finally:
        spinner.kill()
        backend.remove(backend.existing(keep))
    assert not any(os.path.exists(p) for p in backend.existing(keep).paths.values())


def test_v1_kept_groups_keep_their_files_open_and_are_made_again_if_they_went(open_in):
    """The files every run uses in a kept group (its reset, ``pids.max``, ``tasks``, its CPU
    time) stay open while it is kept and are closed when it is removed; a kept group that
    went (removed by someone else) is made again for the next run, which is measured and
    limited there."""
    backend = cgroups.backend()
    if backend.version != 1:
        pytest.skip("this host's cgroups are v2 (a run's cgroup is one directory there)")
    keep = f"judgebox-test-{os.getpid()}.k0"
    kept = backend.existing(keep)
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        first = backend.create(f"judgebox-test-{os.getpid()}.1", keep)
        for c in first.kept:
            assert open_in(first.paths[c]) == len(cgroup_v1.KEPT_FILES[c])
        backend.remove(first)
        for c in first.kept:  # removed under the judge's feet, its files still open
            os.rmdir(first.paths[c])
        second = backend.create(f"judgebox-test-{os.getpid()}.2", keep)
        assert all(os.path.isdir(second.paths[c]) for c in second.kept)
        backend.apply_limits(second, 64 << 20, 9)
        with open(os.path.join(second.paths["pids"], "pids.max")) as f:
            assert f.read().strip() == "9"
        _join(backend, second, spinner.pid)
        time.sleep(0.3)
        with backend.figures(second) as figures:
            assert figures.cpu_ns() > 100_000_000
        backend.kill(second)
        assert spinner.wait(5) == -signal.SIGKILL
        backend.remove(second)
        assert all(open_in(second.paths[c]) == len(cgroup_v1.KEPT_FILES[c])
                   for c in second.kept)
    finally:
        spinner.kill()
        backend.remove(kept)
    assert not any(os.path.exists(p) or open_in(p) for p in kept.paths.values())


def test_v2_backend_on_the_unified_mount():
    """Creation, attach, CPU time, cgroup.kill and removal for real; memory and pids limits
    cannot be verified here (the cgroup2 mount of this host has no controllers)."""
    _, v2_mount = cgroups.mountinfo_cgroups()
    if v2_mount is None:
        pytest.skip("no cgroup2 mount")
    with open(os.path.join(v2_mount, "cgroup.controllers")) as f:
        controllers = tuple(c for c in cgroup_v2.CONTROLLERS if c in f.read().split())
    backend = cgroup_v2.V2(os.path.join(v2_mount, cgroups.own_cgroups()[""].strip("/")),
                           controllers)
    cg = backend.create(f"judgebox-test-{os.getpid()}")
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        backend.apply_limits(cg, 64 << 20, 5)
        with open(os.path.join(cg.paths["unified"], "cgroup.procs"), "w") as f:
            f.write(str(spinner.pid))
        time.sleep(0.3)
        assert backend.stats(cg).cpu_ns > 100_000_000
        backend.kill(cg)
        assert spinner.wait(5) == -signal.SIGKILL
    finally:
        spinner.kill()
        backend.remove(cg)
    assert not os.path.exists(cg.paths["unified"])


def test_v1_controllers_are_found_and_parents_nest_under_our_own_cgroup():
    v1, _ = cgroups.mountinfo_cgroups()
    own = cgroups.own_cgroups()
    backend = cgroups.backend()
    if backend.version != 1:
        pytest.skip("this host's cgroups are v2")
    for controller in cgroup_v1.CONTROLLERS:
        expected = os.path.join(v1[controller], own[controller].strip("/"))
        assert os.path.normpath(backend.parents[controller]) == os.path.normpath(expected)


def test_boxes_are_forked_by_the_fork_server_which_restarts_after_a_crash(no_pool):
    from sandbox import Limits, SandboxSpec, Status, forkserver, run

    def keeper_parent() -> int:
        # The program reports nothing of the host; ask the host: who forked the keeper?
        seen = []
        real = forkserver.ForkServer.spawn

        def spawn(self, plan):
            pid, pidfd = real(self, plan)
            with open(f"/proc/{pid}/stat") as f:
                seen.append(int(f.read().rsplit(")", 1)[1].split()[1]))
            return pid, pidfd

        forkserver.ForkServer.spawn = spawn
        try:
            assert run(SandboxSpec(("true",), Limits(cpu_time_ms=1000))).status is Status.OK
        finally:
            forkserver.ForkServer.spawn = real
        return seen[0]

    server = forkserver.server()
    first = server.process.pid
    assert keeper_parent() == first != os.getpid()
    os.kill(first, signal.SIGKILL)  # our own fork server, by pid
    server.process.wait()
    assert keeper_parent() not in (first, os.getpid())


def test_a_box_on_the_v2_backend_is_born_in_its_cgroup(v2_backend):
    """A whole run through the v2 backend on this host's cgroup2 mount: the program is forked
    into the box cgroup (clone3 CLONE_INTO_CGROUP), whose cpu.stat measures it and whose CPU
    limit the watchdog enforces. This mount has no memory or pids controller, so those limits
    are not in force here: the programs are harmless."""
    from sandbox import Limits, SandboxSpec, Status, run

    out = run(SandboxSpec(("sh", "-c", "cat /proc/self/cgroup; i=0; "
                                       "while [ $i -lt 200000 ]; do i=$((i+1)); done"),
                          Limits(cpu_time_ms=5000)))
    assert out.status is Status.OK, out
    assert out.stdout.decode().splitlines()[-1] == "0::/"  # its own cgroup namespace
    assert out.time > 0.05  # counted by the box cgroup's cpu.stat from birth
    spin = run(SandboxSpec(("sh", "-c", "while :; do :; done"), Limits(cpu_time_ms=500)))
    assert spin.status is Status.TLE and spin.killed_by == "cpu-time"
    assert 0.5 <= spin.time <= 0.7, spin.time


_SAY_SLOT = ("from sandbox import run, slots, SandboxSpec\n"
             "take = slots.acquire\n"
             "def say(base):\n"
             "    slot = take(base)\n"
             "    print(slot.index, flush=True)\n"
             "    return slot\n"
             "slots.acquire = say\n"
             "run(SandboxSpec(('sleep', '30')))\n")


def _judge_in_a_run(**popen) -> tuple[subprocess.Popen, int, list[str]]:
    """A judge (a process of its own) running ``sleep 30`` in a box: it, its slot, and the
    run cgroup's directories, once they are there."""
    judge = subprocess.Popen([sys.executable, "-c", _SAY_SLOT], stdout=subprocess.PIPE,
                             text=True, **popen)
    slot = int(judge.stdout.readline())
    from sandbox import runner

    backend = runner._host().cgroups
    mine = [path for name in (f"judgebox-{slot}", f"judgebox-{slot}.1")
            for path in backend.existing(name).paths.values()]
    # killed once its box's cgroup is there (an emulated machine, tests/vm's v2 kernel under
    # TCG on a loaded host, took more than a second to get that far)
    deadline = time.monotonic() + 60
    while not any(map(os.path.isdir, mine)) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert any(map(os.path.isdir, mine))
    return judge, slot, mine


def _processes_of_slot(slot: int, host_leftovers) -> list[str]:
    """Processes running as the slot's uid (other judges on this machine run boxes too)."""
    uid = int(os.environ.get("JUDGEBOX_UID_BASE", "61000")) + slot
    found = []
    for pid in host_leftovers()["processes"]:
        try:
            with open(f"/proc/{pid}/status") as f:
                if any(line.split()[1:2] == [str(uid)] for line in f if line.startswith("Uid:")):
                    found.append(pid)
        except OSError:
            continue
    return found


def _gone(predicate, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while predicate() and time.monotonic() < deadline:
        time.sleep(0.01)
    return not predicate()


def test_a_judge_killed_mid_run_leaves_nothing(host_leftovers):
    """A judge killed with SIGKILL mid-run: its box dies with its fork server (keeper, init,
    pid namespace), and the server's sweeper removes the box's cgroups before the slot goes
    (it holds the slot's lock until then): nothing is left, at once, not at the next start."""
    from sandbox import slots

    judge, slot, mine = _judge_in_a_run()
    judge.kill()
    assert judge.wait(90) == -signal.SIGKILL
    assert _gone(lambda: _processes_of_slot(slot, host_leftovers), 5)
    assert _gone(lambda: any(map(os.path.isdir, mine)), 5), mine
    from sandbox import runner

    def held() -> bool:
        taken = slots.try_acquire(runner._host().run_dir, slot)
        if taken is not None:
            taken.release()
        return taken is None

    assert _gone(held, 5), "the sweeper lets the slot go once it is done"


def test_the_cgroups_a_dead_judge_and_its_fork_server_left_are_swept_at_start(host_leftovers):
    """A judge killed together with its fork server (its whole process group, SIGKILL): the
    box dies with the server, but nothing removed its cgroups; the next judge on the host
    does, at start."""
    judge, slot, mine = _judge_in_a_run(start_new_session=True)
    os.killpg(judge.pid, signal.SIGKILL)  # its own group: the judge and its fork server
    assert judge.wait(90) == -signal.SIGKILL
    assert _gone(lambda: _processes_of_slot(slot, host_leftovers), 5)
    left = [path for path in mine if os.path.isdir(path)]
    assert left, "the dead judge's box cgroup should still be there"
    from sandbox import runner

    runner._sweep(runner._host())
    assert not any(map(os.path.isdir, left))


def test_a_fork_server_closed_by_its_live_judge_leaves_the_judges_cgroups_alone():
    """The sweep is for a judge that is gone: one that closes its fork server (``bye``) and
    lives on keeps its slots and their cgroups. Signals meant for the judge (SIGTERM, SIGINT
    to its process group) do not end the server: the judge decides."""
    from sandbox import forkserver, runner

    host = runner._host()
    slot = runner.take_slot(host)
    cg = host.cgroups.create(f"judgebox-{slot.index}.77")
    try:
        server = forkserver.server()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            os.kill(server.process.pid, sig)  # our own fork server, by pid
        time.sleep(0.2)
        assert server.alive()
        server.close()
        time.sleep(0.3)
        assert all(map(os.path.isdir, cg.paths.values()))
        assert forkserver.server() is not server  # the next one is told of the slot again
    finally:
        host.cgroups.remove(cg)
        runner.release_slot(slot)


def test_a_forked_process_starts_a_fork_server_of_its_own():
    """A task queue forks its pool processes from a parent that may have run boxes already:
    each child must use a fork server of its own, never share the parent's socket."""
    from sandbox import Limits, SandboxSpec, Status, forkserver, run

    parent = forkserver.server()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # a plain forked child of this test process, like a pool process
        try:
            ok = run(SandboxSpec(("true",), Limits(cpu_time_ms=1000))).status is Status.OK
            mine = forkserver.server()
            os.write(w, b"%d %d" % (ok, mine.process.pid))
        finally:
            os._exit(0)
    os.close(w)
    ok, child_server = map(int, os.read(r, 100).split())
    os.close(r)
    os.waitpid(pid, 0)
    assert ok == 1 and child_server != parent.process.pid
    assert run(SandboxSpec(("true",), Limits(cpu_time_ms=1000))).status is Status.OK

"""The reusable box (``sandbox.open_box``, issue 8): runs of one box share nothing but the box.

A program plants every kind of state it can in one run (files in /box, /tmp and /dev/shm,
SysV and POSIX IPC objects, abstract unix sockets, a daemon, a keyring key, an environment
variable) and the next run of the same box looks for each of them (``warm_state.c``). Limits
and measurements are the run's own: an MLE run then a small one, a TLE run then a quick one,
CPU time that does not add up. A box whose init was killed is opened again (or the run caught
in it is SE, never a verdict against the program). Closing a box leaves no process, cgroup or
mount. A subset of the adversarial suite runs through one shared reusable box, after the
process and memory limits were proven on that same box.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from pathlib import Path

import pytest

from sandbox import Limits, Mount, SandboxSpec, SpecError, Status, open_box, run
from sandbox import forkserver
from test_adversarial import (CASES, DANGEROUS_CAPS, Case, case_stdin, check_collected,
                              check_outcome, describe, host_side)

pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
              pytest.mark.timeout(60)]

HERE = Path(__file__).parent
SMALL = Limits(cpu_time_ms=1000, wall_time_ms=3000, memory_kib=64 * 1024, processes=8)


@pytest.fixture(scope="module")
def state_prog(cc):
    return cc(HERE / "warm_state.c", "warm_state")


def spec(binary: Path, *args: str, limits: Limits = SMALL, **kw) -> SandboxSpec:
    return SandboxSpec(command=("/box/prog", *args), limits=limits,
                       files=(("prog", binary),), **kw)


def sh(script: str, limits: Limits = SMALL, **kw) -> SandboxSpec:
    return SandboxSpec(command=("/bin/sh", "-c", script), limits=limits, **kw)


def _box_children() -> list[str]:
    """The fork server's children: the keepers of boxes (open or not yet reaped)."""
    server = forkserver.server()
    pid = server.process.pid
    found = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/children") as f:
            found += f.read().split()
    return found


def _no_box_children(within_s: float = 2.0) -> bool:
    """Whether the fork server has no keeper left (it reaps one when told, a moment later)."""
    deadline = time.monotonic() + within_s
    while _box_children():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _init_of(keeper: str) -> int:
    with open(f"/proc/{keeper}/task/{keeper}/children") as f:
        return int(f.read().split()[0])


# --- no state survives from one run to the next ---------------------------------------------

def test_nothing_planted_survives_into_the_next_run(state_prog, box_processes, clean_host,
                                                    canary):
    with open_box() as box:
        planted = box.run(spec(state_prog, "plant", env=(("JUDGEBOX_PLANTED", "1"),)))
        assert planted.status is Status.OK, describe(planted)
        text = planted.stdout.decode()
        for what in ("/box/planted", "/tmp/planted", "/dev/shm/planted", "shm", "sem", "msg",
                     "in-flight socket", "daemon"):
            assert f"planted {what}" in text, text
        # what this box's seccomp and rlimits refuse outright (then nothing to leave behind)
        assert "keyring refused: Operation not permitted" in text
        assert "planted mqueue" in text or "mqueue refused" in text
        # the daemon is gone as soon as run() returned: no process of a box uid on the host
        assert box_processes() == []
        for _ in range(3):  # and again: a probe that found nothing plants nothing either
            probe = box.run(spec(state_prog, "probe"))
            assert probe.status is Status.OK, describe(probe)
            assert b"clean" in probe.stdout and b"ESCAPED" not in probe.stdout
            assert probe.stdout.split(b"pid ")[1].split()[0] == b"2"  # a fresh pid namespace
        assert box.opened == 1


def test_every_run_sees_a_fresh_box_filesystem(clean_host):
    script = ("ls -A /box /tmp /dev/shm | tr '\\n' ' '; echo; "
              "echo x > /box/new; echo y > /tmp/new; echo z > /dev/shm/new; ls /proc | "
              "grep -c '^[0-9]'")
    with open_box() as box:
        outs = [box.run(sh(script, files=(("given", b"data"),))) for _ in range(3)]
    for out in outs:
        assert out.status is Status.OK, describe(out)
        listing, procs = out.stdout.decode().splitlines()
        assert listing.split() == ["/box:", "given", "/dev/shm:", "/tmp:"]
        assert procs.strip() in ("2", "3")  # sh, ls (and grep): this run's processes only


def test_each_run_has_tmp_and_shm_of_its_own_size_made_ahead_or_not(clean_host):
    """Init makes the next run's /tmp and /dev/shm as soon as a run is over, the size of that
    run's: a run of another size has them made again, and no run sees a mount stacked on
    another (one /tmp, one /dev/shm in /proc/mounts)."""
    script = ("stat -f -c '%b %S' /tmp /dev/shm | tr '\\n' ' '; "
              "grep -c -E ' /(tmp|dev/shm) ' /proc/mounts; echo x > /tmp/x")
    sizes = [4096, 4096, 8192, 8192, 4096, 2048]
    with open_box() as box:
        outs = [box.run(sh(script, limits=Limits(**{**SMALL.__dict__, "tmp_kib": kib})))
                for kib in sizes]
    for kib, out in zip(sizes, outs):
        assert out.status is Status.OK, describe(out)
        blocks_tmp, size_tmp, blocks_shm, size_shm, mounts = out.stdout.split()
        assert int(blocks_tmp) * int(size_tmp) == kib * 1024, out.stdout
        assert int(blocks_shm) * int(size_shm) == kib * 1024, out.stdout
        assert mounts == b"2", out.stdout


def test_mounts_and_identity_match_a_cold_box(clean_host):
    script = ("cat /proc/self/status | grep -E '^(Cap|NoNewPrivs|Seccomp)'; "
              "ls -A / | sort | tr '\\n' ' '; echo; hostname; "
              "touch /usr/x 2>/dev/null && echo W; cat /proc/mounts | cut -d' ' -f2 | sort -u "
              "| tr '\\n' ' '")
    cold = run(sh(script))
    with open_box() as box:
        warm = [box.run(sh(script)) for _ in range(2)]
    for out in warm:
        assert out.status is Status.OK, describe(out)
        # the same capabilities, seccomp, root, hostname and mount points as a cold box
        assert out.stdout == cold.stdout


# --- limits and measurements are the run's own ----------------------------------------------

HOG = r"""
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    size_t mib = (size_t)atoi(argv[1]);
    volatile char *p = malloc(mib << 20);
    if (!p) return 3;
    for (size_t i = 0; i < (mib << 20); i += 4096) p[i] = 1;  /* touch every page */
    return p[4096] - 1;
}
"""

SPIN = r"""
#include <stdlib.h>
#include <time.h>
int main(int argc, char **argv) {
    double want = atof(argv[1]);
    while ((double)clock() / CLOCKS_PER_SEC < want) {}
    return 0;
}
"""


def test_memory_limit_and_peak_are_per_run(cc, clean_host):
    hog = cc(HOG, "warm_hog")
    # the memory fence first, in a cold box: 48 MiB under a 32 MiB limit is MLE
    assert run(spec(hog, "48", limits=Limits(memory_kib=32 * 1024))).status is Status.MLE
    with open_box() as box:
        big = box.run(spec(hog, "48", limits=Limits(memory_kib=32 * 1024)))
        assert big.status is Status.MLE and big.oom_killed, describe(big)
        small = box.run(spec(hog, "1", limits=Limits(memory_kib=32 * 1024)))
        assert small.status is Status.OK and not small.oom_killed, describe(small)
        assert small.memory_kib < 8 * 1024, describe(small)  # its own peak, not the last one's
        roomy = box.run(spec(hog, "48", limits=Limits(memory_kib=96 * 1024)))
        assert roomy.status is Status.OK, describe(roomy)  # this run's limit, not the last one's
        assert 48 * 1024 <= roomy.memory_kib < 90 * 1024, describe(roomy)
        again = box.run(spec(hog, "48", limits=Limits(memory_kib=32 * 1024)))
        assert again.status is Status.MLE, describe(again)


def test_the_next_run_prepared_ahead_is_used_only_for_the_same_files(tmp_path, clean_host):
    """A box prepares its next run's cgroup and /box while a run goes on, guessing the same
    limits and files: a host file written in between (same inode, same size; just after a
    run, and again long after one), other bytes, other limits all get a /box made afresh."""
    data = tmp_path / "data"
    data.write_text("one\n")
    time.sleep(0.1)  # changed long before the first copy: prepared copies of it may be used

    def cat(files, limits=SMALL) -> bytes:
        out = box.run(SandboxSpec(("sh", "-c", "cat /box/data; ls /box"), limits, files=files))
        assert out.status is Status.OK, describe(out)
        return out.stdout

    with open_box() as box:
        assert cat((("data", data),)) == b"one\ndata\n"
        assert cat((("data", data),)) == b"one\ndata\n"  # the copy made during the run before
        data.write_text("two\n")  # same inode and size, within the coarse clock's tick maybe
        assert cat((("data", data),)) == b"two\ndata\n"
        assert cat((("data", data),)) == b"two\ndata\n"
        time.sleep(0.1)
        data.write_text("2wo\n")  # long after the last copy began
        assert cat((("data", data),)) == b"2wo\ndata\n"
        (tmp_path / "other").write_text("three\n")
        os.replace(tmp_path / "other", data)  # another inode at the same path
        assert cat((("data", data),)) == b"three\ndata\n"
        assert cat((("data", b"four\n"),)) == b"four\ndata\n"
        assert cat((("data", b"five\n"),)) == b"five\ndata\n"
        assert cat((("data", b"five\n"), ("more", b""))) == b"five\ndata\nmore\n"
        assert cat((("data", b"five\n"),), Limits(cpu_time_ms=2000, box_kib=128)) == \
            b"five\ndata\n"


def test_cpu_time_and_time_limits_are_per_run(cc, clean_host):
    spin = cc(SPIN, "warm_spin")
    with open_box() as box:
        first = box.run(spec(spin, "0.3"))
        second = box.run(spec(spin, "0.3"))
        for out in (first, second):
            assert out.status is Status.OK, describe(out)
            assert 0.28 <= out.time < 0.45, describe(out)  # not 0.6 for the second
        tle = box.run(spec(spin, "5", limits=Limits(cpu_time_ms=300, wall_time_ms=3000)))
        assert tle.status is Status.TLE and tle.killed_by == "cpu-time", describe(tle)
        quick = box.run(spec(spin, "0.05", limits=Limits(cpu_time_ms=300)))
        assert quick.status is Status.OK and quick.killed_by is None, describe(quick)
        assert quick.time < 0.2, describe(quick)
        slept = box.run(sh("sleep 5", limits=Limits(cpu_time_ms=300, wall_time_ms=400)))
        assert slept.status is Status.TLE and slept.killed_by == "wall-time", describe(slept)
        after = box.run(sh("echo ok"))
        assert after.status is Status.OK and after.stdout == b"ok\n", describe(after)
        assert box.opened == 1  # killed runs did not cost the box


def test_output_stdin_collect_and_statuses(tmp_path, clean_host):
    stdin = tmp_path / "in"
    stdin.write_bytes(b"3 4\n")
    with open_box() as box:
        out = box.run(sh("read a b; echo $((a+b)); echo made > /box/out; exit 0",
                         stdin=str(stdin), collect=("out",)))
        assert out.status is Status.OK and out.stdout == b"7\n" and \
            out.files == {"out": b"made\n"}, describe(out)
        assert box.run(sh("exit 3")).exit_code == 3
        assert box.run(sh("kill -SEGV $$")).signal == signal.SIGSEGV
        flood = box.run(sh("yes", limits=Limits(output_kib=64)))
        assert flood.status is Status.OLE, describe(flood)
        missing = box.run(SandboxSpec(command=("/nonexistent",)))
        assert missing.status is Status.SE, describe(missing)
        assert box.run(sh("echo fine")).status is Status.OK
        r, w = os.pipe()
        try:
            piped = box.run(sh("echo to-fd"), stdout_fd=w)
            os.close(w)
            w = -1
            assert piped.status is Status.OK and os.read(r, 100) == b"to-fd\n"
        finally:
            os.close(r)
            if w >= 0:
                os.close(w)


def test_specs_outside_the_box_are_refused(tmp_path):
    with pytest.raises(SpecError):
        open_box(mounts=(Mount(str(tmp_path), "/data", writable=True),))
    with pytest.raises(SpecError):
        open_box(mounts=(Mount(str(tmp_path), "/box/data"),))
    with open_box() as box:
        with pytest.raises(SpecError):
            box.run(SandboxSpec(command=("true",), template="python3"))
        with pytest.raises(SpecError):
            box.run(SandboxSpec(command=("true",), mounts=(Mount(str(tmp_path), "/data"),)))


# --- a box that dies, and closing --------------------------------------------------------------

def test_a_killed_box_is_opened_again(no_pool, clean_host):
    with open_box() as box:
        assert box.run(sh("echo one")).status is Status.OK
        keepers = _box_children()
        assert len(keepers) == 1
        os.kill(_init_of(keepers[0]), signal.SIGKILL)
        time.sleep(0.05)
        out = box.run(sh("echo two"))
        assert out.status is Status.OK and out.stdout == b"two\n", describe(out)
        assert box.opened == 2


def test_a_run_killed_for_a_limit_leaves_nothing_and_keeps_the_box(box_processes,
                                                                   clean_host):
    """A run killed for CPU time had a daemon (setsid), a stopped process and a sleeper: all
    gone when run() returns, the next run sees only its own processes, in the same box."""
    script = ("setsid sleep 100 & sleep 100 & s=$!; kill -STOP $s; "
              "(trap '' TERM HUP; exec sleep 100) & while :; do :; done")
    with open_box() as box:
        out = box.run(sh(script, limits=Limits(cpu_time_ms=300, wall_time_ms=3000)))
        assert out.status is Status.TLE and out.killed_by == "cpu-time", describe(out)
        assert box_processes() == []
        seen = box.run(sh("echo $$; ls /proc | grep '^[0-9]' | wc -l"))
        assert seen.status is Status.OK, describe(seen)
        pid, count = seen.stdout.decode().split()
        assert pid == "2" and int(count) <= 4, describe(seen)  # sh, ls, grep, wc
        assert box.opened == 1


def test_a_run_whose_box_dies_is_se(no_pool, clean_host):
    with open_box() as box:
        assert box.run(sh("true")).status is Status.OK
        keeper = _box_children()[0]
        init = _init_of(keeper)
        killer = threading.Timer(0.3, os.kill, (init, signal.SIGKILL))
        killer.start()
        try:
            out = box.run(sh("sleep 3", limits=Limits(cpu_time_ms=1000, wall_time_ms=5000)))
        finally:
            killer.cancel()
        assert out.status is Status.SE, describe(out)
        assert box.run(sh("echo back")).stdout == b"back\n"


def test_close_leaves_nothing(no_pool, clean_host, box_processes):
    box = open_box()
    assert box.run(sh("sleep 30 & echo started", limits=SMALL)).status is Status.OK
    assert _box_children() != []
    box.close()
    box.close()  # idempotent
    assert _no_box_children()  # keeper and init reaped: the box's namespaces are gone
    assert box_processes() == []
    with pytest.raises(Exception):
        box.run(sh("true"))


def test_close_on_an_exception_inside_with(no_pool, clean_host):
    with pytest.raises(RuntimeError):
        with open_box() as box:
            box.run(sh("true"))
            raise RuntimeError("the caller failed")
    assert _no_box_children()


# --- adversarial cases through one shared box -------------------------------------------------

WARM_CASES = ("verdict_daemon", "esc_kill_all", "esc_keyring", "esc_proc_pid1", "esc_mount",
              "esc_network", "esc_signal_judge", "esc_host_files", "esc_privileges",
              "esc_setuid", "esc_ptrace", "esc_user_namespace", "time_sleep", "time_sigstop",
              "time_procs_busy", "res_tmpfs_fill", "res_file_size", "res_fd_exhaustion",
              "res_stdout_flood", "verdict_sigsegv", "verdict_self_sigkill",
              "verdict_stack_overflow", "res_malloc_touch", "res_fork_bomb",
              "res_thread_bomb", "hs_collect_symlink", "hs_collect_fifo", "host_sync",
              "host_budgets", "host_proc_info", "stdin_identity", "res_stdout_one_write",
              "res_file_size_one_write")
BY_NAME = {c.name: c for c in CASES}


@pytest.fixture(scope="module")
def warm_box():
    box = open_box()
    yield box
    box.close()


@pytest.fixture(scope="module")
def warm_limits_proven(warm_box, cc):
    """The process and memory proofs of the adversarial suite, run in the shared box."""
    problems = []
    procs, mem = BY_NAME["proof_processes"], BY_NAME["proof_memory"]
    out = warm_box.run(spec(cc(procs.source, "warm_proof_processes"),
                            limits=Limits(**procs.limits)))
    found = re.search(rb"processes at once: (\d+)", out.stdout)
    if out.status is not Status.OK or not found or int(found[1]) > procs.limits["processes"]:
        problems.append(f"process limit not proven: {describe(out)}")
    out = warm_box.run(spec(cc(mem.source, "warm_proof_memory"), limits=Limits(**mem.limits)))
    if out.status is not Status.MLE:
        problems.append(f"memory limit not proven: {describe(out)}")
    return problems


@pytest.mark.parametrize("name", WARM_CASES)
def test_adversarial_case_in_a_reused_box(name, warm_box, cc, box_processes, canary, tmp_path,
                                          request):
    case: Case = BY_NAME[name]
    assert case.language is None and case.compile_status is None
    if case.dangerous:
        for key, cap in DANGEROUS_CAPS.items():
            assert case.limits[key] <= cap
        proof = request.getfixturevalue("warm_limits_proven")
        if proof:
            pytest.fail(f"not run: the limits it relies on do not hold: {proof}")
    binary = cc(case.source, f"warm_{name}")
    stdin = case_stdin(case, tmp_path)
    with host_side(case, box_processes, tmp_path) as host:
        host.placeholders.update(canary.placeholders())
        args = tuple(a.format(**host.placeholders) for a in case.args)
        started = time.monotonic()
        out = warm_box.run(SandboxSpec(command=("/box/prog", *args),
                                       limits=Limits(**case.limits), files=(("prog", binary),),
                                       stdin=None if stdin is None else str(stdin),
                                       collect=case.collect))
        problems = check_outcome(case, out, time.monotonic() - started) + host.problems()
    problems += check_collected(case, out, canary.secrets()) + canary.problems()
    if box_processes():  # between runs, no process of the box's uid may be left
        problems.append(f"box processes after the run: {box_processes()}")
    assert not problems, "\n".join(problems) + f"\n{describe(out)}"


def test_a_reused_box_on_the_v2_backend(v2_backend, clean_host):
    """Runs of one box through the v2 backend on this host's cgroup2 mount (which has no memory
    or pids controller: those limits are not in force here, the programs are harmless): each
    run's program is born in that run's cgroup, measured by its cpu.stat alone and killed for
    CPU time through it; the next run starts from zero."""
    busy = ("cat /proc/self/cgroup; i=0; while [ $i -lt 80000 ]; do i=$((i+1)); done")
    with open_box() as box:
        first = box.run(sh(busy, limits=Limits(cpu_time_ms=5000)))
        spin = box.run(sh("while :; do :; done", limits=Limits(cpu_time_ms=500)))
        second = box.run(sh(busy, limits=Limits(cpu_time_ms=5000)))
    for out in (first, second):
        assert out.status is Status.OK, describe(out)
        assert out.stdout.decode().splitlines()[-1] == "0::/"  # its own cgroup namespace
        assert 0.05 < out.time < first.time * 2 + 0.1  # its own CPU time only
    assert spin.status is Status.TLE and spin.killed_by == "cpu-time", describe(spin)
    assert 0.5 <= spin.time <= 0.7, spin.time
    assert second.time < spin.time


def test_the_run_init_shrugs_off_the_programs_signals(clean_host):
    """The box's PID 1 (init: root, hidden) cannot be signalled by the program, whatever it
    tries, and reports every run."""
    script = ("for s in $(seq 1 31) $(seq 34 64); do kill -s $s 1 2>/dev/null; done; "
              "kill -KILL 1 2>/dev/null; kill -STOP 1 2>/dev/null; sleep 0.1; echo alive")
    with open_box() as box:
        for _ in range(2):
            out = box.run(sh(script))
            assert out.status is Status.OK and out.stdout == b"alive\n", describe(out)
        assert box.opened == 1

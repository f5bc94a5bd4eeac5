"""CPU pinning (issue 21): the boxes of a judging process run on a CPU of their own
(``sandbox.cpus``), and a program that asks which CPUs it may use sees only that one.

What a program sees is asked from inside the box, the way programs ask: the kernel's
affinity (``sched_getaffinity``, what ``nproc``, Java, Go and Python's
``os.sched_getaffinity`` read; ``Cpus_allowed_list`` of /proc/self/status), and whether
``sched_setaffinity`` can widen it (the cpuset bounds it); the host's CPU count
(``os.cpu_count()``) is the host's, as for any pinned process. Other judges on this machine may
hold CPU leases of their own; the tests wait for a free CPU (``leased``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sandbox import Limits, SandboxSpec, Status, box as boxes, cpus, open_box, run

pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
              pytest.mark.usefixtures("clean_host"), pytest.mark.timeout(180)]

REPO = Path(__file__).resolve().parents[2]
ASK = textwrap.dedent("""
    import json, os
    seen = {"affinity": sorted(os.sched_getaffinity(0)), "cpu_count": os.cpu_count()}
    with open("/proc/self/status") as f:
        seen["status"] = [l.split()[1] for l in f if l.startswith("Cpus_allowed_list")][0]
    try:
        os.sched_setaffinity(0, range(os.cpu_count() or 1))
        os.sched_setaffinity(0, range(64))
    except OSError as exc:
        seen["widen_error"] = exc.errno
    seen["after_widening"] = sorted(os.sched_getaffinity(0))
    print(json.dumps(seen))
""")
ALL = sorted(os.sched_getaffinity(0))


def ask(runner=run) -> dict:
    """What a Python program in a box sees of its CPUs."""
    out = runner(SandboxSpec(command=("/usr/bin/python3", "-c", ASK),
                             limits=Limits(cpu_time_ms=5000, wall_time_ms=20_000)))
    assert out.status is Status.OK, (out, out.stderr)
    return json.loads(out.stdout)


@pytest.fixture
def leased():
    """This process's CPU lease, held for the test (boxes opened meanwhile share it): waits
    while other judges on the machine hold every CPU."""
    from sandbox import runner

    deadline = time.monotonic() + 120
    while True:
        cpu = cpus.acquire(runner._host().run_dir)
        if cpu is not None:
            break
        cpus.release()
        if time.monotonic() > deadline:
            pytest.skip("other judges on this machine held every CPU for 120 s")
        time.sleep(0.2)
    try:
        yield cpu
    finally:
        cpus.release()


def _sees_only(seen: dict, cpu: int) -> None:
    assert seen["affinity"] == [cpu] and seen["status"] == str(cpu), seen
    assert seen["cpu_count"] == os.cpu_count(), seen  # the host's, as under taskset
    assert seen["after_widening"] == [cpu], seen  # the cpuset bounds sched_setaffinity


def test_a_program_sees_only_the_cpu_its_box_is_pinned_to(leased):
    """A cold box and every run of a reusable box, on the process's CPU: affinity, status and
    count say that one CPU, and widening the affinity does not get another."""
    _sees_only(ask(), leased)
    with open_box() as box:
        for _ in range(2):
            _sees_only(ask(box.run), leased)


def test_a_box_started_ahead_of_the_lease_runs_pinned():
    """A box of the pool is started before its process holds a CPU lease (an idle box holds
    none): its first run is pinned to its process's CPU all the same, also when another judge
    removed that CPU's cpuset meanwhile (as one does when it exits)."""
    from sandbox import runner

    host = runner._host()
    assert cpus.current() is None  # no box of this process is open
    box = boxes.Box()
    try:
        box.start()
        for cpu in cpus.pinnable():  # each only if no judge holds its lease
            runner._remove_pins(host, [cpu])
        seen = ask(box.run)  # the box takes this process's lease at its first run
        cpu = cpus.current()
    finally:
        box.close()
    if cpu is None:
        pytest.skip("other judges on this machine held every CPU")
    _sees_only(seen, cpu)


def test_the_program_is_in_its_cpu_s_cpuset_seen_from_the_host(leased, program_watch):
    """Seen from the host: the program (found by its unusual argument) may run on the CPU
    alone, and on v1 it is in that CPU's cpuset (``judgebox-cpuset-<n>``, which it joins
    with the run's other cgroups; on v2 it is born in its run's cgroup, pinned)."""
    def inspect(pid: str) -> dict[str, str]:
        with open(f"/proc/{pid}/status") as f:
            allowed = [line.split()[1] for line in f
                       if line.startswith("Cpus_allowed_list")][0]
        with open(f"/proc/{pid}/cgroup") as f:
            cpuset = [line.split(":", 2)[2].strip() for line in f
                      if line.split(":")[1] == "cpuset"]
        return {"allowed": allowed, "cpuset": (cpuset or [""])[0]}

    watch = program_watch(("/bin/sleep", "0.613"), inspect)
    with open_box() as box:
        out = box.run(SandboxSpec(command=("/bin/sleep", "0.613"),
                                  limits=Limits(cpu_time_ms=2000)))
    seen = watch.result() or {}
    assert out.status is Status.OK, out
    assert seen["allowed"] == str(leased), seen
    from sandbox.cgroups import backend

    if backend().version == 1:
        assert seen["cpuset"].endswith(f"/judgebox-cpuset-{leased}"), seen


def test_a_cpuset_s_files_stay_open_and_one_that_went_is_made_again(leased, open_in):
    """v1: the CPU's cpuset's ``tasks`` and ``cpuset.cpus`` stay open from run to run (each
    run checks the cpuset through them and joins through a dup); a cpuset removed meanwhile
    (as a judge's sweep does while this process holds no lease) is made again and the next
    box's programs are pinned in it, not sent to the removed one (whose ``tasks`` would
    answer ENODEV: a run that cannot set up is SE)."""
    from sandbox import runner

    backend = runner._host().cgroups
    if backend.version != 1 or backend.pin_parent is None:
        pytest.skip("the cpuset is v1's own hierarchy here only (v2 pins the run's cgroup)")
    pin = os.path.join(backend.pin_parent, f"judgebox-cpuset-{leased}")
    with open_box() as box:
        for _ in range(2):
            _sees_only(ask(box.run), leased)
    assert open_in(pin) >= 2  # tasks and cpuset.cpus, kept
    os.rmdir(pin)
    with open_box() as box:
        for _ in range(2):
            _sees_only(ask(box.run), leased)
    assert os.path.isdir(pin) and open_in(pin) >= 2


def _other_judge_sees(env: dict[str, str] | None = None) -> dict:
    """What a program sees when another judging process (a second worker process) runs it."""
    code = ("from sandbox import run, SandboxSpec, Limits; "
            f"out = run(SandboxSpec(command=('/usr/bin/python3', '-c', {ASK!r}), "
            "limits=Limits(cpu_time_ms=5000, wall_time_ms=20000))); "
            "print(out.status.value, out.stdout.decode(), out.stderr.decode())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, timeout=120, env={**os.environ, **(env or {})})
    assert done.returncode == 0 and done.stdout.startswith("OK "), (done.stdout, done.stderr)
    return json.loads(done.stdout[3:].strip().splitlines()[0])


def test_two_judging_processes_get_cpus_of_their_own(leased):
    """While this process holds a CPU, another judging process's box runs on another one (a
    host with one CPU: not pinned, since that one is taken)."""
    seen = _other_judge_sees()
    others = [c for c in cpus.pinnable() if c != leased]
    if others:
        assert len(seen["affinity"]) == 1 and seen["affinity"] != [leased], seen
        _sees_only(seen, seen["affinity"][0])
    else:
        assert seen["affinity"] == ALL, seen


def test_a_box_is_not_pinned_when_every_cpu_is_leased(leased):
    """More judging processes than CPUs: the extra one's boxes run where the scheduler puts
    them (all CPUs), not on a CPU another judgement holds."""
    seen = _other_judge_sees({"JUDGEBOX_CPUS": str(leased)})
    assert seen["affinity"] == ALL, seen


def test_judgebox_cpus_off_turns_pinning_off():
    """``JUDGEBOX_CPUS=off``: no box is pinned (every CPU this process may use)."""
    seen = _other_judge_sees({"JUDGEBOX_CPUS": "off"})
    assert seen["affinity"] == ALL, seen


def test_a_forked_child_does_not_share_its_parent_s_lease(leased):
    """A task queue forks its pool processes: a child's copy of the lock's fd would share the
    parent's lock, and both would pin to one CPU. The child takes a lease of its own."""
    from sandbox import runner

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            cpu = cpus.acquire(runner._host().run_dir)
            os.write(w, json.dumps(cpu).encode())
        finally:
            os._exit(0)
    os.close(w)
    child = json.loads(os.read(r, 100))
    os.close(r)
    os.waitpid(pid, 0)
    assert child != leased and (child is not None or len(cpus.pinnable()) == 1), child


def test_the_cpusets_a_dead_judge_left_are_swept(leased):
    """v1: the cpuset of a CPU stays while boxes use it and goes when its judge exits; one a
    judge killed outright left is removed by the next judge's sweep (under the CPU's lock)."""
    from sandbox import runner

    host = runner._host()
    parent = getattr(host.cgroups, "pin_parent", None)
    if parent is None:
        pytest.skip("no v1 cpuset hierarchy: a v2 run's own cgroup is pinned")
    code = ("from sandbox import run, SandboxSpec, cpus, runner; "
            "print(cpus.acquire(runner._host().run_dir), flush=True); "
            "run(SandboxSpec(('sleep', '30')))")
    judge = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             cwd=REPO)
    cpu = judge.stdout.readline().strip()
    left = os.path.join(parent, f"judgebox-cpuset-{cpu}")
    deadline = time.monotonic() + 60  # killed once its box's program is in the cpuset
    while cpu != "None" and not _tasks(left) and time.monotonic() < deadline:
        time.sleep(0.01)
    judge.kill()
    assert judge.wait(90) == -signal.SIGKILL
    if cpu == "None":
        pytest.skip("the dead judge found no free CPU (other judges held them)")
    assert os.path.isdir(left), "the dead judge's cpuset should still be there"
    deadline = time.monotonic() + 5
    while os.path.isdir(left) and time.monotonic() < deadline:
        runner._sweep(host)  # (its box's processes may be on their way out)
        time.sleep(0.1)
    assert not os.path.isdir(left)
    code = ("from sandbox import open_box, SandboxSpec, cpus\n"
            "with open_box() as box:\n"
            "    box.run(SandboxSpec(('true',)))\n"
            "    print(cpus.current())\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, timeout=90)
    assert done.returncode == 0, done.stderr
    if done.stdout.strip() != "None":
        assert not os.path.isdir(os.path.join(parent, f"judgebox-cpuset-{int(done.stdout)}")),\
            "a judge that exits removes the cpusets it used"


def test_cpu_lists_are_read_as_the_kernel_writes_them():
    assert cpus.parse_list("0-3,6") == (0, 1, 2, 3, 6)
    assert cpus.parse_list("5, 1-2") == (1, 2, 5)
    for bad in ("3-1", "a", "-1", "1-"):
        with pytest.raises(ValueError):
            cpus.parse_list(bad)


def test_a_bad_judgebox_cpus_is_a_clear_error(host_error_with):
    done = host_error_with({"JUDGEBOX_CPUS": "two"})
    assert done.returncode == 0 and "JUDGEBOX_CPUS='two': auto, off or a CPU list" in \
        done.stdout, (done.stdout, done.stderr)


def _tasks(cgroup: str) -> list[str]:
    try:
        with open(os.path.join(cgroup, "tasks")) as f:
            return f.read().split()
    except OSError:
        return []

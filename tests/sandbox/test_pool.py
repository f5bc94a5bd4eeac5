"""The pool of prepared boxes (issue 21): boxes started ahead (keeper, init, namespaces, root,
the box's seccomp filter), so that a judgement's first run, and a one-run ``sandbox.run``,
cost what a warm run costs; refilled by a thread of the pool, capped, and as fresh as a box
made for the run."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sandbox import Limits, Mount, SandboxSpec, Status, box as boxes, forkserver, open_box, run

pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
              pytest.mark.usefixtures("clean_host"), pytest.mark.timeout(120)]

REPO = Path(__file__).resolve().parents[2]


def sh(script: str) -> SandboxSpec:
    return SandboxSpec(command=("/bin/sh", "-c", script), limits=Limits(cpu_time_ms=2000))


@pytest.fixture
def pool():
    """The process's pool, emptied before and after the test."""
    boxes.close_pool()
    yield boxes._pool
    boxes.close_pool()


def _idle(pool, kind=("default", ())) -> int:
    with pool._lock:
        return len(pool._idle.get(kind, []))


def _wait_for(predicate, within_s: float = 20.0) -> bool:
    deadline = time.monotonic() + within_s
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _keepers() -> set[str]:
    pid = forkserver.server().process.pid
    found = set()
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/children") as f:
            found.update(f.read().split())
    return found


def test_a_kind_asked_for_twice_is_kept_ready(pool):
    """The first two asks make boxes on their first run; from then on the pool keeps two
    started boxes of that kind, and open_box hands one over: started (its keeper and init
    are there) before its first run, which is as fresh as any: PID 2, empty /tmp, the box's
    uid."""
    for _ in range(2):
        with open_box() as box:
            assert box.run(sh("true")).status is Status.OK
    assert _wait_for(lambda: _idle(pool) == boxes.pool_per_kind())
    box = open_box()
    try:
        assert box.alive() and box.opened == 1  # started by the pool, not by this run
        out = box.run(sh("echo $$; ls -A /tmp | wc -l; ls -A /box | wc -l; id -u"))
        assert out.status is Status.OK, out
        pid, tmp, box_files, uid = out.stdout.decode().split()
        assert (pid, tmp, box_files) == ("2", "0", "0") and 61000 <= int(uid) < 62000, \
            out.stdout
        assert box.opened == 1
    finally:
        box.close()


def test_sandbox_run_takes_a_prepared_box_and_closes_it(pool):
    """A one-run ``sandbox.run`` of a kind the pool keeps runs in one of its boxes (which is
    closed after: the pool starts another), with the same outcome as in a box of its own."""
    run(sh("true"))
    run(sh("true"))
    assert _wait_for(lambda: _idle(pool) == boxes.pool_per_kind())
    before = _keepers()
    ready = set(before)
    out = run(sh("echo hi; exit 3"))
    assert out.status is Status.RE and out.exit_code == 3 and out.stdout == b"hi\n", out
    assert _wait_for(lambda: not (ready & _keepers()) or len(ready - _keepers()) == 1)
    assert len(ready - _keepers()) == 1  # the box it ran in is gone (reaped) ...
    assert _wait_for(lambda: _idle(pool) == boxes.pool_per_kind())  # ... and replaced


def test_a_process_that_ends_without_closing_its_prepared_boxes_leaves_nothing(
        pool, settled_leftovers):
    """A process that ends without closing its boxes (a forked pool process ends with
    ``os._exit``: no atexit) leaves nothing: its prepared boxes die with its fork server, and
    the cgroup each holds for its first run (made with the box) is removed by the server's
    sweeper, which holds the slots until then. (A first version made those cgroups without
    the sweeper, and every such exit left them: CI, tests/worker/test_batch onwards.)"""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: fill its own pool, then end as a pool process does
        code = 1
        try:
            os.close(r)
            run(sh("true"))
            run(sh("true"))
            code = 0 if _wait_for(lambda: _idle(boxes._pool) == boxes.pool_per_kind()) else 2
            held = [path for box in boxes._pool._idle[("default", ())]
                    for path in box._ahead._ready.cg.paths.values()]
            os.write(w, "\n".join(held).encode())
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        held = f.read().decode().split()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert held, "each idle box holds its first run's cgroup"
    assert not settled_leftovers(grace_s=5.0)
    assert not [path for path in held if os.path.exists(path)]
    from sandbox import cpus, runner  # its CPU's cpuset (kept between boxes) goes too
    runner._remove_pins(runner._host(), cpus.pinnable())


def test_no_box_is_started_while_a_run_is_under_way(pool):
    """Making a box costs CPU and the process's GIL, which a run's watch needs: the pool
    refills between runs, not during one (a box taken during a run is replaced after it)."""
    run(sh("true"))
    run(sh("true"))
    assert _wait_for(lambda: _idle(pool) == boxes.pool_per_kind())
    with pool.running():  # as Box.run holds it
        taken = open_box()
        try:
            time.sleep(0.5)  # ample for a box to be made (a few ms here, 100 ms in the VM)
            assert _idle(pool) == boxes.pool_per_kind() - 1 and not pool.building
        finally:
            taken.close()
    assert _wait_for(lambda: _idle(pool) == boxes.pool_per_kind())
    # sandbox.run: the box it takes is replaced once its run is over
    outcome = []
    judging = threading.Thread(target=lambda: outcome.append(run(sh("sleep 0.6"))))
    judging.start()
    time.sleep(0.4)
    during = (_idle(pool), pool.building)
    judging.join()
    assert outcome[0].status is Status.OK, outcome
    assert during == (boxes.pool_per_kind() - 1, False)
    assert _wait_for(lambda: _idle(pool) == boxes.pool_per_kind())


def _waits(thread: threading.Thread) -> int:
    """How many times ``thread`` has given up its CPU to wait (voluntary context switches)."""
    with open(f"/proc/self/task/{thread.native_id}/status") as f:
        return int(next(line for line in f if line.startswith("voluntary_ctxt_switches"))
                   .split()[1])


def test_the_runs_of_a_box_do_not_wake_the_pools_thread(pool):
    """Between the back-to-back runs of one box (a judgement's tests) the pool's thread sleeps
    while the pool has every box it should: woken at every run's end, it took the lock and
    the GIL between every two runs. A kind that waits for the runs' end for a box is still
    refilled then."""
    run(sh("true"))
    run(sh("true"))
    assert _wait_for(lambda: _idle(pool) == boxes.pool_per_kind())
    box = open_box()  # taken with no run under way: replaced at once
    try:
        assert _wait_for(lambda: _idle(pool) == boxes.pool_per_kind() and not pool.building)
        before = _waits(pool._thread)
        for _ in range(50):
            assert box.run(sh("true")).status is Status.OK
        assert _waits(pool._thread) == before
        with pool.running():  # a box taken during a run: due when the runs end
            taken = open_box()
            assert _wait_for(lambda: pool._due)
        taken.close()
        assert _wait_for(lambda: _idle(pool) == boxes.pool_per_kind())
        before = _waits(pool._thread)
        for _ in range(50):
            assert box.run(sh("true")).status is Status.OK
        assert _waits(pool._thread) == before
    finally:
        box.close()


def test_the_pool_is_capped_the_least_recently_asked_kinds_go_first(pool, tmp_path):
    """More kinds than the cap allows: the most recently asked kinds keep their boxes, the
    process never holds more than ``JUDGEBOX_POOL_MAX`` idle ones."""
    kinds = []
    for i in range(4):
        d = tmp_path / f"d{i}"
        d.mkdir()
        kinds.append(("default", (Mount(str(d), f"/data{i}"),)))
    for template, mounts in kinds:
        for _ in range(2):
            with open_box(template, mounts) as box:
                box.run(SandboxSpec(command=("true",), mounts=mounts))
    latest = kinds[-(boxes.pool_max() // boxes.pool_per_kind()):]
    assert _wait_for(lambda: all(_idle(pool, k) == boxes.pool_per_kind() for k in latest))
    time.sleep(0.5)  # (what would come beyond the cap, if anything did)
    with pool._lock:
        total = sum(map(len, pool._idle.values()))
    assert total <= boxes.pool_max()
    assert all(_idle(pool, k) == 0 for k in kinds if k not in latest)


def test_closing_the_pool_leaves_no_box(pool):
    for _ in range(2):
        run(sh("true"))
    assert _wait_for(lambda: _idle(pool) == boxes.pool_per_kind())
    assert _keepers()
    boxes.close_pool()
    assert _wait_for(lambda: not _keepers(), 5)


def test_writable_mounts_are_not_pooled(pool, tmp_path):
    mounts = (Mount(str(tmp_path), "/out", writable=True),)
    for _ in range(3):
        out = run(SandboxSpec(command=("true",), mounts=mounts))
        assert out.status is Status.OK, out
    time.sleep(0.3)
    with pool._lock:
        assert not any(kind[1] == mounts for kind in pool._asked)


def test_judgebox_pool_0_turns_the_pool_off():
    code = ("from sandbox import run, SandboxSpec, box, forkserver\n"
            "for _ in range(4): run(SandboxSpec(('true',)))\n"
            "import time, os; time.sleep(0.5)\n"
            "pid = forkserver.server().process.pid\n"
            "print(len(open(f'/proc/{pid}/task/{pid}/children').read().split()))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, timeout=60, env={**os.environ, "JUDGEBOX_POOL": "0"})
    assert done.returncode == 0 and done.stdout.split() == ["0"], (done.stdout, done.stderr)


def test_a_forked_child_has_a_pool_of_its_own(pool):
    """A pool process forked from a worker that had boxes ready: the parent's boxes are
    not the child's (their sockets would be shared); the child starts its own."""
    for _ in range(2):
        run(sh("true"))
    assert _wait_for(lambda: _idle(pool) == boxes.pool_per_kind())
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            fresh = boxes._pool is not pool and not boxes._pool._idle
            ok = run(sh("true")).status is Status.OK
            os.write(w, b"%d %d" % (fresh, ok))
        finally:
            os._exit(0)
    os.close(w)
    fresh, ok = map(int, os.read(r, 100).split())
    os.close(r)
    os.waitpid(pid, 0)
    assert fresh and ok
    assert _idle(pool) == boxes.pool_per_kind()  # the parent's are untouched


def test_a_bad_judgebox_pool_is_a_clear_error(host_error_with):
    done = host_error_with({"JUDGEBOX_POOL": "two"})
    assert done.returncode == 0 and "JUDGEBOX_POOL='two': a number of boxes" in done.stdout, \
        (done.stdout, done.stderr)


def test_whoever_takes_a_slot_removes_what_its_last_holder_left(monkeypatch):
    """A prepared box may hold its slot for long, so the sweep at start leaves that slot's
    leftovers (a dead judge's empty run cgroups) alone; the next taker of the slot removes
    them before its box uses the slot."""
    import itertools

    from sandbox import runner, slots

    host = runner._host()
    free = next(i for i in range(64) if (s := slots.try_acquire(host.run_dir, i)) is not None
                and (s.release() or True))
    stale = [host.cgroups.create(f"judgebox-{free}.99"), host.cgroups.create(f"judgebox-{free}")]
    monkeypatch.setattr(slots, "_next", itertools.count(free))
    slot = runner.take_slot(host)
    try:
        assert slot.index == free
        left = [p for cg in stale for p in cg.paths.values() if os.path.isdir(p)]
        assert not left, left
    finally:
        slot.release()
        for cg in stale:
            host.cgroups.remove(cg)

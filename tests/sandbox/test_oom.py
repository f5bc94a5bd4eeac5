"""A program over its memory limit is MLE whatever judge it runs under.

Two ways a judge's surroundings turned an MLE into a TLE, both inherited by every box: a judge
started with ``oom_score_adj`` -1000 (a service manager's or container runtime's protection)
handed that score to its programs, so the box cgroup's OOM killer found nothing it may kill and
the program retried its page fault until the CPU limit; and on cgroup v1 a new memory cgroup
takes ``oom_kill_disable`` from its parent, so beneath a judge whose cgroup has the OOM killer
off (``docker run --oom-kill-disable``) the program slept until the wall-time limit. Each box
program now sets its own score (1000) and each v1 box cgroup turns its OOM killer on.

Each case runs a judge of its own as a subprocess (the fork server, and with it every box,
inherits the judge's score and cgroup when it starts), with a CPU limit well above what an
OOM kill takes, so that a run to either limit fails the test.

A third way needs no judge of its own: the page cache. A box's memory is charged for the file
pages its program reads in; at the limit the box's reclaim evicts them and the program reads
them back, again and again, and the OOM killer never comes (Python's and Octave's MLE programs
ended TLE so whenever their interpreter's files were not cached). Such a run is MLE, and what
only looks like it (a program at its limit that reads a little back, or spends its time in the
kernel for another reason) stays TLE: the thrashing tests below, on a file evicted from the
cache before each run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import Limits, Mount, SandboxSpec, Status, cgroups, run
from sandbox.cgroupfs import Reclaim

pytestmark = [pytest.mark.usefixtures("clean_host"), pytest.mark.timeout(180)]

REPO = Path(__file__).resolve().parents[2]
HOG = """
#include <stdlib.h>
int main(void) {
    volatile char *p = malloc(512u << 20);  /* volatile: the stores are not elided */
    for (unsigned i = 0; i < (512u << 20); i += 4096) p[i] = 1;
    return 0;
}
"""
# One run of the hog in a box, by a judge of its own; its outcome as JSON on stdout.
JUDGE = """
import json, sys
from pathlib import Path
from sandbox import Limits, SandboxSpec, run
out = run(SandboxSpec(("/box/hog",), Limits(memory_kib=64 * 1024, cpu_time_ms=3000,
                                            wall_time_ms=6000),
                      files=(("hog", Path(sys.argv[1])),)))
print(json.dumps({"status": out.status.name, "oom_killed": out.oom_killed, "time": out.time,
                  "wall_time": out.wall_time, "memory_kib": out.memory_kib}))
"""


@pytest.fixture(scope="module")
def hog(cc) -> Path:
    return cc(HOG, "hog")


def _judge(hog: Path, preexec=None) -> dict:
    done = subprocess.run([sys.executable, "-c", JUDGE, str(hog)], cwd=REPO, preexec_fn=preexec,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def _assert_mle(outcome: dict) -> None:
    # an OOM kill at 64 MB takes a few hundredths of a second; the CPU limit is 3 s
    assert outcome["status"] == "MLE" and outcome["oom_killed"], outcome
    assert outcome["time"] < 1.0 and outcome["memory_kib"] >= 60 * 1024, outcome


def test_the_program_is_the_oom_killers_first_choice():
    with open("/proc/self/oom_score_adj") as f:
        judges = f.read()
    out = run(SandboxSpec(("/bin/sh", "-c", "cat /proc/self/oom_score_adj"), Limits()))
    assert out.status is Status.OK and out.stdout == b"1000\n", out
    with open("/proc/self/oom_score_adj") as f:
        assert f.read() == judges  # the judge's own is left as it was


def _protect() -> None:
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write("-1000")


def test_a_judge_with_oom_score_adj_minus_1000_still_gets_mle(hog):
    lowered = subprocess.run(["sh", "-c", "echo -1000 > /proc/self/oom_score_adj"],
                             capture_output=True)
    if lowered.returncode != 0:
        pytest.skip("lowering oom_score_adj needs CAP_SYS_RESOURCE, which root here lacks "
                    "(tests/vm runs this test in its guest)")
    _assert_mle(_judge(hog, preexec=_protect))


def test_a_judge_in_a_memory_cgroup_with_the_oom_killer_off_still_gets_mle(hog):
    backend = cgroups.backend()
    if backend.version != 1:
        pytest.skip("v2 has no oom_kill_disable")
    own = cgroups.own_cgroups()["memory"].strip("/")
    mount = cgroups.mountinfo_cgroups()[0]["memory"]
    cage = os.path.join(mount, own, f"judgebox-test-oomoff-{os.getpid()}")
    os.mkdir(cage)
    try:
        with open(os.path.join(cage, "memory.oom_control"), "w") as f:
            f.write("1")

        def enter() -> None:  # the judge's own memory cgroup: a child of this test's
            with open(os.path.join(cage, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))

        _assert_mle(_judge(hog, preexec=enter))
    finally:
        for dirpath, _dirs, _files in sorted(os.walk(cage), key=lambda w: -len(w[0])):
            os.rmdir(dirpath)  # the judge removed its box cgroups; anything left fails here


# Holds OWN MiB of its own, then reads the pages of a file mapped from /box/data (once, and
# again until its CPU time reaches MS milliseconds: -1, for ever) and spins in the program;
# or with "sys", reads the file once with read() (the box fills to its limit with its cache),
# then spins in the kernel (reading /dev/zero). By CPU time, so that a slower (emulated)
# machine divides its time alike.
THRASH = r"""
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
static long cpu_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}
int main(int argc, char **argv) {
    size_t own_bytes = (size_t)atol(argv[1]) << 20;
    long until_ms = atol(argv[2]);
    volatile char *own = malloc(own_bytes);
    for (size_t i = 0; i < own_bytes; i += 4096)
        own[i] = 1;
    int fd = open("/box/data", O_RDONLY);
    if (argc > 3 && strcmp(argv[3], "sys") == 0) {
        while (read(fd, (char *)own, 1 << 16) > 0)
            ;
        for (int zero = open("/dev/zero", O_RDONLY);;)
            read(zero, (char *)own, 1 << 20);
    }
    size_t size = lseek(fd, 0, SEEK_END);
    volatile char *data = mmap(0, size, PROT_READ, MAP_SHARED, fd, 0);
    volatile unsigned long sum = 0;
    do
        for (size_t i = 0; i < size; i += 4096)
            sum += data[i];
    while (until_ms < 0 || cpu_ms() < until_ms);
    for (;;)
        sum++;
}
"""
# The box's memory (by default), its room beside the program's own, and the file: the file's
# pages do not all fit
MEMORY_MIB, ROOM_MIB, DATA_MIB = 32, 8, 16


def _fstype(path: Path) -> str:
    """The type of the file system ``path`` is on (the longest mount point above it)."""
    best, fstype = "", ""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            point = left.split()[4]
            if (str(path) + "/").startswith(point.rstrip("/") + "/") and len(point) >= len(best):
                best, fstype = point, right.split()[0]
    return fstype


@pytest.fixture(scope="module")
def disk_dir(tmp_path_factory):
    """A directory on a file system whose pages the kernel can evict and read back: the
    temporary directory if it is on one, else (tmpfs, or the cgroup v2 guest's overlay on
    tmpfs and 9p) an ext4 file system of this test's own on a loop device, removed after."""
    base = tmp_path_factory.mktemp("disk")
    if _fstype(base) not in ("tmpfs", "ramfs", "overlay", "9p"):
        yield base
        return
    image, mount = base / "ext4.img", base / "mnt"
    mount.mkdir()
    with open(image, "wb") as f:
        f.truncate(160 << 20)
    made = subprocess.run(["mkfs.ext4", "-q", str(image)], capture_output=True, text=True)
    mounted = made.returncode == 0 and subprocess.run(
        ["mount", "-o", "loop", str(image), str(mount)], capture_output=True).returncode == 0
    if not mounted:
        pytest.skip(f"{base} is on {_fstype(base)}, whose pages are never evicted, and an ext4 "
                    f"image could not be mounted there: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-d", str(mount)], check=True)


@pytest.fixture(scope="module")
def thrash(cc, disk_dir):
    """``thrash(*args, cpu_time_ms=..., memory_mib=...)``: one run of THRASH in a box of
    ``memory_mib``, the program's own memory ROOM_MIB less, on a data file of its own that is
    not in the page cache (so its pages are charged to the box as it reads them). A new file
    each time: an evicted page leaves a shadow entry in its file's cache, and reading the
    page again later counts as read back, whoever evicted it (a run before, on the same
    file, added up to the file's size)."""
    binary = cc(THRASH, "thrash")
    runs = iter(range(1_000_000))

    def one(*args: str, cpu_time_ms: int = 1000, memory_mib: int = MEMORY_MIB):
        data = disk_dir / f"data-{next(runs)}"
        with open(data, "wb") as f:
            f.write(os.urandom(DATA_MIB << 20))
            f.flush()
            os.fsync(f.fileno())
            os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)  # (no shadow entries)
        try:
            return run(SandboxSpec(("/box/thrash", str(memory_mib - ROOM_MIB), *args),
                                   Limits(memory_kib=memory_mib * 1024,
                                          cpu_time_ms=cpu_time_ms,
                                          # by CPU time, however busy the machine (a
                                          # thrashing run waits for the disk too)
                                          wall_time_ms=20 * cpu_time_ms),
                                   files=(("thrash", binary),),
                                   mounts=(Mount(str(data), "/box/data"),)))
        finally:
            data.unlink()

    return one


def test_a_program_thrashing_at_its_memory_limit_is_mle(thrash):
    """Its file's pages read back for ever (measured here: 300 to 700 MiB of them in a second
    of CPU, all of it in the kernel): before, a TLE with its memory at the limit."""
    out = thrash("-1", cpu_time_ms=3000)  # (room for an emulated machine: tests/vm)
    assert out.status is Status.MLE, out
    assert out.killed_by in ("cpu-time", "wall-time") and not out.oom_killed, out
    assert out.message.startswith("thrashing at the memory limit: "), out
    assert out.memory_kib >= 0.97 * MEMORY_MIB * 1024, out


def test_a_program_at_its_limit_that_mostly_computes_stays_tle(thrash):
    """Its file read back for half a second of CPU (measured here: 140 to 500 MiB, several
    times its limit), then its own computing: most of its CPU time is its own."""
    out = thrash("500", cpu_time_ms=2000)
    assert out.status is Status.TLE and out.killed_by == "cpu-time", out
    assert out.memory_kib >= 0.97 * MEMORY_MIB * 1024, out  # the thrashing check was asked


def test_a_program_at_its_limit_in_the_kernel_for_another_reason_stays_tle(thrash):
    """One read of its file fills the box to its limit, then it reads /dev/zero for ever: all
    its CPU time in the kernel, and about its file's size read back (17 to 20 MiB here,
    whatever the box's memory), far under its limit of 96. (In a box of 32 with the file
    read once through a mapping, its read-ahead pages evicted and read again came to 11 to 25
    MiB here and 51 in a CI run: over the limit, and so MLE.)"""
    out = thrash("0", "sys", memory_mib=96, cpu_time_ms=3000)  # (room for tests/vm)
    assert out.status is Status.TLE and out.killed_by == "cpu-time", out
    assert out.memory_kib >= 0.97 * 96 * 1024, out


@pytest.mark.parametrize("user_ms, system_ms, refaulted_mib, thrashing", [
    (40, 960, 300, True),     # the thrashing program above
    (499, 501, 128, True),    # both signs, just
    (501, 499, 1024, False),  # the kernel's share under half
    (40, 960, 127, False),    # less than its limit read back
    (0, 0, 0, False),         # no figures (a kernel without the line)
])
def test_thrashing_asks_for_both_signs(user_ms, system_ms, refaulted_mib, thrashing):
    from sandbox.runner import _thrashing

    why = _thrashing(Reclaim(user_ms * 10**6, system_ms * 10**6, refaulted_mib << 20),
                     Limits(memory_kib=128 * 1024))
    assert bool(why) is thrashing, why

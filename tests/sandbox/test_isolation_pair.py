"""Two boxes at once (two threads of one judge) cannot see or signal each other.

The same C program runs in both boxes. Side by side, each leaves marks of itself (files in
/tmp, /dev/shm and /box, a SysV shared memory segment, an abstract unix socket), waits while
the other does the same, then looks for the other's marks, lists /proc, and probes every pid up
to beyond the host's last pid with kill(pid, 0). Then a targeted round: one box is handed the
real host pids of the other box's processes and tries to kill them; the other must live on.

Box b starts once box a's program runs (they still overlap by about a second): two runs started
in the very same instant from two threads trip a separate sandbox bug, shown deterministically
by ``test_a_box_does_not_keep_the_judges_files_open``.

One box after another (the same slot, so the same uid and cgroup name, when nothing else
runs): the first leaves files in /tmp, /dev/shm and /box, SysV shared memory, a message queue
and a semaphore, a daemon holding an abstract socket, and a 48 MiB memory peak; the next sees
none of it, and its peak is its own.

Convention as in test_adversarial: a forbidden thing that worked prints ``ESCAPED: <what>``
and exits 99.
"""

from __future__ import annotations

import os
import re
import secrets
import select
import threading
import time

import pytest

from sandbox import Limits, Outcome, SandboxSpec, Status, run

pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
              pytest.mark.timeout(60)]

PAIR_C = r"""
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define ESCAPED(...) do { printf("ESCAPED: " __VA_ARGS__); putchar('\n'); fflush(stdout); \
                          _exit(99); } while (0)

static const char *dirs[] = {"/tmp", "/dev/shm", "/box"};

static void nap(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static key_t key_of(const char *who) { return 0x4a420000 + (unsigned char)who[0]; }

static socklen_t abstract(struct sockaddr_un *un, const char *token, const char *who)
{
    memset(un, 0, sizeof *un);
    un->sun_family = AF_UNIX;
    int n = snprintf(un->sun_path + 1, sizeof un->sun_path - 1, "judgebox-pair-%s-%s", token,
                     who);
    return offsetof(struct sockaddr_un, sun_path) + 1 + n;
}

/* side by side: mark, wait, look for the other's marks, probe every pid */
static int side_by_side(const char *me, const char *other, const char *token, int scan_max)
{
    char path[256];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/marker-%s-%s", dirs[i], token, me);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0) {
            printf("cannot create %s: %s\n", path, strerror(errno));
            return 1;
        }
        close(fd);
    }
    if (shmget(key_of(me), 4096, IPC_CREAT | IPC_EXCL | 0600) < 0) {
        printf("shmget(own key): %s\n", strerror(errno));
        return 1;
    }
    struct sockaddr_un un;
    socklen_t len = abstract(&un, token, me);
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    if (listener < 0 || bind(listener, (struct sockaddr *)&un, len) < 0 || listen(listener, 4)) {
        printf("abstract socket: %s\n", strerror(errno));
        return 1;
    }
    printf("uid=%d pid=%d\n", getuid(), getpid());
    fflush(stdout);
    nap(700); /* the other box marks itself meanwhile */

    struct stat st;
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/marker-%s-%s", dirs[i], token, other);
        if (stat(path, &st) == 0)
            ESCAPED("sees the other box's %s", path);
        snprintf(path, sizeof path, "%s/marker-%s-%s", dirs[i], token, me);
        if (stat(path, &st) != 0) {
            printf("own marker %s is gone\n", path);
            return 1;
        }
    }
    if (shmget(key_of(other), 0, 0) >= 0)
        ESCAPED("opened the other box's SysV shared memory (key 0x%x)", key_of(other));
    len = abstract(&un, token, other);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(s, (struct sockaddr *)&un, len) == 0)
        ESCAPED("connected to the other box's abstract socket");
    printf("other box's marks: none seen\n");

    DIR *d = opendir("/proc");
    struct dirent *e;
    int own = 0;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s", e->d_name);
        if (stat(path, &st) == 0 && st.st_uid != getuid())
            ESCAPED("sees pid %s of uid %u in /proc", e->d_name, st.st_uid);
        own++;
    }
    printf("/proc: %d processes, all own\n", own);
    int probed = 0;
    for (int pid = 2; pid <= scan_max; pid++) {
        if (pid == getpid())
            continue;
        errno = 0;
        if (kill(pid, 0) == 0 || errno != ESRCH)
            ESCAPED("pid %d answers kill(pid, 0): %s", pid, errno ? strerror(errno) : "ok");
        probed++;
    }
    printf("kill(pid, 0): %d pids probed, none exists\n", probed);
    nap(400); /* stay while the other box looks */
    puts("all blocked");
    return 0;
}

/* targeted: argv holds the other box's host pids */
static int attack(int n, char **pids)
{
    for (int i = 0; i < n; i++) {
        int pid = atoi(pids[i]);
        if (pid <= 1 || pid == getpid())
            continue;
        errno = 0;
        if (kill(pid, 0) == 0 || errno != ESRCH)
            ESCAPED("the other box's host pid %d answers kill(pid, 0): %s", pid,
                    errno ? strerror(errno) : "ok");
        if (kill(pid, SIGKILL) == 0)
            ESCAPED("kill(%d, SIGKILL) succeeded", pid);
        printf("blocked: host pid %d: %s\n", pid, strerror(errno));
    }
    puts("all blocked");
    return 0;
}

/* one box after another: "leave" marks everywhere (and a lingering daemon holding an
 * abstract socket, and a memory peak), "look" in the next box for any of it */
static const key_t NEXT_KEY = 0x4a42ff00;

static socklen_t lingering(struct sockaddr_un *un, const char *token)
{
    return abstract(un, token, "lingering");
}

static int leave(const char *token)
{
    char path[256];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/marker-%s-prev", dirs[i], token);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd < 0) {
            printf("cannot create %s: %s\n", path, strerror(errno));
            return 1;
        }
        close(fd);
    }
    printf("shm %d msg %d sem %d\n", shmget(NEXT_KEY, 4096, IPC_CREAT | 0666),
           msgget(NEXT_KEY, IPC_CREAT | 0666), semget(NEXT_KEY, 1, IPC_CREAT | 0666));
    int ready[2];
    if (pipe(ready) != 0)
        return 1;
    if (fork() == 0) {
        setsid();
        struct sockaddr_un un;
        socklen_t len = lingering(&un, token);
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        if (s < 0 || bind(s, (struct sockaddr *)&un, len) < 0 || listen(s, 4) < 0)
            _exit(1);
        write(ready[1], "x", 1);
        for (;;)
            pause();
    }
    char c;
    if (read(ready[0], &c, 1) != 1) {
        puts("the lingering daemon did not start");
        return 1;
    }
    size_t size = 48u << 20; /* a memory peak the next box must not inherit */
    char *p = malloc(size);
    for (size_t i = 0; p && i < size; i += 4096)
        p[i] = 1;
    puts("left marks");
    return 0;
}

static int look(const char *token)
{
    char path[256];
    struct stat st;
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/marker-%s-prev", dirs[i], token);
        if (stat(path, &st) == 0)
            ESCAPED("sees the previous box's %s", path);
    }
    if (shmget(NEXT_KEY, 0, 0) >= 0)
        ESCAPED("sees the previous box's SysV shared memory");
    if (msgget(NEXT_KEY, 0) >= 0)
        ESCAPED("sees the previous box's SysV message queue");
    if (semget(NEXT_KEY, 0, 0) >= 0)
        ESCAPED("sees the previous box's SysV semaphore");
    struct sockaddr_un un;
    socklen_t len = lingering(&un, token);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(s, (struct sockaddr *)&un, len) == 0)
        ESCAPED("connected to the previous box's lingering abstract socket");
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && atoi(e->d_name) != getpid())
            ESCAPED("sees pid %s (the previous box's daemon?)", e->d_name);
    puts("all blocked");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "leave") == 0)
        return leave(argv[2]);
    if (argc >= 3 && strcmp(argv[1], "look") == 0)
        return look(argv[2]);
    if (argc >= 6 && strcmp(argv[1], "pair") == 0)
        return side_by_side(argv[2], argv[3], argv[4], atoi(argv[5]));
    if (argc >= 2 && strcmp(argv[1], "victim") == 0) {
        nap(atoi(argv[2]));
        puts("survived");
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "attack") == 0)
        return attack(argc - 2, argv + 2);
    puts("usage: prog pair ME OTHER TOKEN SCAN_MAX | victim MS | attack PID... | leave TOKEN "
         "| look TOKEN");
    return 2;
}
"""

LIMITS = Limits(cpu_time_ms=2000, wall_time_ms=5000, memory_kib=65536, processes=4)


@pytest.fixture(scope="module")
def pair_binary(cc):
    """The program both boxes run, compiled on the host (it only ever runs in a box)."""
    return cc(PAIR_C, "isolation_pair")


def _run(binary, *args: str) -> Outcome:
    return run(SandboxSpec(("/box/prog", *args), LIMITS, files=(("prog", binary),)))


def _problems(name: str, out: Outcome) -> list[str]:
    found = []
    text = out.stdout.decode(errors="replace")
    if out.status is not Status.OK or "all blocked" not in text:
        found.append(f"box {name}: {out.status.value} exit={out.exit_code} signal="
                     f"{out.signal} {out.message} stdout={text!r} stderr={out.stderr[:300]!r}")
    found += [f"box {name}: {line}" for line in text.splitlines() if "ESCAPED" in line]
    return found


def _scan_max() -> int:
    with open("/proc/sys/kernel/ns_last_pid") as f:
        return max(32768, int(f.read()) + 20000)


def _wait_for_box(box_processes, thread: threading.Thread, count: int = 1) -> list:
    """Wait until ``count`` box programs run below this process (or the thread ended)."""
    deadline = time.monotonic() + 5
    found: list[tuple[int, int]] = []
    while len(found) < count and time.monotonic() < deadline and thread.is_alive():
        found = box_processes()
        time.sleep(0.005)
    return found


def test_two_boxes_side_by_side_see_nothing_of_each_other(pair_binary, box_processes,
                                                          settled_leftovers):
    """Files, /dev/shm, SysV shm, abstract sockets, /proc and pids are each box's own."""
    token = secrets.token_hex(4)
    scan_max = str(_scan_max())
    results: dict[str, tuple[Outcome, float, float]] = {}

    def box(me: str, other: str) -> None:
        began = time.monotonic()
        out = _run(pair_binary, "pair", me, other, token, scan_max)
        results[me] = (out, began, time.monotonic())

    first = threading.Thread(target=box, args=("a", "b"))
    first.start()
    _wait_for_box(box_processes, first)
    second = threading.Thread(target=box, args=("b", "a"))
    second.start()
    first.join()
    second.join()
    (a, a0, a1), (b, b0, b1) = results["a"], results["b"]
    problems = _problems("a", a) + _problems("b", b)
    overlap = min(a1, b1) - max(a0, b0)
    if overlap < 0.7:
        problems.append(f"the boxes overlapped only {overlap:.2f} s: the test proves nothing")
    uids = [re.search(rb"uid=(\d+)", out.stdout) for out in (a, b)]
    if all(uids) and uids[0][1] == uids[1][1]:
        problems.append(f"both boxes ran as uid {uids[0][1].decode()}")
    problems += settled_leftovers()
    assert not problems, "\n".join(problems)


def test_a_box_cannot_signal_the_other_by_its_host_pids(pair_binary, box_processes,
                                                        settled_leftovers):
    """Box A is handed the real host pids of box B's program and of B's init; it cannot
    signal them (they do not exist in A's pid namespace) and B runs to its end."""
    victim: dict[str, Outcome] = {}
    thread = threading.Thread(target=lambda: victim.update(out=_run(pair_binary, "victim",
                                                                    "1500")))
    thread.start()
    found = _wait_for_box(box_processes, thread)
    assert found, "box B's program never showed up on the host"
    pids = []
    for pid, _uid in found:
        pids.append(pid)
        with open(f"/proc/{pid}/status") as f:
            ppid = next(int(line.split()[1]) for line in f if line.startswith("PPid:"))
        pids.append(ppid)  # B's init (root), seen from the host
    attacker = _run(pair_binary, "attack", *map(str, pids))
    thread.join()
    problems = _problems("A (attacker)", attacker)
    out = victim["out"]
    if out.status is not Status.OK or b"survived" not in out.stdout:
        problems.append(f"box B (victim) did not run to its end: {out.status.value} "
                        f"signal={out.signal} killed_by={out.killed_by}")
    problems += settled_leftovers()
    assert not problems, "\n".join(problems) + f"\nhost pids tried: {pids}"


def test_a_box_does_not_keep_the_judges_files_open(pair_binary, box_processes,
                                                    settled_leftovers):
    """A pipe the judge closes while a box runs reads EOF at once: the box's helper processes
    hold no copy of the judge's files (what another thread of the judge, or another run, has
    open when a box starts)."""
    r, w = os.pipe()
    try:
        thread = threading.Thread(target=_run, args=(pair_binary, "victim", "1500"))
        thread.start()
        assert _wait_for_box(box_processes, thread), "the box's program never showed up"
        os.close(w)
        w = -1
        started = time.monotonic()
        readable = select.select([r], [], [], 1.0)[0]
        waited = time.monotonic() - started
        thread.join()
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)
    assert not settled_leftovers()
    assert readable and waited < 0.2, (
        f"the judge's pipe stayed open in the box's helpers for {waited:.2f} s after the judge "
        f"closed it")


def test_the_next_box_sees_nothing_of_the_previous_one(pair_binary, settled_leftovers):
    """Cross-test leakage: a box that left marks everywhere (and a daemon) is followed by one
    that finds none of them; the second's memory peak is not the first's."""
    token = secrets.token_hex(4)
    first = _run(pair_binary, "leave", token)
    second = _run(pair_binary, "look", token)
    problems = []
    if first.status is not Status.OK or b"left marks" not in first.stdout:
        problems.append(f"the first box did not leave its marks: {first.status.value} "
                        f"{first.stdout!r} {first.stderr[:300]!r}")
    problems += _problems("next", second)
    if first.memory_kib < 48 * 1024:
        problems.append(f"the first box peaked at {first.memory_kib} KiB: the test proves "
                        f"nothing about the next box's peak")
    if second.memory_kib >= 16 * 1024:
        problems.append(f"the next box's peak {second.memory_kib} KiB carries the first's")
    problems += settled_leftovers()
    assert not problems, "\n".join(problems)

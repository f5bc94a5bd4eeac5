#!/usr/bin/env python3
"""What a warm run costs with no Python in the supervisor: the floor of judgebox's design on
this machine, layer by layer (issue 21, target 2: a warm run within 0.5 ms of bare fork+exec).

A warm run is two halves: the box's init (C, ``sandbox/native/jbox.c``: the run's fresh
``/tmp`` and ``/dev/shm``, its ``/box`` attached, pid numbering reset, the program's process,
its rlimits, cgroup, fds, credentials and seccomp filter, exec, the reaping, the report, the
box cleared after) and the supervisor's (Python: the run's cgroup made, limited and opened, its
``/box`` made and filled, the stdin copy, the pipes, the order, the watch, the cgroup's
figures, the removal). This bench opens a real box with judgebox, then hands the box's two
sockets to a small C program that plays the supervisor's half as ``sandbox/box.py`` and
``sandbox/runner.py`` do (the same system calls on the same files, in the same order; the
cgroup files written as ``sandbox/cgroup_v1.py`` / ``cgroup_v2.py`` write them, v1's kept
groups and their open files included; the binary written from memory), with no
Python; it leaves out the watch's limit checks and the verdict, which a ``return 0`` program
never reaches, so its figure is a bound. What is left over bare fork+exec is then what the
layers cost, not the language of the supervisor.

Four methods on the static ``int main(void){return 0;}`` binary, in rounds that alternate:

- ``python``: judgebox's own warm run, ``box.run(spec)`` (the next run's cgroup and /box made
  while the program runs, as in a judgement);
- ``c_ahead``: the C supervisor doing the same, the next run's cgroup and /box made right after
  the order is sent, the cgroups of the run before removed then;
- ``c_inline``: the C supervisor with every step of the run on its path, one after the other,
  stamped: making the cgroup (and its limits, and opening it), making and filling /box, the
  stdin copy and pipes, waiting for init's ``N`` and sending the order, init's work up to the
  program's exec (from init's own ``T`` stamp), exec to the program's end (init's ``X`` stamp),
  the end until the supervisor has every pipe's EOF, reading the figures and removing the
  cgroup;
- ``bare``: fork+exec+wait of the binary (copied to ``/dev/shm``) from the same C program, with
  the same stdin file: the floor every "over bare" figure is measured from.

Usage (as root)::

    .venv/bin/python bench/warm_floor.py [--runs 200] [--rounds 5] [--json]

It reaches into the box's internals (its sockets, slot and CPU): a measurement, not an API.
See bench/README.md.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sandbox  # noqa: E402
from sandbox import cgroup_v1, runner  # noqa: E402
from warm_bound import build, parse_args  # noqa: E402

DRIVER = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/mount.h>

/* argv: mode runs control_fd orders_fd order_file recipe_file binary stdin_file first_serial
 * The recipe: lines "mkdir PATH", "write PATH VALUE", "join PATH" (O_WRONLY), "joindir PATH"
 * (O_DIRECTORY), "stat PATH", "box OPTIONS" (key=value,...), with %s the run's serial. */
#define MAXL 64
static char kind[MAXL][16], path[MAXL][512], value[MAXL][512], value2[MAXL][512];
static int nlines;
static char order[65536];
static ssize_t order_len;
static int control, orders;
static const char *binary, *stdin_file;
static char *binary_data; static size_t binary_size; /* the binary's bytes, kept in memory */
/* kept directories (v1 pids and cpuacct, as cgroup_v1.V1._reuse): made and their files opened
 * on first use, kept open; [line][parity] */
static int kept_fd[MAXL][2][3]; static int kept_open[MAXL][2];

static long long now(void) {
    struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}
static void die(const char *what) { perror(what); exit(2); }
static void fill(char *out, const char *pattern, long serial) {
    char number[32]; snprintf(number, sizeof number, "%ld", serial);
    const char *at = strstr(pattern, "%s");
    if (!at) { strcpy(out, pattern); return; }
    sprintf(out, "%.*s%s%s", (int)(at - pattern), pattern, number, at + 2);
}
static void write_file(const char *p, const char *v) {
    int fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, v, strlen(v)) < 0) die(p);
    close(fd);
}

struct prepared { long serial; int join[8], njoin, box; };

/* "kept PATH KIND [VALUE]" (%k: d0 or d1 by the serial's parity): pids: tasks, pids.current,
 * pids.max (VALUE written each run); cpuacct: tasks, cpuacct.usage (0 written each run) */
static void kept_dir(char *dir, int line, int k) { /* the line's path, %k made d0 or d1 */
    const char *at = strstr(path[line], "%k");
    sprintf(dir, "%.*sd%d%s", (int)(at - path[line]), path[line], k, at + 2);
}

static void kept(int line, long serial, struct prepared *p) {
    int k = serial % 2; char dir[512], file[600], data[64];
    kept_dir(dir, line, k);
    int pids = !strcmp(value[line], "pids");
    if (!kept_open[line][k]) {
        if (mkdir(dir, 0755) < 0 && errno != EEXIST) die(dir);
        const char *names[] = {"tasks", pids ? "pids.current" : "cpuacct.usage", "pids.max"};
        int flags[] = {O_WRONLY, pids ? O_RDONLY : O_RDWR, O_WRONLY};
        for (int i = 0; i < (pids ? 3 : 2); i++) {
            snprintf(file, sizeof file, "%s/%s", dir, names[i]);
            if ((kept_fd[line][k][i] = open(file, flags[i] | O_CLOEXEC)) < 0) die(file);
        }
        kept_open[line][k] = 1;
    }
    if (pids) {
        if (pread(kept_fd[line][k][1], data, sizeof data, 0) < 0) die("pids.current");
        if (atoi(data)) { fprintf(stderr, "a task left in %s\n", dir); exit(2); }
        if (write(kept_fd[line][k][2], value2[line], strlen(value2[line])) < 0) die("pids.max");
    } else if (write(kept_fd[line][k][1], "0", 1) < 0) die("cpuacct.usage");
    p->join[p->njoin++] = dup(kept_fd[line][k][0]);
}

static void kept_close(void) { /* and remove the kept directories */
    char dir[512];
    for (int line = 0; line < nlines; line++)
        for (int k = 0; k < 2; k++) {
            if (!kept_open[line][k]) continue;
            for (int i = 0; i < (strcmp(value[line], "pids") ? 2 : 3); i++) close(kept_fd[line][k][i]);
            kept_dir(dir, line, k);
            if (rmdir(dir) < 0) die(dir);
        }
}

static int new_tmpfs(const char *options) {
    int fs = syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
    if (fs < 0) die("fsopen");
    char copy[512]; strcpy(copy, options);
    for (char *save, *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '='); *eq = 0;
        if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, item, eq + 1, 0) < 0) die(item);
    }
    if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) die("create");
    int m = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
    if (m < 0) die("fsmount");
    close(fs);
    return m;
}

static long long t_cgroup, t_box; /* the last prepare's two parts, ns */

static void prepare(struct prepared *p, long serial, int uid, int gid) {
    char buf[512];
    long long t0 = now();
    p->serial = serial; p->njoin = 0; p->box = -1;
    for (int i = 0; i < nlines; i++) {
        fill(buf, path[i], serial);
        if (!strcmp(kind[i], "mkdir")) { if (mkdir(buf, 0755) < 0) die(buf); }
        else if (!strcmp(kind[i], "write")) write_file(buf, value[i]);
        else if (!strcmp(kind[i], "kept")) kept(i, serial, p);
        else if (!strcmp(kind[i], "join")) {
            if ((p->join[p->njoin++] = open(buf, O_WRONLY | O_CLOEXEC)) < 0) die(buf);
        } else if (!strcmp(kind[i], "joindir")) {
            if ((p->join[p->njoin++] = open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) die(buf);
        }
    }
    long long t1 = now();
    for (int i = 0; i < nlines; i++) {
        if (strcmp(kind[i], "box")) continue;
        p->box = new_tmpfs(path[i]);
        struct stat st; /* the binary unchanged (as sandbox._hostfiles checks), from memory */
        if (stat(binary, &st) < 0) die(binary);
        int out = openat(p->box, "t", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0755);
        if (out < 0) die("box file");
        if (fchown(out, uid, gid) < 0) die("fchown");
        for (size_t done = 0; done < binary_size; ) {
            ssize_t n = write(out, binary_data + done, binary_size - done);
            if (n <= 0) die("box file write");
            done += n;
        }
        close(out);
    }
    t_cgroup = t1 - t0; t_box = now() - t1;
}

static void discard(struct prepared *p) { /* the cgroup's dirs, deepest first */
    char buf[512];
    for (int i = nlines - 1; i >= 0; i--) {
        if (strcmp(kind[i], "mkdir")) continue;
        fill(buf, path[i], p->serial);
        if (rmdir(buf) < 0) die(buf);
    }
}

static long long read_stats(long serial) {
    char buf[512], data[4096]; long long sum = 0;
    for (int i = 0; i < nlines; i++) {
        if (!strcmp(kind[i], "kept") && strcmp(value[i], "pids")) { /* its CPU time, kept open */
            ssize_t n = pread(kept_fd[i][serial % 2][1], data, sizeof data - 1, 0);
            if (n < 0) die("cpuacct.usage");
            data[n] = 0; sum += atoll(data);
            continue;
        }
        if (strcmp(kind[i], "stat")) continue;
        fill(buf, path[i], serial);
        int fd = open(buf, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd < 0 ? -1 : read(fd, data, sizeof data - 1);
        if (n < 0) die(buf);
        data[n] = 0; sum += atoll(data); close(fd);
    }
    return sum;
}

static int stdin_copy(void) {
    int copy = memfd_create("input", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    int src = open(stdin_file, O_RDONLY | O_CLOEXEC);
    while (sendfile(copy, src, NULL, 1 << 30) > 0) {}
    close(src);
    fcntl(copy, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
    lseek(copy, 0, SEEK_SET);
    return copy;
}

/* stamps of one run, ns: [0] cgroup [1] box [2] stdin+pipes [3] N+send [4] order->exec
 * [5] exec->end [6] end->all EOF [7] stats+cleanup */
static long long stamp[8];

static void run(struct prepared *p, void (*while_running)(void)) {
    long long t0 = now();
    int in = stdin_copy(), setup[2], result[2], out[2], err[2];
    if (pipe2(setup, O_CLOEXEC) || pipe2(result, O_CLOEXEC) || pipe2(out, O_CLOEXEC)
        || pipe2(err, O_CLOEXEC)) die("pipe");
    long long t1 = now();
    char answer[16]; /* the socket is non-blocking (the judge's has a timeout): wait for N */
    struct pollfd ready = {control, POLLIN, 0};
    if (poll(&ready, 1, 10000) != 1) die("init not ready");
    if (recv(control, answer, sizeof answer, 0) != 1 || answer[0] != 'N') die("init not ready");
    int fds[16] = {p->box, in, out[1], err[1], setup[1], result[1]}, nfds = 6;
    for (int i = 0; i < p->njoin; i++) fds[nfds++] = p->join[i];
    union { char raw[CMSG_SPACE(sizeof(int) * 16)]; struct cmsghdr align; } control_buf;
    struct iovec iov = {order, order_len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control_buf.raw,
                         .msg_controllen = CMSG_SPACE(sizeof(int) * nfds)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
    if (sendmsg(orders, &msg, 0) < 0) die("sendmsg");
    long long sent = now();
    for (int i = 1; i < nfds; i++) close(fds[i]); /* the box's ends (not /box: ours) */
    p->njoin = 0;
    if (while_running) while_running();
    struct pollfd pfd[4] = {{setup[0], POLLIN, 0}, {result[0], POLLIN, 0}, {out[0], POLLIN, 0},
                            {err[0], POLLIN, 0}};
    int open_fds = 4; long long exec_ns = 0, end_ns = 0; char line[256]; size_t used[2] = {0, 0};
    char text[2][256];
    while (open_fds) {
        if (poll(pfd, 4, 10000) <= 0) die("poll");
        for (int i = 0; i < 4; i++) {
            if (pfd[i].fd < 0 || !pfd[i].revents) continue;
            ssize_t n = read(pfd[i].fd, line, sizeof line);
            if (n > 0 && i < 2 && used[i] + n < sizeof text[i]) {
                memcpy(text[i] + used[i], line, n); used[i] += n;
            }
            if (n <= 0) { close(pfd[i].fd); pfd[i].fd = -1; open_fds--; }
        }
    }
    long long seen = now();
    text[0][used[0]] = text[1][used[1]] = 0;
    int status = -1; /* the program's wait status: exit 0, or the figures mean nothing */
    if (sscanf(text[0], "T%lld", &exec_ns) != 1
        || sscanf(text[1], "X%d %lld", &status, &end_ns) != 2 || status != 0) {
        fprintf(stderr, "setup said: %s\nresult said: %s\n", text[0], text[1]); exit(2);
    }
    read_stats(p->serial);
    close(p->box); p->box = -1;
    stamp[7] = now() - seen;
    stamp[2] = t1 - t0; stamp[3] = sent - t1; stamp[4] = exec_ns - sent;
    stamp[5] = end_ns - exec_ns; stamp[6] = seen - end_ns;
}

static int uid_, gid_;
static long serial_;
static struct prepared ahead, retired;
static int have_retired;
static void prepare_next(void) {
    if (have_retired) { discard(&retired); have_retired = 0; }
    prepare(&ahead, serial_++, uid_, gid_);
}

int main(int argc, char **argv) {
    if (argc != 12) { fprintf(stderr, "usage\n"); return 2; }
    const char *mode = argv[1]; int runs = atoi(argv[2]);
    control = atoi(argv[3]); orders = atoi(argv[4]);
    binary = argv[7]; stdin_file = argv[8]; serial_ = atol(argv[9]);
    uid_ = atoi(argv[10]); gid_ = atoi(argv[11]);
    FILE *f = fopen(argv[5], "rb"); order_len = fread(order, 1, sizeof order, f); fclose(f);
    f = fopen(argv[6], "r");
    char line[1200];
    while (fgets(line, sizeof line, f) && nlines < MAXL) {
        line[strcspn(line, "\n")] = 0;
        value[nlines][0] = value2[nlines][0] = 0;
        if (sscanf(line, "%15s %511s %511s %511s", kind[nlines], path[nlines], value[nlines],
                   value2[nlines]) >= 2)
            nlines++;
    }
    fclose(f);
    f = fopen(binary, "rb");
    if (!f) die(binary);
    fseek(f, 0, SEEK_END); binary_size = ftell(f); fseek(f, 0, SEEK_SET);
    binary_data = malloc(binary_size);
    if (fread(binary_data, 1, binary_size, f) != binary_size) die("read the binary");
    fclose(f);
    long long start = now();
    if (!strcmp(mode, "bare")) {
        for (int i = 0; i < runs; i++) {
            int fd = open(stdin_file, O_RDONLY | O_CLOEXEC);
            pid_t pid = fork();
            if (pid == 0) { dup2(fd, 0); execl(binary, binary, (char *)0); _exit(127); }
            close(fd);
            int st;
            if (waitpid(pid, &st, 0) != pid || st) die("bare run");
        }
    } else if (!strcmp(mode, "inline")) {
        for (int i = 0; i < runs; i++) {
            struct prepared p;
            prepare(&p, serial_++, uid_, gid_);
            stamp[0] = t_cgroup; stamp[1] = t_box;
            run(&p, NULL);
            long long t = now();
            discard(&p);
            stamp[7] += now() - t;
            for (int k = 0; k < 8; k++) printf("%lld ", stamp[k]);
            printf("\n");
        }
    } else { /* ahead: as sandbox/box.py's _Ahead */
        prepare(&ahead, serial_++, uid_, gid_);
        start = now();
        for (int i = 0; i < runs; i++) {
            struct prepared p = ahead;
            run(&p, prepare_next); /* which removed the cgroup of the run before */
            retired = p; have_retired = 1;
        }
        if (have_retired) discard(&retired);
        long long end = now();
        close(ahead.box);
        for (int k = 0; k < ahead.njoin; k++) close(ahead.join[k]);
        discard(&ahead);
        kept_close();
        printf("total %lld\n", end - start);
        return 0;
    }
    kept_close();
    printf("total %lld\n", now() - start);
    return 0;
}
"""

FIRST_SERIAL = 1_000_000  # the C driver's run cgroups, judgebox-<slot>.<serial>: not the box's
PHASES = ("cgroup", "box", "stdin+pipes", "N+order", "order->exec", "exec->end",
          "end->EOF", "stats+rmdir")


def recipe(host, slot, cpu, limits: sandbox.Limits) -> str:
    """The run's cgroup as the host's backend makes it (%s: the run's serial; the files and
    conditions of ``apply_limits``, ``attach_fds`` and ``stats`` in sandbox/cgroup_v1.py and
    cgroup_v2.py), then its /box as ``runner._prepare_box`` makes it."""
    cg = host.cgroups
    name = f"judgebox-{slot.index}.%s"
    memory, pids = limits.memory_kib * 1024, limits.processes
    lines = []
    if cg.version == 1:
        # the run's memory directory made for it; its pids and cpuacct ones from one of two
        # groups kept open across runs (cgroup_v1.V1.create and _reuse; the driver's are
        # named d0 and d1, not the box's own k0 and k1)
        paths = cg.existing(name).paths
        mem = paths["memory"]
        kept = [c for c in cgroup_v1.KEPT
                if c in cg.parents and cg.parents[c] != cg.parents["memory"]]
        lines += [f"mkdir {p}" for c, p in paths.items() if c not in kept]
        lines += [f"kept {cg.parents[c].rstrip('/')}/judgebox-{slot.index}.%k {c} {pids}"
                  for c in kept]
        lines += [f"write {mem}/memory.limit_in_bytes {memory}"]
        if os.path.exists(os.path.join(cg.parents["memory"], "memory.memsw.limit_in_bytes")):
            lines.append(f"write {mem}/memory.memsw.limit_in_bytes {memory}")
        lines.append(f"write {mem}/memory.oom_control 0")
        lines += [f"write {paths[c]}/pids.max {pids}" for c in ("pids",) if c not in kept]
        if cpu is not None and cg.pin_dir(cpu):
            lines.append(f"join {cg.pin_dir(cpu)}/tasks")
        lines += [f"join {p}/tasks" for c, p in paths.items() if c not in kept]
        lines += [f"stat {paths['cpuacct']}/cpuacct.usage" for c in ("cpuacct",)
                  if c not in kept]
        lines += [f"stat {mem}/memory.max_usage_in_bytes", f"stat {mem}/memory.oom_control"]
    else:  # (not run here: this machine's box cgroups are v1)
        path = cg.existing(name).paths["unified"]
        parent = os.path.dirname(path)
        lines.append(f"mkdir {path}")
        enabled = cg.controllers + cg.optional
        for key, value in (("memory.max", memory), ("memory.swap.max", 0),
                           ("memory.oom.group", 1), ("pids.max", pids), ("cpuset.cpus", cpu)):
            if key.split(".")[0] in enabled and value is not None and (
                    key != "memory.swap.max" or os.path.exists(f"{parent}/{key}")):
                lines.append(f"write {path}/{key} {value}")
        lines += [f"joindir {path}", f"stat {path}/cpu.stat"]
        if "memory" in cg.controllers:
            lines += [f"stat {path}/memory.peak", f"stat {path}/memory.events"]
    huge = ",huge=within_size" if runner._HUGE else ""
    lines.append(f"box size={limits.box_kib}k,nr_inodes=16384,mode=0755,uid={slot.uid},"
                 f"gid={slot.gid}{huge}")
    return "\n".join(lines) + "\n"


def main() -> None:
    args = parse_args(__doc__)
    work = Path(tempfile.mkdtemp(prefix="warm-floor-"))
    shm = Path(tempfile.mkdtemp(prefix="warm-floor-", dir="/dev/shm"))
    rounds: dict[str, list[float]] = {"python": [], "c_ahead": [], "c_inline": [], "bare": []}
    phases: list[list[int]] = []
    try:
        build(work)  # work/t
        (work / "driver.c").write_text(DRIVER)
        subprocess.run(["gcc", "-O2", "-o", str(work / "driver"), str(work / "driver.c")],
                       check=True)
        shutil.copy(work / "t", shm / "t")
        (work / "in").write_text("1 2\n")
        spec = sandbox.SandboxSpec(command=("/box/t",), files=(("t", work / "t"),),
                                   stdin=str(work / "in"),
                                   limits=sandbox.Limits(memory_kib=256 * 1024, processes=64))
        with sandbox.open_box() as box:
            for _ in range(50):  # warm-up: the box open, its CPU leased
                box.run(spec)
            host, slot, live = runner._host(), box._slot, box._live
            (work / "order").write_bytes(runner._order(spec.command, spec.env, spec.limits,
                                                       spec.template))
            (work / "recipe").write_text(recipe(host, slot, box._cpu, spec.limits))
            serial = FIRST_SERIAL

            def driver(mode: str) -> list[str]:
                nonlocal serial
                fds = (live.control.fileno(), live.orders.fileno())
                out = subprocess.run(
                    [str(work / "driver"), mode, str(args.runs), *map(str, fds),
                     str(work / "order"), str(work / "recipe"),
                     str(shm / "t") if mode == "bare" else str(work / "t"), str(work / "in"),
                     str(serial), str(slot.uid), str(slot.gid)],
                    pass_fds=fds, capture_output=True, text=True)
                serial += args.runs + 1
                if out.returncode:  # its cgroups (empty, or their program killed) go first
                    for name in host.cgroups.names():
                        suffix = name.partition(f"judgebox-{slot.index}.")[2]
                        if name.startswith(f"judgebox-{slot.index}.") and (
                                suffix in ("d0", "d1")
                                or suffix.isdigit() and int(suffix) >= FIRST_SERIAL):
                            host.cgroups.remove(host.cgroups.existing(name))
                    sys.exit(f"bench/warm_floor.py: the C driver failed ({mode}):\n{out.stderr}")
                return out.stdout.splitlines()

            def per_run_ms(lines: list[str]) -> float:
                return int(lines[-1].split()[1]) / args.runs / 1e6

            for _ in range(args.rounds):
                started = time.perf_counter()
                for _ in range(args.runs):
                    box.run(spec)
                rounds["python"].append((time.perf_counter() - started) / args.runs * 1000)
                rounds["c_ahead"].append(per_run_ms(driver("ahead")))
                lines = driver("inline")
                rounds["c_inline"].append(per_run_ms(lines))
                phases += [[int(x) for x in line.split()] for line in lines[:-1]]
                rounds["bare"].append(per_run_ms(driver("bare")))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(shm, ignore_errors=True)
    medians = {name: statistics.median(values) for name, values in rounds.items()}
    phase_ms = {name: statistics.median(p[i] for p in phases) / 1e6
                for i, name in enumerate(PHASES)}
    if args.json:
        print(json.dumps({"rounds": rounds, "medians": medians, "phases_ms": phase_ms,
                          "load": os.getloadavg()[0]}))
        return
    for name, values in rounds.items():
        print(f"{name:9} " + " ".join(f"{v:.3f}" for v in values), file=sys.stderr)
    print("c_inline phases, median ms: " + " ".join(f"{k}={v:.3f}" for k, v in phase_ms.items()),
          file=sys.stderr)
    bare = medians["bare"]
    print(f"per-run ms (medians of the rounds): python={medians['python']:.3f} "
          f"c_ahead={medians['c_ahead']:.3f} c_inline={medians['c_inline']:.3f} "
          f"bare={bare:.3f} python_minus_bare={medians['python'] - bare:.3f} "
          f"c_ahead_minus_bare={medians['c_ahead'] - bare:.3f} "
          f"c_inline_minus_bare={medians['c_inline'] - bare:.3f}")


if __name__ == "__main__":
    main()

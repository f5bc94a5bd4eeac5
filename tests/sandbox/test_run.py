"""One run through the whole sandbox: what the box sees, each status, files, binds, cleanup."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest

from sandbox import Limits, Mount, SandboxSpec, Status, _libc, run

pytestmark = [pytest.mark.usefixtures("clean_host"), pytest.mark.timeout(60)]


def sh(script: str, **limits) -> "sandbox.Outcome":  # noqa: F821
    return run(SandboxSpec(("/bin/sh", "-c", script), Limits(**limits)))


# --- what the box sees -------------------------------------------------------------------

def test_identity_is_an_unprivileged_box_user():
    out = sh("id -u; id -g; id -G; cat /proc/self/status")
    uid, gid, groups, *status = out.stdout.decode().splitlines()
    assert out.status is Status.OK
    assert 61000 <= int(uid) < 62000 and gid == uid and groups == gid
    fields = dict(line.split(":\t", 1) for line in status if ":\t" in line)
    for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(fields[cap], 16) == 0, cap
    assert fields["NoNewPrivs"].strip() == "1"
    assert fields["Seccomp"].strip() == "2"


def test_root_holds_only_the_box_skeleton():
    out = sh("ls -A /; echo; ls -A /dev; echo; ls -A /dev/shm /box /tmp; test -e /sys || echo nosys")
    root, dev, rest = out.stdout.decode().split("\n\n", 2)
    expected = {"bin", "box", "dev", "etc", "lib", "proc", "sbin", "tmp", "usr"}
    assert expected <= set(root.split()) <= expected | {"lib64", "lib32", "libx32"}
    assert set(dev.split()) == {"null", "zero", "full", "random", "urandom", "fd", "stdin",
                                "stdout", "stderr", "shm"}
    assert "nosys" in rest


def test_etc_is_minimal_and_host_secrets_are_absent():
    out = sh("ls -A /etc; cat /etc/shadow; ls /root /home /run")
    names = set(out.stdout.decode().split())
    assert names == {"alternatives", "group", "hosts", "ld.so.cache", "nsswitch.conf", "passwd"}
    assert b"No such file" in out.stderr


def test_mounts_are_read_only_except_box_and_tmp():
    out = sh("for d in / /usr /etc /dev /proc; do touch $d/x 2>/dev/null && echo W$d; done;"
             "touch /box/x /tmp/x /dev/shm/x && echo ok")
    assert out.stdout.decode().split() == ["ok"]


def _host_tmpfs_takes_huge() -> bool:
    try:
        os.close(_libc.new_tmpfs({"size": "64k", "huge": "within_size"}))
    except OSError:
        return False
    return True


def test_writable_tmpfs_have_their_sizes_and_large_folios_where_the_kernel_has_them():
    # /box (made by the supervisor), /tmp and /dev/shm (by init): huge=within_size where the
    # host's kernel takes it, else without (runner._box_tmpfs, tmpfs_mount in jbox.c)
    out = sh("grep -E ' /(box|tmp|dev/shm) ' /proc/self/mountinfo; head -c 3000000 /dev/zero"
             " > /tmp/f && cmp -n 3000000 /tmp/f /dev/zero && echo same",
             box_kib=4096, tmp_kib=8192, memory_kib=64 * 1024)
    lines = {line.split()[4]: line for line in out.stdout.decode().splitlines()[:-1]}
    assert set(lines) == {"/box", "/tmp", "/dev/shm"}, out
    assert out.stdout.decode().splitlines()[-1] == "same"
    huge = _host_tmpfs_takes_huge()
    for target, line in lines.items():
        assert ("huge=within_size" in line) == huge, line
        assert f"size={4096 if target == '/box' else 8192}k" in line, line


def test_pid_namespace_hides_init_and_host():
    out = sh("echo $$; ls /proc | grep -E '^[0-9]+$' | sort -n | tr '\\n' ' '; cat /proc/self/cgroup")
    lines = out.stdout.decode().splitlines()
    assert lines[0] != "1"  # the program is never PID 1
    assert "1" not in lines[1].split()  # init runs as root: hidden by hidepid
    assert all(line.endswith(":/") for line in lines[2:])  # cgroup namespace


def test_network_is_loopback_only_and_up():
    out = sh("cat /proc/net/dev; hostname")
    text = out.stdout.decode()
    interfaces = [line.split(":")[0].strip() for line in text.splitlines() if ":" in line]
    assert interfaces == ["lo"]
    assert text.splitlines()[-1] == "box"


def test_environment_is_the_templates_and_fds_are_three():
    out = sh("env | sort; ls /proc/$$/fd")
    lines = out.stdout.decode().split()
    assert "HOME=/box" in lines and "PATH=/usr/local/bin:/usr/bin:/bin" in lines
    assert not any(line.startswith(("PYTEST", "VIRTUAL_ENV", "SUDO")) for line in lines)
    assert lines[-3:] == ["0", "1", "2"]


# --- statuses ------------------------------------------------------------------------------

def test_ok_and_exit_codes():
    ok = sh("true")
    assert (ok.status, ok.exit_code, ok.signal) == (Status.OK, 0, None)
    assert 0 < ok.memory_kib < 16 * 1024
    re = sh("exit 3")
    assert (re.status, re.exit_code, re.signal, re.killed_by) == (Status.RE, 3, None, None)


def test_signal_from_the_program_is_re():
    out = sh("kill -SEGV $$")
    assert (out.status, out.signal, out.exit_code) == (Status.RE, signal.SIGSEGV, None)
    out = sh("kill -KILL $$")  # killing itself is not a time-out
    assert (out.status, out.signal, out.killed_by) == (Status.RE, signal.SIGKILL, None)


def test_spinning_program_is_tle_between_1_0_and_1_2_s():
    out = sh("while :; do :; done", cpu_time_ms=1000)
    assert out.status is Status.TLE and out.killed_by == "cpu-time"
    assert 1.0 <= out.time <= 1.2, out.time
    assert out.signal == signal.SIGKILL


def test_sleeping_or_stopped_program_is_tle_by_wall_clock():
    for script in ("sleep 30", "kill -STOP $$"):
        out = sh(script, cpu_time_ms=500, wall_time_ms=800)
        assert out.status is Status.TLE and out.killed_by == "wall-time", script
        assert 0.8 <= out.wall_time < 1.5 and out.time < 0.2


def test_memory_hog_is_mle(cc):
    prog = cc("""
        #include <stdlib.h>
        #include <string.h>
        int main(void) { for (;;) { char *p = malloc(1 << 20); if (!p) return 1; memset(p, 1, 1 << 20); } }
    """, "hog")
    out = run(SandboxSpec(("/box/hog",), Limits(memory_kib=256 * 1024), files=(("hog", prog),)))
    assert out.status is Status.MLE and out.oom_killed
    assert out.memory_kib >= 250 * 1024


def test_stdout_flood_is_ole_and_capped():
    out = sh("yes", output_kib=64)
    assert out.status is Status.OLE and out.killed_by == "output"
    assert len(out.stdout) == 64 * 1024


CHATTY = """
    #include <stdlib.h>
    #include <unistd.h>
    int main(int argc, char **argv) {  /* n pieces: "o\\n" to stdout, "e\\n" to stderr */
        long n = atol(argv[1]);
        for (long i = 0; i < n; i++)
            if (write(i % 2 ? 2 : 1, i % 2 ? "e\\n" : "o\\n", 2) != 2) return 3;
        return 0;
    }
"""


def test_many_small_writes_are_read_whole_and_gathered(cc, monkeypatch):
    """A program writing 2 bytes a call: every byte of stdout is kept, stderr up to its cap,
    and the watch reads the pieces gathered (a wake-up per piece costs the program CPU time:
    sandbox/watchdog.py), not one read per write."""
    from sandbox import watchdog

    prog = cc(CHATTY, "chatty")
    reads = []
    real_read = os.read
    monkeypatch.setattr(watchdog.os, "read", lambda fd, n: reads.append(fd) or real_read(fd, n))
    n = 200_000
    out = run(SandboxSpec(("/box/chatty", str(n)), Limits(cpu_time_ms=10_000),
                          files=(("chatty", prog),)))
    assert out.status is Status.OK, out.summary()
    assert out.stdout == b"o\n" * (n // 2)
    assert out.stderr == (b"e\n" * (n // 2))[:64 * 1024]
    assert len(reads) < n // 20, f"{len(reads)} reads for {n} writes"


def test_many_small_writes_past_the_limit_are_ole(cc):
    prog = cc(CHATTY, "chatty")
    out = run(SandboxSpec(("/box/chatty", "10000000"), Limits(output_kib=256),
                          files=(("chatty", prog),)))
    assert out.status is Status.OLE and out.killed_by == "output", out.summary()
    assert len(out.stdout) == 256 * 1024


def test_file_bigger_than_the_output_limit_is_ole():
    out = run(SandboxSpec(("dd", "if=/dev/zero", "of=/box/big", "bs=64k", "count=64"),
                          Limits(output_kib=1024)))
    assert (out.status, out.signal) == (Status.OLE, signal.SIGXFSZ)


def test_missing_command_is_se_not_re():
    out = run(SandboxSpec(("/no/such/program",)))
    assert out.status is Status.SE and "exec" in out.message and out.exit_code is None


# --- input, files, binds -------------------------------------------------------------------

def test_stdin_file_reaches_the_program(tmp_path):
    data = tmp_path / "in.txt"
    data.write_bytes(b"3 4\n")
    out = run(SandboxSpec(("sh", "-c", "read a b; echo $((a + b))"), stdin=str(data)))
    assert out.stdout == b"7\n"


def test_files_in_and_out_without_following_planted_links():
    out = run(SandboxSpec(
        ("sh", "-c", "cat in.txt > out.txt; echo more >> out.txt; ln -s /etc/passwd link;"
                     "mkdir d; ln -s /proc/1/root/etc/shadow d/x"),
        files=(("in.txt", b"hello\n"),), collect=("out.txt", "link", "missing", "in.txt")))
    assert out.status is Status.OK
    assert out.files == {"out.txt": b"hello\nmore\n", "in.txt": b"hello\n"}


def test_collect_all_takes_regular_files_only():
    """``collect=("*",)``: every regular file directly in /box, names the program chose, read
    as carefully as named ones (no link, directory, FIFO or socket; nothing beneath)."""
    out = run(SandboxSpec(
        ("sh", "-c", "echo a > a.txt; echo b > 'b c'; ln -s /etc/passwd link; mkdir d;"
                     "echo deep > d/x; mkfifo fifo 2>/dev/null; ln a.txt hard"),
        files=(("in.txt", b"hi\n"),), collect=("*",)))
    assert out.status is Status.OK, out
    assert out.files == {"a.txt": b"a\n", "b c": b"b\n", "hard": b"a\n", "in.txt": b"hi\n"}
    many = run(SandboxSpec(("sh", "-c", "for i in $(seq 300); do : > f$i; done"),
                           collect=("*",)))
    assert len(many.files) == 256  # COLLECT_ALL_MAX, by name


def test_ro_and_rw_binds(tmp_path):
    ro = tmp_path / "ro"
    rw = tmp_path / "rw"
    ro.mkdir()
    rw.mkdir()
    (ro / "data").write_text("visible\n")
    os.chmod(rw, 0o777)
    out = run(SandboxSpec(
        ("sh", "-c", "cat /data/ro/data; touch /data/ro/new || echo ro-refused; "
                     "echo written > /box/rw/file"),
        mounts=(Mount(str(ro), "/data/ro"), Mount(str(rw), "/box/rw", writable=True))))
    assert out.stdout.decode().split() == ["visible", "ro-refused"]
    assert (rw / "file").read_text() == "written\n"
    assert not (ro / "new").exists()


def test_daemonised_processes_do_not_survive():
    out = sh("setsid sh -c 'sleep 1000 & sleep 1000' & (sleep 1000 &) ; echo started")
    assert out.status is Status.OK and out.stdout == b"started\n"
    # clean_host checks that no process of a box uid is left


def test_keyboard_interrupt_in_the_supervisor_cleans_up(monkeypatch):
    from sandbox.watchdog import Watchdog

    real = Watchdog.message

    def interrupt(self, line):
        real(self, line)
        if line.startswith("T"):
            raise KeyboardInterrupt

    monkeypatch.setattr(Watchdog, "message", interrupt)
    with pytest.raises(KeyboardInterrupt):
        sh("sleep 1000 & sleep 1000")
    # clean_host: no cgroup, no process, no mount left


def test_box_uid_and_cgroup_are_per_box_across_threads():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        outs = list(pool.map(lambda _: sh("id -u; sleep 0.3"), range(2)))
    uids = {o.stdout.strip() for o in outs}
    assert all(o.status is Status.OK for o in outs) and len(uids) == 2


def test_output_past_the_limit_is_ole_whatever_order_the_end_and_the_output_arrive_in():
    """The program's end (X) seen before its last output: the total decides, not the order."""
    from sandbox import runner
    from sandbox.cgroups import CgroupStats
    from sandbox.watchdog import Watchdog

    limits = Limits(output_kib=64)
    for last_output_first in (False, True):
        stand_in = subprocess.Popen(["sleep", "60"])  # the "keeper" the watch kills (ours)
        pidfd = os.pidfd_open(stand_in.pid)
        watch = Watchdog(limits, stand_in.pid, pidfd, None)
        watch.message("T1000 0")
        if last_output_first:
            watch._stdout(b"42\n" + b" " * (64 * 1024))
        watch.message("X0 2000")
        if not last_output_first:
            watch._stdout(b"42\n" + b" " * (64 * 1024))
        out = runner._decide(SandboxSpec(command=("x",), limits=limits), watch,
                             CgroupStats(1000, 4096, 0), {})
        stand_in.kill()
        stand_in.wait()
        os.close(pidfd)
        assert out.status is Status.OLE, (last_output_first, out)
        assert out.stdout.startswith(b"42\n") and len(out.stdout) == 64 * 1024


def _read_all(fd: int, into: bytearray) -> None:
    while chunk := os.read(fd, 65536):
        into += chunk


def test_stdout_to_the_callers_fd_is_passed_on_counted_and_limited():
    """stdout_fd (an interactive validator's stdin): everything within the limit arrives; past
    it, the box is killed (OLE) and the reader got exactly the limit, never more."""
    import threading

    for size, status in ((60 * 1024, Status.OK), (1 << 20, Status.OLE)):
        r, w = os.pipe()
        got = bytearray()
        reader = threading.Thread(target=_read_all, args=(r, got))
        reader.start()
        try:
            out = run(SandboxSpec(
                command=("/usr/bin/python3", "-c",
                         f"import sys; sys.stdout.buffer.write(b'7' * {size})"),
                limits=Limits(output_kib=64, cpu_time_ms=2000)), stdout_fd=w)
        finally:
            os.close(w)
            reader.join()
            os.close(r)
        assert out.status is status, out
        assert bytes(got) == b"7" * min(size, 64 * 1024)
        assert out.stdout == b""  # passed on, not kept


def test_a_reader_gone_from_stdout_fd_gives_the_program_sigpipe():
    """As if it wrote to that fd itself (but for what its own pipe held: "a" goes there, the
    relay finds the reader gone and closes that pipe, so "b" meets no reader)."""
    r, w = os.pipe()
    os.close(r)
    out = run(SandboxSpec(command=("/bin/sh", "-c", "echo a; sleep 0.2; echo b; echo c >&2"),
                          limits=Limits(cpu_time_ms=1000)), stdout_fd=w)
    os.close(w)
    assert out.status is Status.RE and out.signal == signal.SIGPIPE and out.stderr == b""


SETUP_CALLS = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>
static void try(const char *name, long result) {
    printf("%s %s\n", name, result == 0 ? "allowed" : strerrorname_np(errno));
}
int main(void) {
    uid_t uid = getuid();
    gid_t gid = getgid();
    struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct none[2] = {{0}};
    struct clone_args args = {.exit_signal = SIGCHLD};
    try("mount", mount("none", "/tmp", "tmpfs", 0, ""));
    try("umount2", umount2("/tmp", MNT_DETACH));
    try("move_mount", syscall(SYS_move_mount, -1, "", AT_FDCWD, "/tmp", 4));
    try("unshare", unshare(CLONE_NEWIPC));
    try("setgroups", setgroups(0, NULL));
    try("setresgid", setresgid(gid, gid, gid));  /* its own ids: the kernel would allow it */
    try("setresuid", setresuid(uid, uid, uid));
    try("capset", syscall(SYS_capset, &head, none));  /* dropping nothing: allowed too */
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0) _exit(0);
    try("clone3", pid > 0 ? 0 : -1);
    return 0;
}
"""


def test_the_calls_the_box_s_filter_allows_for_set_up_are_refused_to_the_program(cc):
    """The box's init loads the policy allowing a few set-up calls, and each program adds a
    last filter refusing them again (sandbox/seccomp.py): the program gets the policy's answer
    to each, even where the kernel itself would allow the call (its own ids, no capability)."""
    out = run(SandboxSpec(("/box/prog",), files=(("prog", cc(SETUP_CALLS, "setup_calls")),)))
    assert out.status is Status.OK, out
    seen = dict(line.split() for line in out.stdout.decode().splitlines())
    from sandbox import seccomp

    assert seen == {name: {1: "EPERM", 38: "ENOSYS"}[answer]
                    for name, answer in seccomp.SETUP_CALLS.items()}, seen

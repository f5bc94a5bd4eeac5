"""The seccomp filter: a default-deny allowlist, built once in the parent, loaded last in the child.

Why each group is allowed:

- files and directories inside the box (open, stat, getdents, rename, ...): the mount tree and
  the box uid already decide what can be touched;
- memory (mmap family, brk, madvise, mlock with RLIMIT_MEMLOCK): every runtime needs them;
  the cgroup enforces the limit;
- threads and processes (clone without namespace flags, fork, futex, rseq, wait, exec): JVM, Go,
  Node, .NET and Python start threads; the pids cgroup caps their number. ``clone3`` answers
  ENOSYS (its flags sit in memory a filter cannot read) so libc falls back to ``clone``;
- signals, timers, clocks (read-only), polling, eventfd/timerfd/signalfd, pipes (their kernel
  memory, POSIX timers' and epoll watches' included, is charged to the box's memory cgroup);
- AF_UNIX sockets only (multiprocessing, language servers); every other family is denied and the
  box's network namespace has nothing but loopback anyway;
- SysV and POSIX IPC: the box has its own IPC namespace;
- ``ioctl`` except ``TIOCSTI`` (typing into a terminal), matched on the low 32 bits as the kernel
  reads the command;
- ``prctl``, ``arch_prctl``, ``personality`` (query and ADDR_NO_RANDOMIZE only);
- ``sched_setscheduler`` with a non-real-time policy only (Mono sets its threads' policy);
- ``fcntl`` and ``madvise`` with the commands and advice listed below only; ``preadv2``
  without ``RWF_NOWAIT``.

Succeed without doing anything (``NOOPS``): flushing (the host's disks), advice on file
pages (the host's page cache), file locks (on the host's files, seen and felt by other
boxes and host processes): see each list below.

Denied whatever the list says (EPERM): ptrace, process_vm_readv/writev, mount, umount2,
pivot_root, chroot, unshare, setns, bpf, perf_event_open, userfaultfd, keyctl, add_key,
request_key, io_uring_*, kexec_*, init/finit/delete_module, reboot, swapon/off, acct,
clock_settime, settimeofday, adjtimex, clock_adjtime, open_by_handle_at, AIO (one box could take
the host's whole ``fs.aio-max-nr``), inotify (watches on the host's directories see other
boxes' accesses), and everything not listed.
A call made through another architecture's entry (``int 0x80`` on x86_64, x32) kills the process.

Loaded in two parts, whose conjunction is exactly the policy above (:func:`compile_filter`):
the box's init loads :func:`box_filter` once, before its first run: the policy, but allowing
the few calls (``SETUP_CALLS``) init makes for each run (mount its ``/tmp``, ``/dev/shm`` and
``/box``, a new ipc namespace, ``clone3`` into the run's cgroup) and the program's process
makes before exec (its cgroup namespace, ids, capabilities). Every program inherits that
filter, already prepared; after its set-up it adds :func:`last_filter`, which refuses exactly
those calls again, as the policy does. The kernel runs every filter of a process and keeps the
strictest answer, so the program runs under the policy itself; what changes is the cost: the
kernel prepares a filter (checks it, translates it, compiles it, runs it for every system call
number for its cache) when it is loaded, 0.17 ms for the policy's 500 instructions here,
against 0.02 ms for the last filter's few, on every run's path.
"""

from __future__ import annotations

import errno
import functools
import tempfile

import pyseccomp as sc

__all__ = ["ALLOWED", "DENIED", "NOOPS", "SETUP_CALLS", "compile_filter", "box_filter",
           "last_filter"]

ALLOWED = (
    # files
    "read write readv writev pread64 pwrite64 preadv pwritev pwritev2 open openat "
    "openat2 creat close close_range lseek stat fstat lstat newfstatat statx fstatfs statfs "
    "access faccessat faccessat2 readlink readlinkat getcwd chdir fchdir mkdir mkdirat rmdir "
    "rename renameat renameat2 link linkat unlink unlinkat symlink symlinkat chmod fchmod "
    "fchmodat truncate ftruncate fallocate "
    "dup dup2 dup3 pipe pipe2 getdents getdents64 utime utimes utimensat futimesat umask "
    "sendfile copy_file_range splice tee getxattr lgetxattr fgetxattr "
    "listxattr llistxattr flistxattr memfd_create "
    # memory
    "brk mmap munmap mremap mprotect mincore mlock mlock2 munlock mlockall "
    "munlockall membarrier get_mempolicy set_mempolicy mbind pkey_alloc pkey_free pkey_mprotect "
    # threads and processes
    "fork vfork execve execveat exit exit_group wait4 waitid kill tkill tgkill getpid getppid "
    "gettid getuid geteuid getgid getegid getresuid getresgid getgroups getpgid getpgrp getsid "
    "setsid setpgid set_tid_address set_robust_list get_robust_list rseq futex futex_waitv "
    "sched_yield sched_getaffinity sched_setaffinity sched_getparam sched_getscheduler "
    "sched_get_priority_max sched_get_priority_min sched_rr_get_interval sched_getattr "
    "getpriority setpriority getcpu capget prctl arch_prctl pidfd_open pidfd_send_signal "
    # time, signals, waiting
    "nanosleep clock_nanosleep clock_gettime clock_getres gettimeofday time times getrusage "
    "sysinfo uname getrlimit setrlimit prlimit64 rt_sigaction rt_sigprocmask rt_sigreturn "
    "rt_sigsuspend rt_sigpending rt_sigtimedwait rt_sigqueueinfo rt_tgsigqueueinfo sigaltstack "
    "pause alarm getitimer setitimer timer_create timer_settime timer_gettime timer_getoverrun "
    "timer_delete poll ppoll select pselect6 epoll_create epoll_create1 epoll_ctl epoll_wait "
    "epoll_pwait epoll_pwait2 eventfd eventfd2 signalfd signalfd4 timerfd_create timerfd_settime "
    "timerfd_gettime getrandom "
    # sockets (created AF_UNIX only, see below)
    "connect bind listen accept accept4 sendto recvfrom sendmsg recvmsg sendmmsg recvmmsg "
    "shutdown getsockname getpeername setsockopt getsockopt "
    # IPC (the box has its own IPC namespace)
    "shmget shmat shmdt shmctl semget semop semtimedop semctl msgget msgsnd msgrcv msgctl "
    "mq_open mq_unlink mq_timedsend mq_timedreceive mq_notify mq_getsetattr"
).split()

# Calls that succeed and do nothing: what they would do reaches the host. Flushing: the box's
# own files are on tmpfs (nothing to flush), and the rest are the host's, read-only, whose
# flush (syncfs on a bind, fsync on a clean host file) sends the host's disk a cache flush
# each time and waits for the host's dirty data. Advice on file pages: fadvise(DONTNEED),
# readahead and the like change the host's page cache (evict it, or read ahead into it): a
# channel between tests and a way to slow the host. Locks: flock and fcntl locks on the
# host's files (the read-only binds) block host processes and other boxes and are seen by
# them; their memory is not charged to the box's cgroup. A program of its own does not need
# any of these to be real.
NOOPS = ("sync syncfs fsync fdatasync sync_file_range msync fadvise64 readahead flock").split()

DENIED = (
    "ptrace process_vm_readv process_vm_writev mount umount2 pivot_root chroot unshare setns "
    "bpf perf_event_open userfaultfd keyctl add_key request_key io_uring_setup io_uring_enter "
    "io_uring_register kexec_load kexec_file_load init_module finit_module delete_module reboot "
    "swapon swapoff acct clock_settime settimeofday adjtimex clock_adjtime open_by_handle_at "
    "name_to_handle_at fsopen fsconfig fsmount fspick move_mount open_tree mount_setattr "
    "setuid setgid setreuid setregid setresuid setresgid setgroups setfsuid setfsgid chown "
    "fchown lchown fchownat mknod mknodat vmsplice quotactl lookup_dcookie fanotify_init "
    "kcmp process_madvise io_setup io_destroy io_submit io_getevents io_pgetevents io_cancel "
    "inotify_init inotify_init1 inotify_add_watch inotify_rm_watch cachestat"
).split()

# fcntl commands allowed (compared on the low 32 bits, as the kernel reads them): descriptors,
# flags, owner and signal, pipe size, seals, hints, F_GETLK and F_GETLEASE (they only look).
# The lock commands succeed and do nothing (see NOOPS); F_NOTIFY (dnotify: watches on the
# host's directories that would see other boxes' accesses), F_SETLEASE and the rest: EPERM.
FCNTL_ALLOWED = (0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 15, 16, 17, 36, 1025, 1027, 1028, 1030, 1031,
                 1032, 1033, 1034, 1035, 1036, 1037, 1038)
FCNTL_NOOPS = (6, 7, 37, 38)  # F_SETLK, F_SETLKW, F_OFD_SETLK, F_OFD_SETLKW
# madvise advice allowed: what a program does with its own memory. WILLNEED, COLD, PAGEOUT
# and COLLAPSE on a mapping of a host file read it ahead into, or evict it from, the host's
# page cache (or make huge pages of it); MERGEABLE offers pages to KSM, whose merging is a
# timing channel between processes: those succeed and do nothing; others: EPERM.
MADVISE_ALLOWED = (0, 1, 2, 4, 8, 9, 10, 11, 14, 15, 16, 17, 18, 19, 22, 23, 24, 102, 103)
MADVISE_NOOPS = (3, 12, 13, 20, 21, 25)
_RWF_NOWAIT = 0x8  # preadv2: read only what is cached, else EAGAIN: a probe of the cache

# The calls the box's own code makes after the box's filter is loaded (init, for each run; the
# program's process, before exec), and what the policy answers them: the box's filter allows
# them, the last filter gives that answer again.
SETUP_CALLS = {"mount": errno.EPERM, "umount2": errno.EPERM, "move_mount": errno.EPERM,
               "unshare": errno.EPERM, "setgroups": errno.EPERM, "setresgid": errno.EPERM,
               "setresuid": errno.EPERM, "capset": errno.EPERM, "clone3": errno.ENOSYS}

_NAMESPACE_FLAGS = (0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000
                    | 0x20000000 | 0x40000000 | 0x00000080)  # CLONE_NEW* (incl. NEWTIME)
_AF_UNIX = 1
_TIOCSTI = 0x5412
_PERSONA_QUERY = 0xFFFFFFFF
_ADDR_NO_RANDOMIZE = 0x0040000


def _add(f: sc.SyscallFilter, action: int, name: str, *args: sc.Arg) -> None:
    if sc.resolve_syscall(sc.Arch.NATIVE, name) < 0:
        return  # not a system call on this architecture
    f.add_rule(action, name, *args)


@functools.lru_cache(maxsize=None)
def compile_filter() -> bytes:
    """The policy as one filter, classic BPF (cached per process): what a program runs under
    (loaded in two parts, :func:`box_filter` and :func:`last_filter`)."""
    return _policy(setup=False)


@functools.lru_cache(maxsize=None)
def box_filter() -> bytes:
    """The policy, allowing ``SETUP_CALLS``: loaded by the box's init, inherited by every
    program (cached per process; the helper loads the bytes with ``prctl(PR_SET_SECCOMP)``)."""
    return _policy(setup=True)


@functools.lru_cache(maxsize=None)
def last_filter() -> bytes:
    """``SETUP_CALLS`` answered as the policy answers them, everything else allowed (the box's
    filter decides it): loaded by the program's process last, just before exec."""
    f = sc.SyscallFilter(sc.ALLOW)
    f.set_attr(sc.Attr.ACT_BADARCH, sc.KILL_PROCESS)
    f.set_attr(sc.Attr.CTL_NNP, 0)  # the program sets no_new_privs itself, before loading
    for name, answer in SETUP_CALLS.items():
        _add(f, sc.ERRNO(answer), name)
    return _export(f)


def _export(f: sc.SyscallFilter) -> bytes:
    with tempfile.TemporaryFile() as out:
        f.export_bpf(out)
        out.seek(0)
        return out.read()


def _policy(setup: bool) -> bytes:
    """The policy with libseccomp, as classic BPF; with ``setup``, ``SETUP_CALLS`` allowed."""
    eperm = sc.ERRNO(errno.EPERM)
    f = sc.SyscallFilter(eperm)
    f.set_attr(sc.Attr.ACT_BADARCH, sc.KILL_PROCESS)
    f.set_attr(sc.Attr.CTL_NNP, 0)  # the child sets no_new_privs itself, before loading
    # A binary tree over the syscall numbers instead of a list: the same rules, fewer
    # instructions per call, and the kernel, which runs the filter for every syscall number
    # when it is loaded (its action cache), loads it in 0.25 ms instead of 0.42 here.
    f.set_attr(sc.Attr.CTL_OPTIMIZE, 2)
    for name in ALLOWED:
        _add(f, sc.ALLOW, name)
    noop = sc.ERRNO(0)  # returns 0: success, without the call
    for name in NOOPS:
        _add(f, noop, name)
    # DENIED needs no rule of its own: the default action already answers EPERM (libseccomp
    # refuses rules equal to the default); the list is the promise, checked here and in tests.
    overlap = (set(ALLOWED) & set(DENIED)) | (set(NOOPS) & (set(ALLOWED) | set(DENIED)))
    if overlap:
        raise RuntimeError(f"in two lists: {overlap}")
    # One rule per value (a rule without arguments would stand for every value).
    for cmd in FCNTL_ALLOWED:
        _add(f, sc.ALLOW, "fcntl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, cmd))
    for cmd in FCNTL_NOOPS:
        _add(f, noop, "fcntl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, cmd))
    for advice in MADVISE_ALLOWED:
        _add(f, sc.ALLOW, "madvise", sc.Arg(2, sc.MASKED_EQ, 0xFFFFFFFF, advice))
    for advice in MADVISE_NOOPS:
        _add(f, noop, "madvise", sc.Arg(2, sc.MASKED_EQ, 0xFFFFFFFF, advice))
    # preadv2 without RWF_NOWAIT (with it: "not supported", so a program reads normally).
    _add(f, sc.ALLOW, "preadv2", sc.Arg(5, sc.MASKED_EQ, _RWF_NOWAIT, 0))
    _add(f, sc.ERRNO(errno.EOPNOTSUPP), "preadv2", sc.Arg(5, sc.MASKED_EQ, _RWF_NOWAIT,
                                                          _RWF_NOWAIT))
    # clone: threads and forks yes, new namespaces no.
    _add(f, sc.ALLOW, "clone", sc.Arg(0, sc.MASKED_EQ, _NAMESPACE_FLAGS, 0))
    if setup:
        for name in SETUP_CALLS:
            _add(f, sc.ALLOW, name)
    else:
        _add(f, sc.ERRNO(errno.ENOSYS), "clone3")
    # sockets: AF_UNIX only.
    _add(f, sc.ALLOW, "socket", sc.Arg(0, sc.EQ, _AF_UNIX))
    _add(f, sc.ALLOW, "socketpair", sc.Arg(0, sc.EQ, _AF_UNIX))
    # ioctl: anything but TIOCSTI. The kernel reads the command as 32 bits, so a 64-bit compare
    # would let 0x1_00005412 through; libseccomp takes one comparison per argument and rule, so
    # allow "bit i of the low 32 differs from TIOCSTI's" for each i: their union is exactly
    # "low 32 bits != TIOCSTI".
    for bit in range(32):
        _add(f, sc.ALLOW, "ioctl", sc.Arg(1, sc.MASKED_EQ, 1 << bit, (~_TIOCSTI) & (1 << bit)))
    # sched_setscheduler: the non-real-time policies only (SCHED_OTHER, SCHED_BATCH,
    # SCHED_IDLE). Mono sets every thread's policy through pthread_setschedparam and prints a
    # warning on each run when that fails; a real-time policy stays denied whatever the box's
    # RLIMIT_RTPRIO (a SCHED_FIFO spinner could starve the judge's own watchdog).
    for policy in (0, 3, 5):
        _add(f, sc.ALLOW, "sched_setscheduler", sc.Arg(1, sc.EQ, policy))
    # personality: query, default and ADDR_NO_RANDOMIZE (used by some runtimes) only.
    for persona in (0, _ADDR_NO_RANDOMIZE, _PERSONA_QUERY):
        _add(f, sc.ALLOW, "personality", sc.Arg(0, sc.EQ, persona))
    return _export(f)

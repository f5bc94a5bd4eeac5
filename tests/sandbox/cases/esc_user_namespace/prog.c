/* New namespaces: a user namespace would give the program every capability inside it (and a
 * way to mount, to create more namespaces...). unshare(CLONE_NEWUSER), unshare of the other
 * namespaces, raw clone with CLONE_NEWUSER (also hidden above bit 32), raw clone3 with
 * CLONE_NEWUSER, and setns must all fail. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

struct clone_args_v0 {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

#include "../escape.h"

static void must_not_clone(long r, const char *what)
{
    if (r == 0)
        _exit(99); /* the child of a successful clone: its parent reports */
    if (r > 0)
        waitpid((pid_t)r, NULL, 0);
    must_fail(r, what);
}

int main(void)
{
    static const struct { int flag; const char *name; } ns[] = {
        {CLONE_NEWUSER, "unshare(CLONE_NEWUSER)"}, {CLONE_NEWNS, "unshare(CLONE_NEWNS)"},
        {CLONE_NEWNET, "unshare(CLONE_NEWNET)"}, {CLONE_NEWPID, "unshare(CLONE_NEWPID)"},
        {CLONE_NEWUTS, "unshare(CLONE_NEWUTS)"}, {CLONE_NEWIPC, "unshare(CLONE_NEWIPC)"},
        {CLONE_NEWCGROUP, "unshare(CLONE_NEWCGROUP)"}, {CLONE_NEWTIME, "unshare(CLONE_NEWTIME)"},
    };
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
        must_fail(unshare(ns[i].flag), ns[i].name);
    must_not_clone(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0),
                   "clone(CLONE_NEWUSER)");
    must_not_clone(syscall(SYS_clone, (1UL << 32) | CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0),
                   "clone(1<<32 | CLONE_NEWUSER)");
    must_not_clone(syscall(SYS_clone, CLONE_NEWNS | CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0),
                   "clone(CLONE_NEWNS | CLONE_NEWPID)");
    struct clone_args_v0 args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_NEWUSER;
    args.exit_signal = SIGCHLD;
    must_not_clone(syscall(435 /* clone3 */, &args, sizeof args), "clone3(CLONE_NEWUSER)");
    int fd = open("/proc/self/ns/user", O_RDONLY);
    if (fd >= 0)
        must_fail(setns(fd, 0), "setns(own user namespace)");
    fd = open("/proc/self/ns/mnt", O_RDONLY);
    if (fd >= 0)
        must_fail(setns(fd, CLONE_NEWNS), "setns(own mount namespace)");
    puts("all blocked");
    return 0;
}

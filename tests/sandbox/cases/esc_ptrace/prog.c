/* ptrace and its relatives: PTRACE_TRACEME, attaching to an own child (same uid, so only
 * seccomp stands in the way), attaching to PID 1, and process_vm_readv on the child. Each must
 * fail; a success is an escape. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t child;

static void must_fail(long r, const char *what)
{
    if (r >= 0) {
        printf("ESCAPED: %s succeeded (%ld)\n", what, r);
        fflush(stdout);
        if (child > 0)
            kill(child, SIGKILL);
        _exit(99);
    }
    printf("blocked: %s: %s\n", what, strerror(errno));
}

int main(void)
{
    child = fork();
    if (child == 0) {
        for (;;)
            pause();
    }
    static char buf[64];
    struct iovec local = {buf, sizeof buf}, remote = {buf, sizeof buf};
    must_fail(ptrace(PTRACE_TRACEME, 0, 0, 0), "ptrace(PTRACE_TRACEME)");
    must_fail(ptrace(PTRACE_ATTACH, child, 0, 0), "ptrace(PTRACE_ATTACH, child)");
    must_fail(ptrace(PTRACE_SEIZE, child, 0, 0), "ptrace(PTRACE_SEIZE, child)");
    must_fail(ptrace(PTRACE_ATTACH, 1, 0, 0), "ptrace(PTRACE_ATTACH, 1)");
    must_fail(process_vm_readv(child, &local, 1, &remote, 1, 0), "process_vm_readv(child)");
    must_fail(process_vm_writev(child, &local, 1, &remote, 1, 0), "process_vm_writev(child)");
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    puts("all blocked");
    return 0;
}

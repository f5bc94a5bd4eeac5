/* Signalling the judge: argv[1..] are host pids (the judge itself and its parent). The box has
 * its own pid namespace, so those pids do not exist for it: kill(pid, 0), pidfd_open and
 * /proc/<pid> must all say "no such process"; only then is a real SIGKILL tried (it must fail
 * too). A host pid that happens to equal one of the box's own is skipped. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        pid_t pid = atoi(argv[i]);
        if (pid <= 1 || pid == getpid() || pid == getppid()) {
            printf("skipped %d (a pid of the box itself)\n", pid);
            continue;
        }
        char path[64];
        struct stat st;
        snprintf(path, sizeof path, "/proc/%d", pid);
        if (stat(path, &st) == 0) {
            printf("ESCAPED: the judge's pid %d is visible in /proc\n", pid);
            return 99;
        }
        errno = 0;
        int r = kill(pid, 0);
        if (r == 0 || errno != ESRCH) {
            printf("ESCAPED: kill(%d, 0): %s (the pid exists for the box)\n", pid,
                   r == 0 ? "success" : strerror(errno));
            return 99;
        }
        long fd = syscall(SYS_pidfd_open, pid, 0);
        if (fd >= 0) {
            printf("ESCAPED: pidfd_open(%d) succeeded\n", pid);
            return 99;
        }
        if (kill(pid, SIGKILL) == 0) {
            printf("ESCAPED: kill(%d, SIGKILL) succeeded\n", pid);
            return 99;
        }
        printf("blocked: pid %d: %s\n", pid, strerror(errno));
    }
    puts("all blocked");
    return 0;
}

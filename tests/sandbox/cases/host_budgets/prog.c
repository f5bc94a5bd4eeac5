/* Host-wide budgets and host-visible state: AIO contexts, inotify, dnotify, POSIX message
 * queues must be refused; file locks on host files (and on stdin) must be no-ops: a child
 * process can take the same lock at once. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <mqueue.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../escape.h"

/* In a child (locks belong to processes or open files): can it lock `path` exclusively
 * (a new open file, so flock and OFD locks conflict with the parent's)? */
static int child_can_lock(const char *path, int kind)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(path, O_RDONLY);
        struct flock lk = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
        if (kind == 0)
            _exit(flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : 1);
        if (kind == 1) { /* POSIX: ask who holds a conflicting lock */
            lk.l_type = F_WRLCK;
            _exit(fcntl(fd, F_GETLK, &lk) == 0 && lk.l_type == F_UNLCK ? 0 : 1);
        }
        lk.l_type = F_WRLCK; /* OFD */
        _exit(fcntl(fd, F_OFD_GETLK, &lk) == 0 && lk.l_type == F_UNLCK ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void locks_are_noops(const char *path, int fd)
{
    struct flock lk = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
    if (flock(fd, LOCK_EX) != 0 || fcntl(fd, F_SETLK, &lk) != 0
        || fcntl(fd, F_OFD_SETLK, &lk) != 0) {
        printf("a lock on %s failed (a no-op would succeed)\n", path);
        _exit(2);
    }
    for (int kind = 0; kind < 3; kind++) {
        if (!child_can_lock(path, kind)) {
            printf("ESCAPED: a lock (kind %d) on %s was taken\n", kind, path);
            fflush(stdout);
            _exit(99);
        }
    }
    printf("blocked: locks on %s are no-ops\n", path);
}

int main(void)
{
    aio_context_t ctx = 0;
    must_fail(syscall(SYS_io_setup, 1, &ctx), "io_setup(1)");
    must_fail(inotify_init1(0), "inotify_init1");
    must_fail(syscall(SYS_inotify_init), "inotify_init");
    int dir = open("/usr/bin", O_RDONLY | O_DIRECTORY);
    must_fail(fcntl(dir, F_NOTIFY, DN_ACCESS | DN_MULTISHOT), "fcntl(/usr/bin, F_NOTIFY)");
    must_fail(fcntl(dir, F_SETLEASE, F_RDLCK), "fcntl(/usr/bin, F_SETLEASE)");
    struct mq_attr attr = {.mq_maxmsg = 1, .mq_msgsize = 16};
    must_fail(mq_open("/judgebox-probe", O_CREAT | O_RDWR, 0600, &attr), "mq_open");
    int fd = open("/usr/bin/env", O_RDONLY);
    locks_are_noops("/usr/bin/env", fd);
    locks_are_noops("/proc/self/fd/0", 0);
    puts("all blocked");
    return 0;
}

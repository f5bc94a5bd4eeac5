/* The box's PID 1 is the judge's init (root, started from the judge: its environment is the
 * judge's). /proc/1/environ, /proc/1/root and the rest of /proc/1 must be out of reach
 * (procfs with hidepid=invisible: other users' processes do not exist for the program), every
 * process visible in /proc must be the program's own, the program must not be PID 1, and its
 * own environment must hold only the template's variables. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

#include "../escape.h"

int main(void)
{
    if (getpid() == 1) {
        puts("ESCAPED: the program is PID 1 of its namespace");
        return 99;
    }
    char buf[4096];
    int fd = open("/proc/1/environ", O_RDONLY);
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        printf("ESCAPED: /proc/1/environ is readable (%zd bytes)\n", n);
        return 99;
    }
    printf("blocked: open /proc/1/environ: %s\n", strerror(errno));
    must_fail(readlink("/proc/1/root", buf, sizeof buf), "readlink /proc/1/root");
    must_fail(open("/proc/1/root/", O_RDONLY | O_DIRECTORY), "open /proc/1/root/");
    must_fail(open("/proc/1/root/etc/shadow", O_RDONLY), "open /proc/1/root/etc/shadow");
    must_fail(open("/proc/1/cmdline", O_RDONLY), "open /proc/1/cmdline");
    must_fail(open("/proc/1/status", O_RDONLY), "open /proc/1/status");
    must_fail(open("/proc/1/maps", O_RDONLY), "open /proc/1/maps");
    must_fail(open("/proc/1/mem", O_RDONLY), "open /proc/1/mem");
    must_fail(open("/proc/1/fd", O_RDONLY | O_DIRECTORY), "open /proc/1/fd");
    must_fail(open("/proc/1/ns/mnt", O_RDONLY), "open /proc/1/ns/mnt");
    must_fail(open("/proc/sysrq-trigger", O_WRONLY), "open /proc/sysrq-trigger for writing");
    must_fail(open("/proc/sys/kernel/core_pattern", O_WRONLY),
              "open /proc/sys/kernel/core_pattern for writing");
    must_fail(open("/proc/kcore", O_RDONLY), "open /proc/kcore");

    /* every process the program can see is its own */
    DIR *d = opendir("/proc");
    struct dirent *e;
    int seen = 0;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[300];
        struct stat st;
        snprintf(path, sizeof path, "/proc/%s", e->d_name);
        if (stat(path, &st) == 0 && st.st_uid != getuid()) {
            printf("ESCAPED: sees process %s of uid %u\n", e->d_name, st.st_uid);
            return 99;
        }
        seen++;
    }
    printf("visible processes: %d\n", seen);

    /* the environment is the template's, nothing of the judge's */
    static const char *allowed[] = {"PATH=", "HOME=", "LANG=", "LC_ALL=", NULL};
    for (char **v = environ; *v; v++) {
        int ok = 0;
        for (int i = 0; allowed[i]; i++)
            ok |= strncmp(*v, allowed[i], strlen(allowed[i])) == 0;
        if (!ok) {
            printf("ESCAPED: the judge's environment leaks into the box: %.40s\n", *v);
            return 99;
        }
    }
    puts("all blocked");
    return 0;
}

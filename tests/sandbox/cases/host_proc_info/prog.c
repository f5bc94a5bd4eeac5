/* Read the host's information and host-wide counters through /proc: each must be empty (or
 * absent); /proc/stat's counters must be 0 and stay so across forks. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../escape.h"

static long slurp(const char *path, char *buf, long size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long total = 0, n;
    while (total < size - 1 && (n = read(fd, buf + total, size - 1 - total)) > 0)
        total += n;
    close(fd);
    buf[total] = 0;
    return total;
}

static long stat_counter(const char *name)
{
    static char buf[65536];
    if (slurp("/proc/stat", buf, sizeof buf) < 0)
        return -1;
    char *line = strstr(buf, name);
    return line ? atol(line + strlen(name)) : -1;
}

int main(void)
{
    static const char *files[] = {
        "/proc/cmdline", "/proc/config.gz", "/proc/key-users", "/proc/locks",
        "/proc/diskstats", "/proc/zoneinfo", "/proc/vmstat", "/proc/buddyinfo",
        "/proc/interrupts", "/proc/softirqs", "/proc/partitions", "/proc/swaps",
        "/proc/kallsyms", "/proc/modules", "/proc/cgroups", "/proc/schedstat",
        "/proc/pressure/cpu", "/proc/pressure/memory", "/proc/pressure/io",
        "/proc/sys/fs/file-nr", "/proc/sys/fs/dentry-state", "/proc/sys/fs/inode-nr",
        "/proc/sys/fs/aio-nr", NULL};
    static char buf[1 << 20];
    for (int i = 0; files[i]; i++) {
        long n = slurp(files[i], buf, sizeof buf);
        if (n > 0) {
            printf("ESCAPED: %s shows %ld bytes of the host's: %.60s\n", files[i], n, buf);
            return 99;
        }
        printf("blocked: %s %s\n", files[i], n < 0 ? "absent" : "empty");
    }
    const char *dirs[] = {"/proc/fs", "/proc/pressure", "/proc/sys/fs", NULL};
    for (int i = 0; dirs[i]; i++) {
        DIR *d = opendir(dirs[i]);
        struct dirent *e;
        while (d && (e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                printf("ESCAPED: %s lists the host's %s\n", dirs[i], e->d_name);
                return 99;
            }
        if (d)
            closedir(d);
    }
    long before = stat_counter("\nprocesses ");
    for (int i = 0; i < 50; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        waitpid(pid, NULL, 0);
    }
    long after = stat_counter("\nprocesses ");
    if (before != 0 || after != 0 || stat_counter("\nctxt ") != 0) {
        printf("ESCAPED: /proc/stat counts the host's forks (%ld, then %ld)\n", before, after);
        return 99;
    }
    if (stat_counter("cpu0 ") != 0) {
        puts("/proc/stat lacks the cpu0 line glibc counts");
        return 2;
    }
    printf("cpus seen: %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
    puts("all blocked");
    return 0;
}

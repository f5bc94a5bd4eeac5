/* cgroups: the program sits in its box cgroup, inside a cgroup namespace rooted there, with no
 * /sys. It must not see the host's cgroup paths, and must not mount a cgroup filesystem to
 * move itself out or raise its own limits. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../escape.h"

int main(void)
{
    char line[512];
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (!f) {
        perror("/proc/self/cgroup");
        return 1;
    }
    while (fgets(line, sizeof line, f)) {
        char *path = strchr(strchr(line, ':') + 1, ':') + 1;
        if (strcmp(path, "/\n") != 0) {
            printf("ESCAPED: the host's cgroup tree shows: %s", line);
            return 99;
        }
    }
    fclose(f);
    puts("every cgroup path is /");
    mkdir("/tmp/cg", 0755);
    must_fail(mount("cgroup", "/tmp/cg", "cgroup", 0, "memory"), "mount cgroup v1 memory");
    must_fail(mount("cgroup", "/tmp/cg", "cgroup", 0, "pids"), "mount cgroup v1 pids");
    must_fail(mount("cgroup2", "/tmp/cg", "cgroup2", 0, NULL), "mount cgroup2");
    must_fail(mount("sysfs", "/tmp/cg", "sysfs", 0, NULL), "mount sysfs");
    struct stat st;
    must_fail(stat("/sys/fs/cgroup", &st), "stat /sys/fs/cgroup");
    puts("all blocked");
    return 0;
}

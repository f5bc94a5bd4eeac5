/* Host-side attack on copy-out: hard links. /box is a tmpfs of its own, so a hard link to any
 * file the box can see elsewhere (the template's read-only binds of host files, the box's own
 * /etc, a host file's fd through /proc/self/fd, the canary's host path) must fail; were one
 * to succeed, the judge would collect a host file's content. A hard link inside /box is
 * harmless and comes back as a copy. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "../escape.h"

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    must_fail(link(argv[1], "answer.txt"), "link(host canary, /box/answer.txt)");
    must_fail(link("/etc/passwd", "passwd.txt"), "link(/etc/passwd, /box/passwd.txt)");
    must_fail(link("/usr/bin/env", "env.txt"), "link(/usr/bin/env, /box/env.txt)");
    must_fail(link("/etc/ld.so.cache", "cache.txt"), "link(/etc/ld.so.cache, /box/cache.txt)");
    /* a host file opened read-only, then linked through its /proc/self/fd magic link */
    int fd = open("/etc/ld.so.cache", O_RDONLY);
    char magic[64];
    snprintf(magic, sizeof magic, "/proc/self/fd/%d", fd);
    must_fail(linkat(AT_FDCWD, magic, AT_FDCWD, "exe.txt", AT_SYMLINK_FOLLOW),
              "linkat(/proc/self/fd/N of /etc/ld.so.cache, /box/exe.txt, AT_SYMLINK_FOLLOW)");
    must_fail(linkat(fd, "", AT_FDCWD, "exe.txt", AT_EMPTY_PATH),
              "linkat(fd of /etc/ld.so.cache, AT_EMPTY_PATH)");
    must_fail(link("/dev/null", "null.txt"), "link(/dev/null, /box/null.txt)");
    FILE *f = fopen("data.txt", "w");
    if (!f || fputs("own data\n", f) < 0 || fclose(f) != 0)
        return 1;
    if (link("data.txt", "inner.txt") != 0) {
        printf("link inside /box: %s\n", strerror(errno));
        return 1;
    }
    puts("all blocked");
    return 0;
}

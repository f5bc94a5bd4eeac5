/* Host files: the box's root holds only the template's read-only binds and the box's own
 * skeleton. /etc/shadow, /root, /home, /run/judgebox, /sys, /work (the judge's checkout) and
 * the like must not exist; / , /etc and /dev may list only what the box is meant to have; the
 * box's own /etc files must not be writable. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int in(const char *name, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(name, list[i]) == 0)
            return 1;
    return 0;
}

static void only(const char *dir, const char *const *allowed)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d) {
        printf("cannot list %s: %s\n", dir, strerror(errno));
        _exit(1);
    }
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (!in(e->d_name, allowed)) {
            printf("ESCAPED: %s/%s is in the box\n", strcmp(dir, "/") ? dir : "", e->d_name);
            fflush(stdout);
            _exit(99);
        }
    }
    closedir(d);
    printf("only expected entries in %s\n", dir);
}

int main(void)
{
    static const char *absent[] = {
        "/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/ssh", "/root", "/home", "/run",
        "/run/judgebox", "/sys", "/sys/fs/cgroup", "/work", "/var", "/srv", "/boot", "/opt",
        "/mnt", "/media", "/old_root", "/.dockerenv", "/lost+found", NULL};
    struct stat st;
    for (int i = 0; absent[i]; i++) {
        if (lstat(absent[i], &st) == 0) {
            printf("ESCAPED: host path %s exists in the box\n", absent[i]);
            return 99;
        }
    }
    puts("no host-only path is visible");
    static const char *root[] = {"usr", "lib", "lib32", "lib64", "libx32", "bin", "sbin",
                                 "etc", "dev", "proc", "box", "tmp", NULL};
    static const char *etc[] = {"alternatives", "ld.so.cache", "passwd", "group", "hosts",
                                "nsswitch.conf", NULL};
    static const char *dev[] = {"null", "zero", "full", "random", "urandom", "fd", "stdin",
                                "stdout", "stderr", "shm", NULL};
    only("/", root);
    only("/etc", etc);
    only("/dev", dev);
    char passwd[4096] = {0};
    int fd = open("/etc/passwd", O_RDONLY);
    if (fd >= 0 && read(fd, passwd, sizeof passwd - 1) > 0 && strstr(passwd, "\ndaemon:")) {
        puts("ESCAPED: /etc/passwd is the host's");
        return 99;
    }
    static const char *readonly[] = {"/etc/passwd", "/etc/hosts", "/etc/ld.so.cache",
                                     "/usr/bin/env", NULL};
    for (int i = 0; readonly[i]; i++) {
        fd = open(readonly[i], O_WRONLY | O_APPEND);
        if (fd >= 0) {
            printf("ESCAPED: %s is writable\n", readonly[i]);
            return 99;
        }
        printf("blocked: write %s: %s\n", readonly[i], strerror(errno));
    }
    if (mkdir("/etc/judgebox-probe", 0755) == 0 || mkdir("/usr/judgebox-probe", 0755) == 0) {
        puts("ESCAPED: created a directory in /etc or /usr");
        return 99;
    }
    puts("all blocked");
    return 0;
}

/* The classic chroot escape: chroot into a subdirectory while keeping a cwd outside it, climb
 * with "..", chroot(".") there. chroot must fail; whether or not it did, no host file may be
 * reachable by climbing, through /proc/self/root or /proc/self/cwd. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *host_only[] = {"etc/shadow", "run/judgebox", "root", "home", "work", "sys",
                                  "var", "srv", "boot", "opt", NULL};

static void look(const char *prefix)
{
    char path[512];
    struct stat st;
    for (int i = 0; host_only[i]; i++) {
        snprintf(path, sizeof path, "%s%s", prefix, host_only[i]);
        if (stat(path, &st) == 0) {
            printf("ESCAPED: host path %s is reachable\n", path);
            fflush(stdout);
            _exit(99);
        }
    }
}

int main(void)
{
    mkdir("/tmp/jail", 0755);
    if (chdir("/") != 0)
        return 2;
    if (chroot("/tmp/jail") == 0) {
        printf("chroot(/tmp/jail) succeeded: climbing out\n");
        for (int i = 0; i < 64; i++)
            if (chdir("..") != 0)
                break;
        if (chroot(".") == 0)
            printf("chroot(.) after climbing succeeded\n");
        look("/");
        look("");
        puts("ESCAPED: chroot is allowed");
        return 99;
    }
    printf("blocked: chroot(/tmp/jail): %s\n", strerror(errno));
    look("/");
    look("/../../../../../");
    look("/proc/self/root/");
    look("/proc/self/root/../../");
    look("/proc/self/cwd/../../../");
    int fd = open("/", O_PATH | O_DIRECTORY);
    if (fd >= 0 && fchdir(fd) == 0 && chdir("..") == 0)
        look("");
    puts("all blocked");
    return 0;
}

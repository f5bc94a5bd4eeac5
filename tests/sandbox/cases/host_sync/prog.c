/* Flush the host's filesystem from the box: syncfs on a read-only bind (/usr), fsync and
 * fdatasync on a host file and on stdin, sync, sync_file_range, msync of a mapped host file.
 * All must succeed at once (no-ops); many slow calls mean the host's disk got the flushes. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../escape.h"

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void timed(const char *what, int (*call)(int), int fd, int times)
{
    double start = now_us();
    for (int i = 0; i < times; i++) {
        if (call(fd) != 0) {
            printf("%s failed (a no-op would succeed)\n", what);
            _exit(2);
        }
    }
    double each = (now_us() - start) / times;
    printf("%s: %d calls, %.2f us each\n", what, times, each);
    if (each > 20) {
        printf("ESCAPED: %s reached the host's disk (%.1f us a call)\n", what, each);
        fflush(stdout);
        _exit(99);
    }
}

static int do_sync(int fd) { (void)fd; sync(); return 0; }
static int do_range(int fd) { return sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WAIT_AFTER); }

int main(void)
{
    int fd = open("/usr/bin/env", O_RDONLY);
    if (fd < 0) {
        perror("open /usr/bin/env");
        return 2;
    }
    timed("syncfs(/usr)", syncfs, fd, 20000);
    timed("fsync(host file)", fsync, fd, 2000);
    timed("fdatasync(host file)", fdatasync, fd, 2000);
    timed("fsync(stdin)", fsync, 0, 2000);
    timed("sync()", do_sync, fd, 2000);
    timed("sync_file_range(host file)", do_range, fd, 2000);
    void *map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED || msync(map, 4096, MS_SYNC | MS_INVALIDATE) != 0) {
        puts("mmap or msync of a host file failed (msync must be a no-op)");
        return 2;
    }
    puts("all blocked");
    return 0;
}

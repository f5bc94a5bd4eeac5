/* Evict a host file from the host's page cache (fadvise, madvise PAGEOUT/COLD) or read it
 * ahead (readahead, MADV_WILLNEED); probe the cache without timing (preadv2 RWF_NOWAIT). The
 * host checks after the run that its file is still all cached. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../escape.h"

#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static void evict(int fd, off_t size, const char *what)
{
    int err = posix_fadvise(fd, 0, size, POSIX_FADV_DONTNEED);
    if (err) {
        printf("fadvise(%s, DONTNEED) failed: %s (a no-op would succeed)\n", what,
               strerror(err));
        _exit(2);
    }
    printf("fadvise(%s, DONTNEED): a no-op\n", what);
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        perror(argv[1]);
        return 2;
    }
    char buf[4096];
    struct iovec iov = {buf, sizeof buf};
    must_fail(preadv2(fd, &iov, 1, 0, RWF_NOWAIT), "preadv2(RWF_NOWAIT)");
    if (readahead(fd, 0, st.st_size) != 0 || readahead(0, 0, 4) != 0) {
        printf("readahead failed: %s (a no-op would succeed)\n", strerror(errno));
        return 2;
    }
    char *map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    volatile char touch = 0;
    for (off_t at = 0; at < st.st_size; at += 4096)
        touch += map[at];
    int advice[] = {MADV_WILLNEED, MADV_COLD, MADV_PAGEOUT};
    for (int i = 0; i < 3; i++) {
        if (madvise(map, st.st_size, advice[i]) != 0) {
            printf("madvise(%d) failed: %s (a no-op would succeed)\n", advice[i],
                   strerror(errno));
            return 2;
        }
    }
    munmap(map, st.st_size);
    /* last: nothing after it reads the file back in before the host looks */
    evict(fd, st.st_size, argv[1]);
    evict(0, 4, "stdin");
    puts("all blocked");
    return 0;
}

/* fd exhaustion: open /dev/null until it fails. It must fail with EMFILE at open_files (512),
 * and the hard limit must not be raisable. Then exit 0 (OK): running out of fds is contained. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define LIMIT 512

int main(void)
{
    int n = 0, fd;
    while ((fd = open("/dev/null", O_RDONLY)) >= 0) {
        n++;
        if (n > 100000)
            break;
    }
    int err = errno;
    printf("opened %d fds, then: %s\n", n, strerror(err));
    if (n + 3 > LIMIT) {
        printf("ESCAPED: %d fds open with open_files=%d\n", n + 3, LIMIT);
        return 99;
    }
    if (err != EMFILE) {
        printf("unexpected error %s\n", strerror(err));
        return 1;
    }
    struct rlimit rl = {LIMIT * 4, LIMIT * 4};
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0) {
        printf("ESCAPED: raised RLIMIT_NOFILE to %d\n", LIMIT * 4);
        return 99;
    }
    if (dup2(0, LIMIT + 10) >= 0) {
        printf("ESCAPED: dup2 to fd %d with open_files=%d\n", LIMIT + 10, LIMIT);
        return 99;
    }
    puts("all blocked");
    return 0;
}

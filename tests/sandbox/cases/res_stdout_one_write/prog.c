/* The answer and 512 KiB past the output limit in one write() to a pipe made big enough to
 * take it at once, then exit: the judge must not miss the overrun for having seen the exit
 * first. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    int got = fcntl(1, F_SETPIPE_SZ, 1 << 20);
    size_t size = (64 + 512) * 1024;
    char *out = malloc(size);
    memset(out, ' ', size);
    memcpy(out, "42\n", 3);
    ssize_t n = write(1, out, got >= (int)size ? size : (size_t)got);
    (void)n;
    return 0;
}

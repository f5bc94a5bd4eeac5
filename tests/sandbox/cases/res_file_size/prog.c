/* A file larger than the output limit: write 2 MiB to /box/big with output_kib = 1024.
 * RLIMIT_FSIZE is the output limit + 1 byte, so the write after the crossing one raises SIGXFSZ (default
 * action: terminate), which the judge reports as OLE. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    static char block[65536];
    memset(block, 'z', sizeof block);
    int fd = open("/box/big", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        perror("open /box/big");
        return 2;
    }
    long total = 0;
    while (total < 2L << 20) {
        ssize_t n = write(fd, block, sizeof block);
        if (n < 0) {
            perror("write");
            return 1;
        }
        total += n;
    }
    printf("ESCAPED: wrote a %ld byte file with output_kib=1024\n", total);
    return 99;
}

/* Ignore SIGXFSZ and write past the file-size limit until the kernel refuses (EFBIG), then
 * exit cleanly: the overrun must still be OLE. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    static char block[65536];
    memset(block, 'z', sizeof block);
    signal(SIGXFSZ, SIG_IGN);
    int fd = open("/box/big", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        perror("open /box/big");
        return 2;
    }
    long total = 0;
    for (;;) {
        ssize_t n = write(fd, block, sizeof block);
        if (n < 0) {
            printf("write refused after %ld bytes: %s\n", total, strerror(errno));
            return 0;
        }
        total += n;
        if (total > 4L << 20) {
            printf("ESCAPED: wrote %ld bytes with output_kib=1024\n", total);
            return 99;
        }
    }
}

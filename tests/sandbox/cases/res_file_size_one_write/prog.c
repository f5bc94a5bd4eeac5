/* A file past the output limit in one write() and a clean exit: the kernel shortens a write
 * that crosses RLIMIT_FSIZE (no SIGXFSZ for it), so only the file's size can tell. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    size_t size = (1024 + 64) * 1024;
    char *block = malloc(size);
    memset(block, 'z', size);
    int fd = open("/box/big", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        perror("open /box/big");
        return 2;
    }
    ssize_t n = write(fd, block, size);
    printf("wrote %zd of %zu bytes in one call\n", n, size);
    return 0;
}

/* Memory hog through the box's /tmp tmpfs: write a 48 MiB file with a 32 MiB memory limit.
 * tmpfs pages are charged to the writer's memory cgroup, so the file cannot grow past the
 * memory limit; writing all 48 MiB would mean /tmp is a way around the memory limit. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    static char block[1 << 20];
    memset(block, 'x', sizeof block);
    int fd = open("/tmp/fill", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        perror("open /tmp/fill");
        return 2;
    }
    for (int mib = 0; mib < 48; mib++) {
        ssize_t done = 0;
        while (done < (ssize_t)sizeof block) {
            ssize_t n = write(fd, block + done, sizeof block - done);
            if (n < 0) {
                printf("write failed after %d MiB: %s\n", mib, strerror(errno));
                return 1;
            }
            done += n;
        }
    }
    puts("ESCAPED: wrote 48 MiB into /tmp with memory_kib=32768");
    return 99;
}

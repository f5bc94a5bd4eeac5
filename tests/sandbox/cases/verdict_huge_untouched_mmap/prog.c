/* Reserving is not using: a 4 GiB anonymous mmap and a 4 GiB malloc, barely touched, with a
 * 256 MiB limit. The judge limits memory in use (cgroup), not address space, so this is fine
 * (JVMs, Go and sanitizers reserve huge ranges). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

int main(void)
{
    size_t size = (size_t)4 << 30;
    volatile char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                            -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap 4 GiB");
        return 1;
    }
    p[0] = 1;
    p[size / 2] = 2;
    p[size - 1] = 3;
    volatile char *q = malloc(size);
    if (!q) {
        perror("malloc 4 GiB");
        return 1;
    }
    q[0] = 1;
    q[size - 1] = 2;
    printf("reserved 8 GiB, touched 5 pages: %d\n", p[0] + p[size / 2] + p[size - 1] + q[0]);
    return 0;
}

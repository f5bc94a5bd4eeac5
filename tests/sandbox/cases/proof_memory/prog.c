/* Harmless proof that the memory limit holds: allocate and touch 64 MiB with a 32 MiB limit.
 * The cgroup's OOM killer must stop it (MLE). If it gets through, the memory limit does not
 * hold and the memory hogs must not run. Every page is written through a volatile pointer and
 * read back, so the compiler cannot drop the allocation. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    size_t size = (size_t)64 << 20;
    volatile char *p = malloc(size);
    if (!p) {
        puts("malloc failed");
        return 1;
    }
    for (size_t off = 0; off < size; off += 4096)
        p[off] = (char)(off >> 12);
    unsigned long sum = 0;
    for (size_t off = 0; off < size; off += 4096)
        sum += (unsigned char)p[off];
    printf("ESCAPED: touched 64 MiB with memory_kib=32768 (%lu)\n", sum);
    return 99;
}

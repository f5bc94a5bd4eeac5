/* Memory hog through malloc: allocate 1 MiB blocks and touch every page, up to 1 GiB, with a
 * 64 MiB limit. The cgroup's OOM killer must end it (MLE) long before 1 GiB. The writes go
 * through a volatile pointer and are summed, so the compiler cannot drop them. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    unsigned long sum = 0;
    for (int mib = 1; mib <= 1024; mib++) {
        volatile char *p = malloc(1 << 20);
        if (!p) {
            printf("malloc failed after %d MiB\n", mib - 1);
            return 1;
        }
        for (int off = 0; off < 1 << 20; off += 4096)
            p[off] = (char)mib;
        sum += (unsigned char)p[mib % 4096];
    }
    printf("ESCAPED: touched 1 GiB with memory_kib=65536 (%lu)\n", sum);
    return 99;
}

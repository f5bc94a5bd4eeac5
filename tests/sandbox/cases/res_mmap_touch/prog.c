/* Memory hog through one big anonymous mmap: map 1 GiB and touch it page by page, with a
 * 64 MiB limit. The OOM killer must end it (MLE). */
#include <stdio.h>
#include <sys/mman.h>

int main(void)
{
    size_t size = (size_t)1 << 30;
    volatile char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                            -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    for (size_t off = 0; off < size; off += 4096)
        p[off] = 1;
    puts("ESCAPED: touched a 1 GiB mmap with memory_kib=65536");
    return 99;
}

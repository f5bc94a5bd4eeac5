/* Memory hog through the stack: recursion with 64 KiB frames, every page of each touched
 * through a volatile array, with a 64 MiB memory limit and the default stack rlimit (equal to
 * the memory limit). */
#include <stdio.h>

static unsigned long deepest;

__attribute__((noinline)) static unsigned long dive(unsigned long depth)
{
    volatile char frame[64 * 1024];
    for (unsigned i = 0; i < sizeof frame; i += 4096)
        frame[i] = (char)depth;
    if (depth > deepest)
        deepest = depth;
    if (depth >= 1u << 16) /* 4 GiB of stack: never reached */
        return frame[0];
    return dive(depth + 1) + frame[depth % sizeof frame];
}

int main(void)
{
    unsigned long r = dive(0);
    printf("ESCAPED: recursed %lu frames of 64 KiB (%lu)\n", deepest, r);
    return 99;
}

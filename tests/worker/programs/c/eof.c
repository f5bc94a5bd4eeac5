#include <stdio.h>
int main(void) {  /* every number to EOF into a file in /tmp, then read back from it */
    FILE *f = fopen("/tmp/numbers.txt", "w");
    long long x, n = 0, sum = 0;
    if (!f) return 2;
    while (scanf("%lld", &x) == 1) fprintf(f, "%lld\n", x);
    fclose(f);
    f = fopen("/tmp/numbers.txt", "r");
    if (!f) return 3;
    while (fscanf(f, "%lld", &x) == 1) { n++; sum += x; }
    printf("%lld %lld\n", n, sum);
    return 0;
}

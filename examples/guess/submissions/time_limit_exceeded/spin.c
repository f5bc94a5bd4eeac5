#include <stdio.h>
int main(void) {
    volatile unsigned long n = 0;
    printf("guess 500\n");
    fflush(stdout);
    for (;;) n = n + 1;
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    static char *blocks[1024];
    long sum = 0;
    for (int i = 0; i < 1024; i++) {  /* 1 GiB in 1 MiB blocks, every page touched and kept */
        blocks[i] = malloc(1 << 20);
        if (!blocks[i]) return 3;
        memset(blocks[i], i, 1 << 20);
        sum += blocks[i][i];
    }
    printf("%ld\n", sum);  /* used: no compiler may leave the blocks out */
    return 0;
}

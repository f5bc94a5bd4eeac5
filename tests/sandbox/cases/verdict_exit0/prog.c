/* The plain good case: echo stdin to stdout, exit 0. */
#include <stdio.h>

int main(void)
{
    int c;
    while ((c = getchar()) != EOF)
        putchar(c);
    return 0;
}

/* A plain non-zero exit. */
#include <stdlib.h>

int main(void)
{
    exit(3);
}

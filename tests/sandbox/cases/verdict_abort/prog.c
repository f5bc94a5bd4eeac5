/* abort(): SIGABRT (a failed assert ends the same way). */
#include <stdlib.h>

int main(void)
{
    abort();
}

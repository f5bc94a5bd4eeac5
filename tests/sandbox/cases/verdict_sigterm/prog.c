/* raise(SIGTERM): a signal the program sent itself, not the judge. */
#include <signal.h>
#include <stdio.h>

int main(void)
{
    raise(SIGTERM);
    puts("ESCAPED: survived SIGTERM");
    return 99;
}

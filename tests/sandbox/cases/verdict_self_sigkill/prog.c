/* kill(getpid(), SIGKILL): the program's own SIGKILL is a runtime error, not a time limit and
 * not something the judge did. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    kill(getpid(), SIGKILL);
    puts("ESCAPED: survived SIGKILL");
    return 99;
}

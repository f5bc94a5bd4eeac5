/* Stopping itself: a stopped process uses no CPU and never ends; the box's init waits without
 * WUNTRACED, so only the wall-clock limit can end it. */
#include <signal.h>
#include <stdio.h>

int main(void)
{
    raise(SIGSTOP);
    puts("ESCAPED: continued after SIGSTOP");
    return 99;
}

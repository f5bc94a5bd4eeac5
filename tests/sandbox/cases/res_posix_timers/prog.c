/* Create POSIX timers until the kernel refuses: kernel memory, charged to the box's cgroup. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int main(void)
{
    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = SIGEV_NONE;
    long made = 0;
    timer_t timer;
    while (made < 20000000 && timer_create(CLOCK_MONOTONIC, &event, &timer) == 0)
        made++;
    printf("ESCAPED: %ld timers without running out of the box's memory (%s)\n", made,
           strerror(errno));
    return 99;
}

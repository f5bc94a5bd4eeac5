/* Clock tampering: the realtime clock is the host's (there is no time namespace for it), so
 * settimeofday, clock_settime, adjtimex and clock_adjtime that change it must fail. Each
 * attempt sets the clock to what it reads now, so even an escape changes nothing. A time
 * namespace (to fake the monotonic clock the judge measures with) must not be available. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "../escape.h"

int main(void)
{
    struct timeval tv;
    struct timespec ts;
    gettimeofday(&tv, NULL);
    must_fail(settimeofday(&tv, NULL), "settimeofday(now)");
    clock_gettime(CLOCK_REALTIME, &ts);
    must_fail(clock_settime(CLOCK_REALTIME, &ts), "clock_settime(CLOCK_REALTIME, now)");
    clock_gettime(CLOCK_MONOTONIC, &ts);
    must_fail(clock_settime(CLOCK_MONOTONIC, &ts), "clock_settime(CLOCK_MONOTONIC, now)");
    struct timex tx;
    memset(&tx, 0, sizeof tx);
    long r = syscall(SYS_adjtimex, &tx); /* modes 0: a read */
    printf("adjtimex(read) = %ld\n", r);
    if (r >= 0) {
        tx.modes = ADJ_TICK; /* write back the tick just read */
        must_fail(syscall(SYS_adjtimex, &tx), "adjtimex(ADJ_TICK, unchanged)");
    }
    memset(&tx, 0, sizeof tx);
    r = syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx);
    if (r >= 0) {
        tx.modes = ADJ_TICK;
        must_fail(syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx),
                  "clock_adjtime(ADJ_TICK, unchanged)");
    }
    must_fail(unshare(0x00000080 /* CLONE_NEWTIME */), "unshare(CLONE_NEWTIME)");
    puts("all blocked");
    return 0;
}

/* perf_event_open: with perf_event_paranoid = 2 an unprivileged process may still profile
 * itself, which is a side channel and a kernel attack surface. It must fail (seccomp). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../escape.h"

int main(void)
{
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_TASK_CLOCK;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    must_fail(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0),
              "perf_event_open(software task clock, self)");
    attr.type = PERF_TYPE_HARDWARE;
    attr.config = PERF_COUNT_HW_CPU_CYCLES;
    must_fail(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0),
              "perf_event_open(hardware cycles, self)");
    must_fail(syscall(SYS_perf_event_open, &attr, -1, 0, -1, 0),
              "perf_event_open(cpu 0, every process)");
    puts("all blocked");
    return 0;
}

/* userfaultfd lets a process stall the kernel at a chosen page fault, the standard tool for
 * winning kernel races. The system call and /dev/userfaultfd must both be unavailable. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../escape.h"

int main(void)
{
    must_fail(syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK), "userfaultfd()");
    must_fail(syscall(SYS_userfaultfd, O_CLOEXEC | 1 /* UFFD_USER_MODE_ONLY */),
              "userfaultfd(UFFD_USER_MODE_ONLY)");
    must_fail(open("/dev/userfaultfd", O_RDWR), "open /dev/userfaultfd");
    puts("all blocked");
    return 0;
}

/* io_uring runs system-call-like operations from a kernel ring that seccomp never sees, and
 * has been a steady source of kernel bugs. io_uring_setup must fail (the host allows it:
 * io_uring_disabled = 0); io_uring_enter and io_uring_register likewise. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../escape.h"

int main(void)
{
    static unsigned char params[120]; /* struct io_uring_params, zeroed */
    must_fail(syscall(425 /* io_uring_setup */, 8, params), "io_uring_setup(8)");
    must_fail(syscall(426 /* io_uring_enter */, 0, 0, 0, 0, NULL, 0), "io_uring_enter(fd 0)");
    must_fail(syscall(427 /* io_uring_register */, 0, 0, NULL, 0), "io_uring_register(fd 0)");
    puts("all blocked");
    return 0;
}

/* TIOCSTI pushes characters into a terminal's input (typing commands into the judge's shell
 * when a terminal leaks in). The filter denies it on the low 32 bits of the command, as the
 * kernel reads it: 0x5412 and 0x1_0000_5412 must both answer EPERM from seccomp, not the
 * ENOTTY the kernel gives for a non-terminal (which would mean the call went through). A
 * harmless ioctl (TCGETS) must still reach the kernel. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

static void must_be_denied(unsigned long cmd)
{
    char c = 'x';
    errno = 0;
    long r = syscall(SYS_ioctl, 0, cmd, &c);
    if (r >= 0 || errno != EPERM) {
        printf("ESCAPED: ioctl(0, 0x%lx) passed the filter: %s\n", cmd,
               r >= 0 ? "success" : strerror(errno));
        fflush(stdout);
        _exit(99);
    }
    printf("blocked: ioctl(0, 0x%lx): %s\n", cmd, strerror(errno));
}

int main(void)
{
    must_be_denied(0x5412UL);
    must_be_denied(0x100005412UL);
    must_be_denied(0xffffffff00005412UL);
    for (int fd = 0; fd < 3; fd++)
        if (isatty(fd)) {
            printf("ESCAPED: fd %d is a terminal\n", fd);
            return 99;
        }
    struct termios t;
    errno = 0;
    long r = syscall(SYS_ioctl, 0, TCGETS, &t);
    if (r == 0 || errno != ENOTTY) {
        printf("TCGETS gave %s, expected ENOTTY\n", r == 0 ? "success" : strerror(errno));
        return 1;
    }
    puts("all blocked");
    return 0;
}

/* The x32 ABI: x86_64 system call numbers with bit 30 set (__X32_SYSCALL_BIT). A filter that
 * compares numbers without looking at that bit could be bypassed. The filter must kill the
 * process (SIGSYS), whatever the kernel would do (this host has no x32 support). */
#include <stdio.h>

int main(void)
{
    long ret;
    fflush(stdout);
    __asm__ volatile("syscall" : "=a"(ret) : "a"(0x40000000L | 39 /* getpid */)
                     : "rcx", "r11", "memory");
    printf("ESCAPED: x32 getpid returned %ld\n", ret);
    return 99;
}

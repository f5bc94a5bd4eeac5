/* The i386 entry point on x86_64: "int $0x80" takes 32-bit system call numbers, which an
 * x86_64-only filter would read as different calls. The filter must kill the process
 * (SIGSYS) for any call through another architecture's entry. i386 getpid is 20 (harmless if
 * it ran); on return the program reports an escape. */
#include <stdio.h>

int main(void)
{
    long ret;
    fflush(stdout);
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
    printf("ESCAPED: int 0x80 getpid returned %ld\n", ret);
    return 99;
}

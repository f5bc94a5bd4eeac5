/* Becoming root: setuid(0), setgid(0), setresuid, setreuid, setfsuid, setgroups. Each must fail
 * and the ids must still be the box's own (non-zero) afterwards. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../escape.h"

int main(void)
{
    gid_t zero = 0;
    /* raw system calls: glibc's wrappers would run them on every thread (fine) but hide
     * nothing either way */
    must_fail(syscall(SYS_setuid, 0), "setuid(0)");
    must_fail(syscall(SYS_setgid, 0), "setgid(0)");
    must_fail(syscall(SYS_setresuid, 0, 0, 0), "setresuid(0, 0, 0)");
    must_fail(syscall(SYS_setresgid, 0, 0, 0), "setresgid(0, 0, 0)");
    must_fail(syscall(SYS_setreuid, 0, 0), "setreuid(0, 0)");
    must_fail(syscall(SYS_setgroups, 1, &zero), "setgroups([0])");
    setfsuid(0); /* returns the old fsuid whatever happens; check the effect instead */
    uid_t r, e, s;
    gid_t rg, eg, sg;
    getresuid(&r, &e, &s);
    getresgid(&rg, &eg, &sg);
    printf("uids %u %u %u fsuid %d gids %u %u %u\n", r, e, s, setfsuid(-1), rg, eg, sg);
    if (r == 0 || e == 0 || s == 0 || setfsuid(-1) == 0 || rg == 0 || eg == 0 || sg == 0) {
        puts("ESCAPED: an id is 0");
        return 99;
    }
    puts("all blocked");
    return 0;
}

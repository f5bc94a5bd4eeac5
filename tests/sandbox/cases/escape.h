/* Shared by the escape cases: report a forbidden call that worked (ESCAPED, exit 99) or was
 * refused (with its errno). Included as "../escape.h" by each case's prog.c. */
#ifndef JUDGEBOX_ESCAPE_H
#define JUDGEBOX_ESCAPE_H
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void must_fail(long r, const char *what)
{
    if (r >= 0) {
        printf("ESCAPED: %s succeeded (%ld)\n", what, r);
        fflush(stdout);
        _exit(99);
    }
    printf("blocked: %s: %s\n", what, strerror(errno));
}
#endif

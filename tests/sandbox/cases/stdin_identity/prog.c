/* Learn which test runs from stdin: its link target (the host path, with the test's name) and
 * its inode (the host file's). Neither may give it away; the input must stay a regular file
 * that can be mapped, and must not be writable. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../escape.h"

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    char link[4096] = {0};
    if (readlink("/proc/self/fd/0", link, sizeof link - 1) < 0) {
        perror("readlink");
        return 2;
    }
    printf("stdin is %s\n", link);
    if (strstr(link, "stdin_identity") || strstr(link, ".stdin") || strstr(link, "/tmp/")) {
        printf("ESCAPED: stdin names the host's test file: %s\n", link);
        return 99;
    }
    struct stat st;
    fstat(0, &st);
    if ((unsigned long long)st.st_ino == strtoull(argv[1], NULL, 10)) {
        printf("ESCAPED: stdin is the host file itself (inode %llu)\n",
               (unsigned long long)st.st_ino);
        return 99;
    }
    char *map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, 0, 0);
    if (!S_ISREG(st.st_mode) || map == MAP_FAILED || memcmp(map, "3 4\n", 4) != 0) {
        puts("stdin is no longer a regular file holding the input");
        return 2;
    }
    int again = open("/proc/self/fd/0", O_WRONLY);
    if (again >= 0 && write(again, "x", 1) == 1) {
        puts("ESCAPED: the input could be changed");
        return 99;
    }
    puts("all blocked");
    return 0;
}

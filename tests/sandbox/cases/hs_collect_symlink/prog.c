/* Host-side attack on copy-out: the names the judge collects from /box after the run are
 * replaced with symbolic links to host files (the judge's canary, given as argv[1], which is
 * not visible in the box; /etc/shadow; a relative path climbing out of /box; /proc/1/root of
 * the judge's view). The judge, root on the host, must not read anything through them: only
 * the regular file ok.txt comes back. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "../escape.h"

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    if (open(argv[1], O_RDONLY) >= 0) {
        printf("ESCAPED: the host canary %s is readable in the box\n", argv[1]);
        return 99;
    }
    const char *links[][2] = {
        {argv[1], "answer.txt"}, {"/etc/shadow", "shadow.txt"},
        {"../../../../../../etc/shadow", "relative.txt"}, {"/proc/1/root/etc/shadow", "proc.txt"},
        {"/proc/self/root/etc/passwd", "self.txt"}};
    for (unsigned i = 0; i < sizeof links / sizeof links[0]; i++) {
        if (symlink(links[i][0], links[i][1]) != 0) {
            printf("symlink %s: %s\n", links[i][1], strerror(errno));
            return 1;
        }
    }
    FILE *f = fopen("ok.txt", "w");
    if (!f || fputs("a regular file\n", f) < 0 || fclose(f) != 0)
        return 1;
    puts("links planted");
    return 0;
}

/* Host-side attack on copy-out: the collected names become directories (one full of files,
 * one a symlink to the canary's host directory, given as argv[1]) and a file that is being
 * replaced: answer.txt is renamed over by a directory after being written. The judge must
 * skip them (regular files only) and touch nothing on the host. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char name[64];
    if (argc < 2)
        return 2;
    FILE *f = fopen("answer.txt", "w");
    if (!f || fputs("first\n", f) < 0 || fclose(f) != 0)
        return 1;
    if (mkdir("tmpdir", 0777) != 0 || rename("tmpdir", "answer.txt") == 0) {
        puts("rename of a directory over a file should fail (ENOTDIR/EISDIR)");
        return 1;
    }
    if (unlink("answer.txt") != 0 || rename("tmpdir", "answer.txt") != 0) {
        perror("replace answer.txt with a directory");
        return 1;
    }
    for (int i = 0; i < 50; i++) {
        snprintf(name, sizeof name, "answer.txt/f%d", i);
        int fd = open(name, O_WRONLY | O_CREAT, 0644);
        if (fd < 0 || write(fd, "x\n", 2) != 2)
            return 1;
        close(fd);
    }
    if (symlink(argv[1], "dir.txt") != 0 || mkdir("empty.txt", 0) != 0) {
        perror("dir.txt / empty.txt");
        return 1;
    }
    puts("directories planted");
    return 0;
}

/* Harmless proof that the process limit holds: try to have 20 processes alive at once with
 * processes = 8. The children only pause; the parent kills and reaps them before exiting.
 * Run before the fork bomb and the thread bomb: if more than 8 exist at once, the limit does
 * not hold and the dangerous cases must not run. */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define LIMIT 8
#define WANTED 20

static int visible_processes(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)))
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
            n++;
    closedir(d);
    return n;
}

int main(void)
{
    pid_t kids[WANTED];
    int made = 0;
    for (int i = 0; i < WANTED - 1; i++) {
        pid_t p = fork();
        if (p == 0) {
            pause();
            _exit(0);
        }
        if (p < 0)
            break;
        kids[made++] = p;
    }
    int at_once = 1 + made;
    printf("processes at once: %d (visible in /proc: %d)\n", at_once, visible_processes());
    for (int i = 0; i < made; i++)
        kill(kids[i], SIGKILL);
    for (int i = 0; i < made; i++)
        waitpid(kids[i], NULL, 0);
    if (at_once > LIMIT) {
        printf("ESCAPED: %d processes alive at once with processes=%d\n", at_once, LIMIT);
        return 99;
    }
    return 0;
}

/* Fork bomb: every process forks forever. pids.max (processes = 16) must cap it; the failing
 * forks spin until the CPU limit ends the box. The first process also counts what it sees in
 * /proc and reports an escape if more than 16 processes ever exist. */
#include <dirent.h>
#include <stdio.h>
#include <unistd.h>

#define LIMIT 16

static int visible_processes(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    if (!d)
        return 0;
    while ((e = readdir(d)))
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
            n++;
    closedir(d);
    return n;
}

int main(void)
{
    pid_t me = getpid();
    for (unsigned long i = 0;; i++) {
        fork();
        if (getpid() == me && i % 256 == 0) {
            int n = visible_processes();
            if (n > LIMIT) {
                printf("ESCAPED: %d processes with processes=%d\n", n, LIMIT);
                fflush(stdout);
                _exit(99);
            }
        }
    }
}

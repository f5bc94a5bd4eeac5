/* Thread bomb: every thread starts threads forever (default attributes, so each thread's stack
 * reserves RLIMIT_STACK of address space, untouched). The pids cgroup counts threads: at most
 * 16 tasks may exist; the failing pthread_create calls spin until the CPU limit. The main
 * thread reports an escape if /proc/self/status ever shows more than 16 threads. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LIMIT 16

static void *bomb(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_t t;
        if (pthread_create(&t, NULL, bomb, NULL) == 0)
            pthread_detach(t);
    }
    return NULL;
}

static int threads_now(void)
{
    char line[256];
    int n = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "Threads:", 8) == 0)
            sscanf(line + 8, "%d", &n);
    fclose(f);
    return n;
}

int main(void)
{
    for (unsigned long i = 0;; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, bomb, NULL) == 0)
            pthread_detach(t);
        if (i % 64 == 0) {
            int n = threads_now();
            if (n > LIMIT) {
                printf("ESCAPED: %d threads with processes=%d\n", n, LIMIT);
                fflush(stdout);
                _exit(99);
            }
        }
    }
}

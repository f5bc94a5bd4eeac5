/* Four threads spinning: CPU time grows up to twice (two cores) as fast as the wall clock.
 * The CPU limit counts all threads, so the judge must stop it near 1 s of CPU (about 0.5 s of
 * wall time here), not at 1 s of wall time with 2 s of CPU spent, nor 4 s. */
#include <pthread.h>
#include <stdio.h>

static void *spin(void *arg)
{
    volatile unsigned long *n = arg;
    for (;;)
        (*n)++;
    return NULL;
}

int main(void)
{
    static volatile unsigned long counters[4][16];
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, spin, (void *)counters[i]);
    spin((void *)counters[3]);
    return 0;
}

/* kill(-1, SIGKILL): signals every process the caller may signal, i.e. every process of the
 * same uid. The test starts a host-side sleeper under the box's own uid while this program
 * waits; the box's pid namespace must keep kill(-1) inside the box, so the sleeper survives.
 * The box's own child dies, the program itself survives (kill(-1) spares the caller), and the
 * box's init (root) cannot be signalled. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    struct timespec wait_for_sleeper = {0, 700 * 1000 * 1000};
    nanosleep(&wait_for_sleeper, NULL);
    pid_t child = fork();
    if (child == 0) {
        for (;;)
            pause();
    }
    if (kill(1, SIGKILL) == 0) {
        puts("ESCAPED: signalled the box's init (pid 1)");
        return 99;
    }
    printf("blocked: kill(1, SIGKILL): %s\n", strerror(errno));
    int r = kill(-1, SIGKILL);
    printf("kill(-1, SIGKILL) = %d\n", r);
    int status = 0;
    waitpid(child, &status, 0);
    printf("own child %s\n",
           WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? "killed" : "not killed");
    puts("all blocked");
    return 0;
}

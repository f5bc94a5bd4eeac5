/* A daemon: double fork + setsid, the grandchild ignores SIGHUP/SIGTERM, keeps stdout and
 * stderr open and sleeps; the main process exits 0 at once. The run must end when the main
 * process does (not when the daemon's copy of stdout closes), be OK, and leave no process of
 * the box's uid behind. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    pid_t p = fork();
    if (p == 0) {
        setsid();
        if (fork() == 0) {
            signal(SIGHUP, SIG_IGN);
            signal(SIGTERM, SIG_IGN);
            for (;;)
                sleep(60);
        }
        _exit(0);
    }
    waitpid(p, NULL, 0);
    puts("daemon started");
    fflush(stdout);
    return 0;
}

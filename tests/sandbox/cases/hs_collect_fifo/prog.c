/* Host-side attack on copy-out: the collected names become a FIFO (with a daemonised child
 * holding it open for writing and never writing), a FIFO nobody opens, and a listening unix
 * socket. A judge that opened them blocking would hang after the run; it must return at once
 * with none of them collected. (The seccomp policy denies mknod, so mkfifo fails here today;
 * the case still plants the socket, and checks the judge would be safe were FIFOs allowed.) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int main(void)
{
    int fifos = mkfifo("answer.txt", 0666) == 0 && mkfifo("lonely.txt", 0666) == 0;
    printf("mkfifo: %s\n", fifos ? "planted" : strerror(errno));
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    strcpy(un.sun_path, "/box/socket.txt");
    if (s < 0 || bind(s, (struct sockaddr *)&un, sizeof un) != 0 || listen(s, 1) != 0) {
        perror("unix socket");
        return 1;
    }
    pid_t pid = fifos ? fork() : -1;
    if (pid == 0) {
        setsid();
        int w = open("answer.txt", O_RDWR); /* holds both ends: readers never see EOF */
        (void)w;
        close(1);
        close(2);
        for (;;)
            pause();
    }
    usleep(50000);
    puts("fifos and socket planted");
    return 0;
}

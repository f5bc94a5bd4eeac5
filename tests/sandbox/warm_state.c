/* State that one run of a reusable box could leave for the next (tests/sandbox/test_warm_box.py).
 *
 *   prog plant   leave everything it can: files in /box, /tmp and /dev/shm; SysV shared memory,
 *                a semaphore set and a message queue (with a message); a POSIX message queue
 *                (if the box allows one); an abstract unix socket bound by a daemon, and a
 *                second one kept alive only by its own fd in flight (no process holds it);
 *                a daemon (double fork, setsid, SIGHUP/SIGTERM ignored) that sleeps; a key in
 *                the session and user keyrings (if seccomp allowed keyctl at all). Prints what
 *                it managed to plant and exits 0 at once, the daemon still running.
 *   prog probe   look for each of those; prints "ESCAPED: <what> survived" and exits 99 for
 *                anything found, else "clean" and exits 0. Also reports the processes it can
 *                see and the environment variable JUDGEBOX_PLANTED.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEY 0x4a42574d /* "JBWM" */
#define DAEMON_SOCK "judgebox-warm-daemon"
#define INFLIGHT_SOCK "judgebox-warm-inflight"
#define KEY_SPEC_SESSION_KEYRING -3
#define KEY_SPEC_USER_KEYRING -4
#define KEYCTL_SEARCH 10

static int found;

static void survived(const char *what)
{
    printf("ESCAPED: %s survived\n", what);
    found = 1;
}

static socklen_t abstract(struct sockaddr_un *a, const char *name)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path + 1, name);
    return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}

static void touch(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0 && write(fd, "planted\n", 8) == 8)
        printf("planted %s\n", path);
    if (fd >= 0)
        close(fd);
}

static void plant(void)
{
    touch("/box/planted");
    touch("/tmp/planted");
    touch("/dev/shm/planted");
    int shm = shmget(KEY, 4096, IPC_CREAT | 0600);
    if (shm >= 0) {
        char *p = shmat(shm, NULL, 0);
        if (p != (void *)-1) {
            strcpy(p, "planted");
            shmdt(p);
        }
        puts("planted shm");
    }
    if (semget(KEY, 1, IPC_CREAT | 0600) >= 0)
        puts("planted sem");
    int msq = msgget(KEY, IPC_CREAT | 0600);
    if (msq >= 0) {
        struct { long type; char text[8]; } m = {1, "planted"};
        if (msgsnd(msq, &m, sizeof m.text, IPC_NOWAIT) == 0)
            puts("planted msg");
    }
    struct mq_attr attr = {.mq_maxmsg = 1, .mq_msgsize = 8};
    mqd_t mq = mq_open("/judgebox-warm", O_CREAT | O_RDWR, 0600, &attr);
    if (mq != (mqd_t)-1)
        puts("planted mqueue");
    else
        printf("mqueue refused: %s\n", strerror(errno));
    long key = syscall(SYS_add_key, "user", "judgebox-warm", "planted", 7,
                       KEY_SPEC_USER_KEYRING);
    if (key >= 0)
        puts("planted user key");
    else
        printf("keyring refused: %s\n", strerror(errno));
    /* a socket only its own fd in flight keeps: bound, sent to itself, closed */
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un a;
    socklen_t len = abstract(&a, INFLIGHT_SOCK);
    if (s >= 0 && bind(s, (struct sockaddr *)&a, len) == 0) {
        char byte = 'x';
        struct iovec iov = {&byte, 1};
        char control[CMSG_SPACE(sizeof(int))];
        struct msghdr msg = {.msg_name = &a, .msg_namelen = len, .msg_iov = &iov,
                             .msg_iovlen = 1, .msg_control = control,
                             .msg_controllen = sizeof control};
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &s, sizeof(int));
        if (sendmsg(s, &msg, 0) == 1)
            puts("planted in-flight socket");
        close(s);
    }
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        setsid();
        if (fork() == 0) {
            signal(SIGHUP, SIG_IGN);
            signal(SIGTERM, SIG_IGN);
            int d = socket(AF_UNIX, SOCK_STREAM, 0);
            len = abstract(&a, DAEMON_SOCK);
            if (d >= 0 && bind(d, (struct sockaddr *)&a, len) == 0 && listen(d, 4) == 0)
                touch("/tmp/daemon-listening");
            for (;;)
                pause();
        }
        _exit(0);
    }
    waitpid(p, NULL, 0);
    for (int i = 0; i < 200 && access("/tmp/daemon-listening", F_OK) != 0; i++)
        usleep(1000);
    puts("planted daemon");
}

static void probe(void)
{
    const char *files[] = {"/box/planted", "/tmp/planted", "/dev/shm/planted",
                           "/tmp/daemon-listening"};
    for (unsigned i = 0; i < sizeof files / sizeof *files; i++)
        if (access(files[i], F_OK) == 0)
            survived(files[i]);
    if (shmget(KEY, 0, 0) >= 0)
        survived("SysV shared memory");
    if (semget(KEY, 0, 0) >= 0)
        survived("SysV semaphore set");
    if (msgget(KEY, 0) >= 0)
        survived("SysV message queue");
    if (mq_open("/judgebox-warm", O_RDONLY) != (mqd_t)-1)
        survived("POSIX message queue");
    if (syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", "judgebox-warm", 0)
        >= 0)
        survived("user keyring key");
    const char *socks[] = {DAEMON_SOCK, INFLIGHT_SOCK};
    for (int i = 0; i < 2; i++) {
        int s = socket(AF_UNIX, i == 0 ? SOCK_STREAM : SOCK_DGRAM, 0);
        struct sockaddr_un a;
        socklen_t len = abstract(&a, socks[i]);
        if (connect(s, (struct sockaddr *)&a, len) == 0)
            survived(socks[i]);
        close(s);
    }
    /* every process it can see: only itself (the run's own pid namespace) */
    DIR *d = opendir("/proc");
    struct dirent *e;
    int others = 0;
    while (d && (e = readdir(d)))
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && atoi(e->d_name) != getpid())
            others++;
    if (others)
        survived("a process of an earlier run (or another process is visible)");
    if (kill(-1, 0) == 0)
        survived("a process kill(-1) reaches");
    if (getenv("JUDGEBOX_PLANTED"))
        survived("the environment variable JUDGEBOX_PLANTED");
    printf("pid %d\n", getpid());
    if (found)
        exit(99);
    puts("clean");
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "plant") == 0)
        plant();
    else
        probe();
    return 0;
}

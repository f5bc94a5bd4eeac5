/* Network: argv[1] is a TCP port and argv[2] an abstract unix socket name on which the test
 * listens on the host side. socket(AF_INET) must be denied by seccomp (and even if it were
 * not, the box's own network namespace must not reach the host's 127.0.0.1); AF_INET6,
 * AF_NETLINK, AF_PACKET, AF_VSOCK likewise. AF_UNIX is allowed, so the abstract socket tests
 * the network namespace itself: the host's abstract name must not be reachable. The box sees
 * only its own loopback interface. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static void no_socket(int family, int type, int proto, const char *what)
{
    int s = socket(family, type, proto);
    if (s >= 0) {
        printf("ESCAPED: socket(%s) was allowed\n", what);
        fflush(stdout);
        _exit(99);
    }
    printf("blocked: socket(%s): %s\n", what, strerror(errno));
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        puts("usage: prog TCP_PORT ABSTRACT_NAME");
        return 2;
    }
    int port = atoi(argv[1]);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s >= 0) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(s, (struct sockaddr *)&a, sizeof a) == 0)
            printf("ESCAPED: connected to the host's 127.0.0.1:%d\n", port);
        printf("ESCAPED: socket(AF_INET, SOCK_STREAM) was allowed\n");
        return 99;
    }
    printf("blocked: socket(AF_INET, SOCK_STREAM): %s\n", strerror(errno));
    no_socket(AF_INET, SOCK_DGRAM, 0, "AF_INET, SOCK_DGRAM");
    no_socket(AF_INET, SOCK_RAW, 1, "AF_INET, SOCK_RAW, ICMP");
    no_socket(AF_INET6, SOCK_STREAM, 0, "AF_INET6, SOCK_STREAM");
    no_socket(AF_NETLINK, SOCK_RAW, 0, "AF_NETLINK, NETLINK_ROUTE");
    no_socket(AF_PACKET, SOCK_RAW, 0, "AF_PACKET");
    no_socket(AF_VSOCK, SOCK_STREAM, 0, "AF_VSOCK");
    int pair[2];
    if (socketpair(AF_INET, SOCK_STREAM, 0, pair) == 0) {
        puts("ESCAPED: socketpair(AF_INET) was allowed");
        return 99;
    }

    int u = socket(AF_UNIX, SOCK_STREAM, 0);
    if (u < 0) {
        printf("socket(AF_UNIX) failed (it should be allowed): %s\n", strerror(errno));
        return 1;
    }
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    size_t len = strlen(argv[2]);
    memcpy(un.sun_path + 1, argv[2], len); /* sun_path[0] = 0: the abstract namespace */
    if (connect(u, (struct sockaddr *)&un, offsetof(struct sockaddr_un, sun_path) + 1 + len) == 0) {
        printf("ESCAPED: connected to the host's abstract unix socket @%s\n", argv[2]);
        return 99;
    }
    printf("blocked: connect to abstract @%s: %s\n", argv[2], strerror(errno));

    char line[256];
    FILE *f = fopen("/proc/net/dev", "r");
    int interfaces = 0;
    while (f && fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = 0;
        char *name = line + strspn(line, " ");
        interfaces++;
        if (strcmp(name, "lo") != 0) {
            printf("ESCAPED: the box sees the network interface %s\n", name);
            return 99;
        }
    }
    printf("interfaces: %d (lo only)\n", interfaces);
    puts("all blocked");
    return 0;
}

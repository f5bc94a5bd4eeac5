/* 62,500 epoll watches: kernel memory, charged to the box's cgroup (8 MiB here). */
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

int main(void)
{
    int ep[250], ev[250];
    long watches = 0;
    for (int i = 0; i < 250; i++) {
        ep[i] = epoll_create1(0);
        ev[i] = eventfd(0, 0);
    }
    for (int i = 0; i < 250; i++)
        for (int j = 0; j < 250; j++) {
            struct epoll_event e = {EPOLLIN, {0}};
            if (epoll_ctl(ep[i], EPOLL_CTL_ADD, ev[j], &e) == 0)
                watches++;
        }
    printf("ESCAPED: %ld epoll watches in 8 MiB\n", watches);
    return 99;
}

/* Devices: mknod of a block or character device (even in the box's own /tmp) must fail; host
 * devices (/dev/mem, /dev/kmsg, /dev/vda, /dev/kvm, /dev/tty, /dev/ptmx...) must be absent;
 * /dev/null works, /dev/full answers ENOSPC. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../escape.h"

int main(void)
{
    must_fail(mknod("/tmp/mem", S_IFCHR | 0666, makedev(1, 1)), "mknod /tmp/mem (1:1)");
    must_fail(mknod("/tmp/disk", S_IFBLK | 0666, makedev(8, 0)), "mknod /tmp/disk (8:0)");
    must_fail(mknod("/box/null", S_IFCHR | 0666, makedev(1, 3)), "mknod /box/null (1:3)");
    static const char *host[] = {"/dev/mem", "/dev/kmem", "/dev/port", "/dev/kmsg", "/dev/vda",
                                 "/dev/sda", "/dev/kvm", "/dev/tty", "/dev/console",
                                 "/dev/ptmx", "/dev/pts", "/dev/fuse", "/dev/loop0",
                                 "/dev/vsock", "/dev/net/tun", NULL};
    for (int i = 0; host[i]; i++)
        must_fail(open(host[i], O_RDONLY), host[i]);
    int fd = open("/dev/null", O_WRONLY);
    if (fd < 0 || write(fd, "x", 1) != 1) {
        puts("/dev/null does not work");
        return 1;
    }
    fd = open("/dev/full", O_WRONLY);
    if (fd < 0 || write(fd, "x", 1) != -1 || errno != ENOSPC) {
        puts("/dev/full does not answer ENOSPC");
        return 1;
    }
    puts("all blocked");
    return 0;
}

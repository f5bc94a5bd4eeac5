/* mount and friends: a new tmpfs, remounting / or /usr read-write, a bind of /usr into /box,
 * unmounting /usr or /proc, pivot_root, the new mount API (fsopen, open_tree, move_mount).
 * Each must fail; afterwards /usr and / must still be read-only. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../escape.h"

int main(void)
{
    mkdir("/box/mnt", 0755);
    must_fail(mount("tmpfs", "/box/mnt", "tmpfs", 0, "size=1m"), "mount tmpfs on /box/mnt");
    must_fail(mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND, NULL), "remount / read-write");
    must_fail(mount(NULL, "/usr", NULL, MS_REMOUNT | MS_BIND, NULL), "remount /usr read-write");
    must_fail(mount("/usr", "/box/mnt", NULL, MS_BIND | MS_REC, NULL), "bind /usr on /box/mnt");
    must_fail(mount("proc", "/box/mnt", "proc", 0, NULL), "mount a new proc");
    must_fail(umount2("/usr", MNT_DETACH), "umount2(/usr)");
    must_fail(umount2("/proc", MNT_DETACH), "umount2(/proc)");
    must_fail(syscall(SYS_pivot_root, "/box", "/box/mnt"), "pivot_root(/box)");
    must_fail(syscall(430 /* fsopen */, "tmpfs", 0), "fsopen(tmpfs)");
    must_fail(syscall(428 /* open_tree */, AT_FDCWD, "/usr", 1 /* OPEN_TREE_CLONE */),
              "open_tree(/usr, CLONE)");
    must_fail(syscall(429 /* move_mount */, AT_FDCWD, "/usr", AT_FDCWD, "/box/mnt", 0),
              "move_mount(/usr)");
    must_fail(open("/usr/judgebox-probe", O_WRONLY | O_CREAT, 0644), "create a file in /usr");
    must_fail(open("/judgebox-probe", O_WRONLY | O_CREAT, 0644), "create a file in /");
    puts("all blocked");
    return 0;
}

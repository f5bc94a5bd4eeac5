/* jbox: the child half of a judgebox box, in C (the supervisor stays in Python).
 *
 * The supervisor (sandbox/forkserver.py) starts this program once and keeps it as its fork
 * server: a small process, so forking it is cheap. Everything it does is decided by the
 * supervisor (sandbox/_plan.py encodes the plan); nothing here reads configuration.
 *
 *   jbox (fork server) -- keeper: new session; unshare mount, pid, ipc, uts namespaces and
 *                         |         enter the network namespace the server made ahead
 *                         `-- init (PID 1): build the root, pivot_root; take the run's order;
 *                               |           /box, /tmp, /dev/shm; reap; report
 *                               `-- program: join cgroup, cgroup ns, fds, rlimits, drop
 *                                   privileges, seccomp, exec
 *
 * Init builds the root before its run's order arrives, so the supervisor prepares the run
 * (cgroup, /box) meanwhile. A reusable box (sandbox/box.py) keeps the keeper and init across
 * runs: init says N (ready) on the control socket, takes each run's order and fds from the
 * order socket, resets the box (a new ipc namespace; fresh /tmp, /dev/shm and the run's /box;
 * pid numbering from the start), forks the program as above, and when it ends kills and reaps
 * every other process before it reports X.
 *
 * Server protocol (SOCK_SEQPACKET, one message per datagram): a plan (records, see decode())
 * with its fds (SCM_RIGHTS) -> the keeper's pid as text, or "E<error>"; "relay <limit>" with
 * three fds (a program's stdout pipe, the caller's fd, a report pipe) -> the relay's pid (see
 * relay()); "reap <pid>" -> wait for that keeper or relay (no answer); "own <slot>\n<dir>..."
 * with the slot lock's fd, and "disown <slot>": the slots the supervisor holds (see own()).
 * "bye" or EOF ends the server; its keepers and relays die with it (parent-death signal), and
 * with them every box. After EOF without "bye" (the supervisor died) a child of the server
 * removes the owned slots' box cgroups, then lets the slots go (sweep_owned()).
 *
 * Messages to the supervisor travel on two pipes, as lines. The setup pipe (close-on-exec):
 * "E<stage>: <error>" when a step fails before exec (the run is SE, never the program's fault),
 * "T<monotonic ns> <cpu ns>" once seccomp is loaded, just before exec (the CPU time the
 * program's process spent in the box cgroup until then, which the supervisor subtracts). The
 * result pipe: "P<pid>" (init's pid, from the keeper), "X<wait status> <monotonic ns>" when the
 * program has ended (from init).
 * Every path of a child ends in _exit or exec.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

#define MAX_MESSAGE (1 << 20)
#define MAX_FDS 16
#define MAX_ITEMS 4096
#define STALE_WAIT_NS 200000000LL /* how long init waits for an earlier run's sockets to go */
#define RO (MS_RDONLY | MS_NOSUID | MS_NODEV)
#define TMPFS (MS_NOSUID | MS_NODEV)

/* ---------------------------------------------------------------------------- the plan */

struct bind { const char *source, *target; int writable, is_dir, tree_fd; };
struct link { const char *target, *text; };
struct file { const char *name; const char *data; uint32_t size; };
struct mask { const char *path; const char *data; uint32_t size; int is_dir; };
struct rlim { uint64_t resource, soft, hard; };

struct plan {
    char *argv[MAX_ITEMS + 1]; int argc;
    char *envp[MAX_ITEMS + 1]; int envc;
    struct rlim rlimits[32]; int nrlimits;
    uint32_t uid, gid, last_cap;
    struct sock_fprog seccomp; /* the box's filter: init loads it, every program inherits it */
    struct sock_fprog seccomp_last; /* the program's last filter (see sandbox/seccomp.py) */
    /* fds: box_mount, stdin, stdout_w, stderr_w, setup_w, result_w, control (-1: none) */
    int box_fd, stdin_fd, stdout_w, stderr_w, setup_w, result_w, control_fd;
    int cgroup_fds[MAX_FDS]; int ncgroup;
    int born_in_cgroup;
    int reusable; /* init serves runs until the supervisor closes the box (else: one run) */
    int net_fd; /* a fresh network namespace the server made ahead, loopback up (-1: none) */
    const char *base, *hostname;
    const char *share; /* v1: the box's cpu cgroup, made and joined by the keeper (NULL: none) */
    struct bind binds[256]; int nbinds;
    struct link links[256]; int nlinks;
    struct file files[16]; int nfiles;
    struct mask masks[64]; int nmasks;
    uint64_t tmp_kib;
};

#define PLAN_RECORDS "aerisSfRhblFmc"
#define ORDER_RECORDS "aert"

static int under(const char *path, const char *dir) {
    size_t n = strlen(dir);
    return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == 0);
}

/* No bind target and no other link may lie at or under a symlink the plan makes: making its
 * mount point or its parent directories would follow the link, maybe out of the new root. */
static int links_clear_of_binds(const struct plan *p) {
    for (int j = 0; j < p->nlinks; j++) {
        for (int i = 0; i < p->nbinds; i++)
            if (under(p->binds[i].target, p->links[j].target)) return -1;
        for (int i = 0; i < p->nlinks; i++)
            if (i != j && under(p->links[i].target, p->links[j].target)) return -1;
    }
    return 0;
}

/* Decode a plan: records of (tag byte, u32 little-endian length, payload); strings are
 * NUL-terminated inside their payload. Fd fields hold indices into `fds` (the fds that came
 * with the message), -1 for none. Returns 0, or -1 on a malformed plan. Pointers point into
 * `buf`, which must outlive the plan. */
static int decode(char *buf, size_t len, const int *fds, int nfds, struct plan *p,
                  const char *kinds) {
    size_t at = 0;
    unsigned seen = 0; /* which of i, s, f, R, t, S came */
    while (at < len) {
        if (len - at < 5) return -1;
        char tag = buf[at];
        uint32_t n;
        memcpy(&n, buf + at + 1, 4);
        at += 5;
        if (n > len - at) return -1;
        char *v = buf + at;
        at += n;
        if (!strchr(kinds, tag) || !tag) return -1;
        const char *once = strchr("isfRtS", tag);
        if (once) {
            if (seen & (1u << (once - "isfRtS"))) return -1;
            seen |= 1u << (once - "isfRtS");
        }
        int str = n > 0 && strnlen(v, n) == n - 1; /* one NUL-terminated string, exactly */
        switch (tag) {
        case 'a': if (!str || p->argc >= MAX_ITEMS) return -1; p->argv[p->argc++] = v; break;
        case 'e': if (!str || p->envc >= MAX_ITEMS) return -1; p->envp[p->envc++] = v; break;
        case 'r':
            if (n != 24 || p->nrlimits >= 32) return -1;
            memcpy(&p->rlimits[p->nrlimits++], v, 24);
            break;
        case 'i': { /* uid, gid, last_cap, born_in_cgroup, reusable */
            uint32_t w[5];
            if (n != 20) return -1;
            memcpy(w, v, 20);
            p->uid = w[0]; p->gid = w[1]; p->last_cap = w[2]; p->born_in_cgroup = w[3] != 0;
            p->reusable = w[4] != 0;
            break;
        }
        case 's': case 'S': {
            struct sock_fprog *f = tag == 's' ? &p->seccomp : &p->seccomp_last;
            if (f->len || n == 0 || n % sizeof(struct sock_filter)
                || n / sizeof(struct sock_filter) > 0xffff)
                return -1;
            f->len = n / sizeof(struct sock_filter);
            f->filter = malloc(n); /* records are not aligned: copied */
            if (!f->filter) return -1;
            memcpy(f->filter, v, n);
            break;
        }
        case 'f': { /* the 7 fd fields, then the cgroup fds: indices into fds */
            int32_t idx[7 + MAX_FDS];
            if (n % 4 || n < 28 || n > sizeof idx) return -1;
            memcpy(idx, v, n);
            int resolved[7 + MAX_FDS];
            for (unsigned i = 0; i < n / 4; i++) {
                if (idx[i] >= nfds || idx[i] < -1) return -1;
                for (unsigned j = 0; j < i; j++) /* each fd in one role only */
                    if (idx[i] >= 0 && idx[j] == idx[i]) return -1;
                resolved[i] = idx[i] < 0 ? -1 : fds[idx[i]];
            }
            p->box_fd = resolved[0]; p->stdin_fd = resolved[1]; p->stdout_w = resolved[2];
            p->stderr_w = resolved[3]; p->setup_w = resolved[4]; p->result_w = resolved[5];
            p->control_fd = resolved[6];
            p->ncgroup = 0;
            for (unsigned i = 7; i < n / 4; i++)
                if (resolved[i] >= 0) p->cgroup_fds[p->ncgroup++] = resolved[i];
            break;
        }
        case 'R': if (!str) return -1; p->base = v; break;
        case 'c': if (!str || v[0] != '/' || p->share) return -1; p->share = v; break;
        case 'h': if (!str) return -1; p->hostname = v; break;
        case 't': /* 0 would be a tmpfs without a size limit */
            if (n != 8) return -1;
            memcpy(&p->tmp_kib, v, 8);
            if (p->tmp_kib == 0) return -1;
            break;
        case 'b': { /* writable, is_dir, source\0, target\0 */
            if (n < 4 || p->nbinds >= 256) return -1;
            const char *src = v + 2, *end = v + n;
            const char *dst = memchr(src, 0, end - src);
            if (!dst) return -1;
            dst++;
            if (!memchr(dst, 0, end - dst)) return -1;
            p->binds[p->nbinds++] = (struct bind){src, dst, v[0] != 0, v[1] != 0, -1};
            break;
        }
        case 'l': { /* target\0, text\0 */
            const char *end = v + n, *text = memchr(v, 0, n);
            if (!text || p->nlinks >= 256) return -1;
            text++;
            if (!memchr(text, 0, end - text)) return -1;
            p->links[p->nlinks++] = (struct link){v, text};
            break;
        }
        case 'm': { /* is_dir, path under /proc\0, content */
            if (n < 3 || p->nmasks >= 64) return -1;
            const char *path = v + 1, *data = memchr(path, 0, n - 1);
            if (!data || data == path || strstr(path, "..") || path[0] == '/') return -1;
            data++;
            p->masks[p->nmasks++] = (struct mask){path, data, (uint32_t)(v + n - data),
                                                  v[0] != 0};
            break;
        }
        case 'F': { /* name\0, data */
            const char *data = memchr(v, 0, n);
            if (!data || p->nfiles >= 16) return -1;
            data++;
            p->files[p->nfiles++] = (struct file){v, data, (uint32_t)(v + n - data)};
            break;
        }
        default: return -1;
        }
    }
    p->argv[p->argc] = NULL;
    p->envp[p->envc] = NULL;
    /* A plan must say who runs (never root), what is allowed, which fds, where the root is;
     * an order, what runs and its /tmp size. */
    if (strchr(kinds, 'i')) { /* i, s, f, R and S */
        if ((seen & 0x2f) != 0x2f || p->uid == 0 || p->gid == 0) return -1;
        return links_clear_of_binds(p);
    }
    return p->argc > 0 && (seen & 0x10) ? 0 : -1;
}

static void plan_init(struct plan *p) {
    memset(p, 0, sizeof *p);
    p->box_fd = p->stdin_fd = p->stdout_w = p->stderr_w = p->setup_w = p->result_w = -1;
    p->control_fd = -1;
    p->net_fd = -1;
    p->hostname = "box";
}

/* ---------------------------------------------------------------------------- helpers */

static long long now_ns(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void write_all(int fd, const char *s, size_t n) {
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        s += w; n -= w;
    }
}

static void say(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(int fd, const char *fmt, ...) {
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= sizeof line) n = sizeof line - 1;
    write_all(fd, line, n);
}

/* Report a setup failure to the supervisor and end this process. */
static void __attribute__((noreturn)) fail(const struct plan *p, const char *stage,
                                           const char *what) {
    int err = errno;
    say(p->setup_w, "E%s: %s: [Errno %d] %s\n", stage, what, err, strerror(err));
    _exit(127);
}

#define CHECK(call, plan, stage, what) do { if ((call) < 0) fail(plan, stage, what); } while (0)

static int cmp_int(const void *a, const void *b) {
    return *(const int *)a - *(const int *)b;
}

static int close_span(unsigned low, unsigned high) {
    if (syscall(SYS_close_range, low, high, 0) == 0) return 0;
    if (errno != ENOSYS) return -1;
    struct rlimit rl; /* a kernel before 5.9: one by one, up to the fd limit */
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) return -1;
    for (unsigned fd = low; fd <= high && fd < rl.rlim_cur; fd++) close(fd);
    return 0;
}

/* Close every fd but `keep` (n of them): the judge's own fds must not live on in a box. */
static int close_other_fds(int *keep, int n) {
    qsort(keep, n, sizeof *keep, cmp_int);
    unsigned low = 0;
    for (int i = 0; i < n; i++) {
        if (keep[i] < 0 || (unsigned)keep[i] < low) continue;
        if ((unsigned)keep[i] > low && close_span(low, keep[i] - 1) < 0) return -1;
        low = keep[i] + 1;
    }
    return close_span(low, ~0U);
}

static void close_fd(int *fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

/* mkdir -p (mode 0755), as os.makedirs(path, exist_ok=True) does. */
static int make_dirs(const char *path) {
    char buf[4096];
    if (strlen(path) >= sizeof buf) { errno = ENAMETOOLONG; return -1; }
    strcpy(buf, path);
    for (char *s = buf + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
        *s = '/';
    }
    if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
    return 0;
}

static int make_parent(const char *path) {
    char buf[4096];
    if (strlen(path) >= sizeof buf) { errno = ENAMETOOLONG; return -1; }
    strcpy(buf, path);
    char *slash = strrchr(buf, '/');
    if (!slash || slash == buf) return 0;
    *slash = 0;
    return make_dirs(buf);
}

/* ---------------------------------------------------------------------------- mounts */

/* Bind `source` on `target` and remount it at once with `flags` (isolate's discipline:
 * read-only before anything else can be made in it). */
static int bind_mount(const char *source, const char *target, int is_dir, unsigned long flags) {
    if (is_dir) {
        if (make_dirs(target) < 0) return -1;
    } else {
        if (make_parent(target) < 0) return -1;
        int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) return -1;
        close(fd);
    }
    if (mount(source, target, NULL, MS_BIND, NULL) < 0) return -1;
    return mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | flags, NULL);
}

/* A box's writable tmpfs, with large folios where the file reaches (huge=within_size: fewer
 * pages to allocate, charge and map; a file written to /tmp costs less, and no page is charged
 * beyond what the files hold). A kernel without transparent huge pages refuses the option
 * (EINVAL): the mount is made without it (and, in this process, from then on). */
static int tmpfs_mount(const char *target, uint64_t kib, const char *mode, unsigned long flags) {
    static int huge = 1;
    char data[128];
    for (;; huge = 0) {
        snprintf(data, sizeof data, "size=%lluk,nr_inodes=16384,mode=%s%s",
                 (unsigned long long)kib, mode, huge ? ",huge=within_size" : "");
        if (mount("tmpfs", target, "tmpfs", flags, data) == 0) return 0;
        if (!huge || errno != EINVAL) return -1;
    }
}

static int attach_mount(int mount_fd, const char *target) {
    return syscall(SYS_move_mount, mount_fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH);
}

/* Binds into /box or /tmp wait until those tmpfs are mounted. */
static int late(const char *target) {
    return !strncmp(target, "/box/", 5) || !strncmp(target, "/tmp/", 5);
}

static const char *in_root(const struct plan *p, const char *path, char *buf) {
    if (snprintf(buf, 4096, "%s%s", p->base, path) >= 4096) {
        errno = ENAMETOOLONG;
        fail(p, "root", path);
    }
    return buf;
}

/* The template's binds, at once; the binds into /box or /tmp (whose tmpfs come with the run's
 * order, after pivot_root, when host paths are out of reach) as detached copies for later. */
static int bind_all(struct plan *p) {
    char buf[4096];
    for (int i = 0; i < p->nbinds; i++) {
        struct bind *b = &p->binds[i];
        if (late(b->target)) {
            b->tree_fd = syscall(SYS_open_tree, AT_FDCWD, b->source, OPEN_TREE_CLONE | O_CLOEXEC);
            if (b->tree_fd < 0) return -1;
        } else if (bind_mount(b->source, in_root(p, b->target, buf), b->is_dir,
                              b->writable ? TMPFS : RO) < 0) {
            return -1;
        }
    }
    return 0;
}

/* The binds into /box or /tmp, once the run's tmpfs are there (in the pivoted root): attach
 * each detached copy and remount it at once with its flags. */
static int attach_late_binds(struct plan *p) {
    for (int i = 0; i < p->nbinds; i++) {
        struct bind *b = &p->binds[i];
        if (b->tree_fd < 0) continue;
        if (b->is_dir) {
            if (make_dirs(b->target) < 0) return -1;
        } else {
            if (make_parent(b->target) < 0) return -1;
            int fd = open(b->target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
            if (fd < 0) return -1;
            close(fd);
        }
        if (attach_mount(b->tree_fd, b->target) < 0) return -1;
        if (mount(NULL, b->target, NULL, MS_BIND | MS_REMOUNT | (b->writable ? TMPFS : RO),
                  NULL) < 0)
            return -1;
        close_fd(&b->tree_fd);
    }
    return 0;
}

static int mount_dev(const struct plan *p) {
    static const char *devices[] = {"null", "zero", "full", "random", "urandom"};
    static const char *links[][2] = {{"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"},
                                     {"stdout", "/proc/self/fd/1"},
                                     {"stderr", "/proc/self/fd/2"}};
    char buf[4096], source[64];
    if (mkdir(in_root(p, "/dev", buf), 0755) < 0) return -1;
    for (unsigned i = 0; i < sizeof devices / sizeof *devices; i++) {
        snprintf(source, sizeof source, "/dev/%s", devices[i]);
        if (bind_mount(source, in_root(p, source, buf), 0, MS_RDONLY | MS_NOSUID | MS_NOEXEC) < 0)
            return -1;
    }
    for (unsigned i = 0; i < sizeof links / sizeof *links; i++) {
        snprintf(source, sizeof source, "/dev/%s", links[i][0]);
        if (symlink(links[i][1], in_root(p, source, buf)) < 0) return -1;
    }
    return mkdir(in_root(p, "/dev/shm", buf), 0755);
}

static int write_file(const char *path, const char *data, size_t size) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    while (size) {
        ssize_t w = write(fd, data, size);
        if (w < 0) { close(fd); return -1; }
        data += w; size -= w;
    }
    return close(fd);
}

static int last_pid_fd = -1; /* a reusable box's init: /proc/sys/kernel/ns_last_pid */

/* Masks over the new /proc (the plan's, see sandbox/mounts.py): each an empty directory or a
 * file with the plan's content, from a small tmpfs of their own made read-only (superblock)
 * before they are bound, then detached: nothing of it is left but the binds, which no one in
 * the box can write. A path this kernel's /proc lacks is skipped. */
static void mask_proc(const struct plan *p) {
    const char *stage = "root";
    char source[4096], target[4096], item[4096 + 16];
    if (!p->nmasks) return;
    CHECK(mkdir(in_root(p, "/.masks", source), 0700), p, stage, "masks");
    CHECK(mount("tmpfs", source, "tmpfs", TMPFS | MS_NOEXEC, "size=256k,nr_inodes=128,mode=0555"),
          p, stage, "masks tmpfs");
    for (int i = 0; i < p->nmasks; i++) {
        snprintf(item, sizeof item, "%s/%d", source, i);
        if (p->masks[i].is_dir) CHECK(mkdir(item, 0555), p, stage, item);
        else CHECK(write_file(item, p->masks[i].data, p->masks[i].size), p, stage, item);
        if (!p->masks[i].is_dir) CHECK(chmod(item, 0444), p, stage, item);
    }
    CHECK(mount(NULL, source, NULL, MS_REMOUNT | MS_RDONLY | TMPFS | MS_NOEXEC, NULL), p, stage,
          "masks read-only");
    for (int i = 0; i < p->nmasks; i++) {
        struct stat st;
        if (snprintf(target, sizeof target, "%s/proc/%s", p->base, p->masks[i].path)
            >= (int)sizeof target || lstat(target, &st) < 0)
            continue; /* not in this kernel's /proc */
        snprintf(item, sizeof item, "%s/%d", source, i);
        CHECK(mount(item, target, NULL, MS_BIND, NULL), p, stage, target);
    }
    CHECK(umount2(source, MNT_DETACH), p, stage, "detach the masks tmpfs");
    CHECK(rmdir(source), p, stage, "masks");
}

/* The root, first part (before the run's order: what no run changes): every mount private; a
 * small tmpfs root; symlinks; the template's read-only binds; /dev; a new /proc with other
 * users' processes hidden; mount points for /box, /tmp and /dev/shm; /etc. */
static void build_root(struct plan *p) {
    const char *stage = "root";
    char buf[4096];
    CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), p, stage, "make mounts private");
    CHECK(mount("tmpfs", p->base, "tmpfs", TMPFS, "size=1m,nr_inodes=4096,mode=0755"),
          p, stage, "root tmpfs");
    for (int i = 0; i < p->nlinks; i++) {
        in_root(p, p->links[i].target, buf);
        CHECK(make_parent(buf), p, stage, buf);
        CHECK(symlink(p->links[i].text, buf), p, stage, buf);
    }
    CHECK(bind_all(p), p, stage, "bind the template's paths");
    CHECK(mount_dev(p), p, stage, "/dev");
    CHECK(mkdir(in_root(p, "/proc", buf), 0555), p, stage, "/proc");
    CHECK(mount("proc", buf, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=invisible"),
          p, stage, "/proc");
    /* sysctls read-only whoever the program is (it is never root; this is the second fence);
     * a reusable box's init keeps the one it writes before each run open */
    if (p->reusable)
        CHECK(last_pid_fd = open(in_root(p, "/proc/sys/kernel/ns_last_pid", buf),
                                 O_WRONLY | O_CLOEXEC), p, stage, "ns_last_pid");
    CHECK(bind_mount(in_root(p, "/proc/sys", buf), buf, 1, RO | MS_NOEXEC), p, stage,
          "/proc/sys");
    mask_proc(p);
    CHECK(mkdir(in_root(p, "/box", buf), 0755), p, stage, "/box");
    CHECK(mkdir(in_root(p, "/tmp", buf), 0755), p, stage, "/tmp");
    CHECK(make_dirs(in_root(p, "/etc", buf)), p, stage, "/etc");
    for (int i = 0; i < p->nfiles; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/etc/%s", p->base, p->files[i].name);
        CHECK(write_file(path, p->files[i].data, p->files[i].size), p, stage, path);
    }
}

/* Fresh /tmp and /dev/shm tmpfs of `kib` each (once pivoted: the paths are the box's). */
static int mount_tmp_dirs(uint64_t kib, const char **which) {
    *which = "/tmp";
    if (tmpfs_mount("/tmp", kib, "1777", TMPFS) < 0) return -1;
    *which = "/dev/shm";
    return tmpfs_mount("/dev/shm", kib, "1777", TMPFS | MS_NOEXEC);
}

/* The run's own directories, once pivoted: fresh /tmp and /dev/shm tmpfs and the run's /box
 * (the detached tmpfs the supervisor filled). */
static void mount_run_dirs(const struct plan *p, const char *stage) {
    const char *which;
    CHECK(mount_tmp_dirs(p->tmp_kib, &which), p, stage, which);
    CHECK(attach_mount(p->box_fd, "/box"), p, stage, "/box");
}

/* The root, last part: pivot_root into it, detach the old root, the root tmpfs read-only. */
static void pivot(const struct plan *p) {
    const char *stage = "root";
    CHECK(chdir(p->base), p, stage, "chdir to the new root");
    CHECK(syscall(SYS_pivot_root, ".", "."), p, stage, "pivot_root");
    CHECK(umount2(".", MNT_DETACH), p, stage, "detach the old root");
    CHECK(chdir("/"), p, stage, "chdir /");
    CHECK(mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | RO, NULL), p, stage, "root read-only");
}

/* ---------------------------------------------------------------------------- net, uts */

/* Bring `lo` up in the caller's network namespace (it starts down in a new one). */
static int loopback_up(void) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (s < 0) return -1;
    int ok = ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
    ifr.ifr_flags |= IFF_UP;
    ok = ok && ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
    close(s);
    return ok ? 0 : -1;
}

/* A network namespace made ahead by the server, for the next box: creating one is most of
 * the cost of a box's namespaces (0.4 of 0.5 ms here), and the server does it while the
 * supervisor prepares the run, off the box's path. Each is used by one box only. The server
 * enters it to make it (and bring its loopback up) and goes back to its own. */
static int spare_net = -1;

static void make_spare_net(void) {
    static int own_net = -1;
    if (spare_net >= 0) return;
    if (own_net < 0 && (own_net = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0) return;
    if (unshare(CLONE_NEWNET) < 0) return;
    if (loopback_up() == 0) spare_net = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (setns(own_net, CLONE_NEWNET) < 0) _exit(1); /* the supervisor starts a fresh server */
}

/* ---------------------------------------------------------------------------- the program */

/* Every signal at its default and none blocked: whatever the judge ignored or blocked (a
 * SIGHUP under nohup, SIGCHLD) must not reach init's reaping or the program. */
static void default_signals(void) {
    for (int sig = 1; sig < _NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL); /* 32, 33 fail: glibc's */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The signals the fork server ignores (see main()); its children, keeper and relay, take
 * them back at once, so that a box's processes get what they would have got. */
static const int QUIET[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM};

static void unquiet(void) {
    for (size_t i = 0; i < sizeof QUIET / sizeof QUIET[0]; i++) signal(QUIET[i], SIG_DFL);
}

/* Empty the capability bounding set (it needs CAP_SETPCAP): done once by init, for every
 * program of the box inherits it and no process can add to it again. Init itself keeps its
 * effective capabilities (the bounding set limits only what an execve or capset can gain, and
 * init never execs). */
static int drop_bounding_set(const struct plan *p) {
    for (uint32_t cap = 0; cap <= p->last_cap; cap++)
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) return -1;
    return 0;
}

/* Drop every capability (the bounding set is already empty: init's, inherited), ambient and
 * inheritable; no supplementary groups; the box's uid/gid (setresuid to a non-zero uid then
 * clears the permitted and effective sets); no_new_privs. */
static int drop_privileges(const struct plan *p) {
    if (p->uid == 0 || p->gid == 0) { /* decode refuses it too: never run a program as root */
        errno = EPERM;
        return -1;
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) return -1;
    struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &head, data) < 0) return -1;
    data[0].inheritable = data[1].inheritable = 0;
    if (syscall(SYS_capset, &head, data) < 0) return -1;
    if (setgroups(0, NULL) < 0) return -1;
    if (setresgid(p->gid, p->gid, p->gid) < 0) return -1;
    if (setresuid(p->uid, p->uid, p->uid) < 0) return -1;
    if (syscall(SYS_capget, &head, data) < 0) return -1;
    if (data[0].permitted | data[1].permitted | data[0].effective | data[1].effective
        | data[0].inheritable | data[1].inheritable) { /* cannot be: refuse to go on */
        errno = EPERM;
        return -1;
    }
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/* execvpe, but PATH from the program's own environment (as Python's os.execvpe): the
 * judge's PATH means nothing in the box. The first error other than "not there" is kept. */
static void exec_program(const struct plan *p) {
    const char *file = p->argv[0];
    if (strchr(file, '/')) {
        execve(file, p->argv, p->envp);
        return;
    }
    const char *path = "/bin:/usr/bin";
    for (int i = 0; i < p->envc; i++)
        if (!strncmp(p->envp[i], "PATH=", 5)) path = p->envp[i] + 5;
    int saved = 0;
    for (const char *dir = path;; ) {
        const char *end = strchrnul(dir, ':');
        char full[4096];
        int n = end == dir ? snprintf(full, sizeof full, "%s", file)
                           : snprintf(full, sizeof full, "%.*s/%s", (int)(end - dir), dir, file);
        if (n > 0 && (size_t)n < sizeof full) {
            execve(full, p->argv, p->envp);
            if (errno != ENOENT && errno != ENOTDIR && !saved) saved = errno;
        }
        if (!*end) break;
        dir = end + 1;
    }
    if (saved) errno = saved;
}

/* The program's process: the last steps in setup order, then exec. On v1 it joins the box
 * cgroup as late as it can (pages and CPU time count where a process is at the time); on v2
 * it was born there. It reports the CPU time it spent in the cgroup before exec. */
static void __attribute__((noreturn)) program(struct plan *p) {
    /* Every signal at its default and none blocked: init's are the server's (all default, none
     * blocked: main) but for its SIGUSR1 handler (a reusable box's: kill the run), which must
     * not run here before exec. (Resetting all 62 cost 50 us a run.) */
    signal(SIGUSR1, SIG_DFL);
    CHECK(setsid(), p, "signals", "setsid"); /* a session of its own, not init's */
    for (int i = 0; i < p->nrlimits; i++) {
        struct rlimit rl = {p->rlimits[i].soft, p->rlimits[i].hard};
        CHECK(setrlimit(p->rlimits[i].resource, &rl), p, "rlimits", "setrlimit");
    }
    long long joined = 0;
    if (!p->born_in_cgroup) {
        for (int i = 0; i < p->ncgroup; i++) /* "0": the writer itself (one thread) moves */
            CHECK(write(p->cgroup_fds[i], "0", 1), p, "cgroup", "join the box cgroup");
        joined = now_ns(CLOCK_THREAD_CPUTIME_ID);
    }
    CHECK(unshare(CLONE_NEWCGROUP), p, "cgroup", "cgroup namespace");
    CHECK(dup2(p->stdin_fd, 0), p, "fds", "stdin");
    CHECK(dup2(p->stdout_w, 1), p, "fds", "stdout");
    CHECK(dup2(p->stderr_w, 2), p, "fds", "stderr");
    int keep[] = {0, 1, 2, p->setup_w};
    CHECK(close_other_fds(keep, 4), p, "fds", "close the other fds");
    CHECK(chdir("/box"), p, "fds", "chdir /box");
    umask(022);
    CHECK(drop_privileges(p), p, "privileges", "drop privileges");
    /* The box's filter is init's, inherited; this one refuses what it allowed for set-up
     * (sandbox/seccomp.py): from here on, the policy. */
    CHECK(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p->seccomp_last, 0, 0), p, "seccomp",
          "load the filter");
    /* The program's clocks start here: loading the filter (the kernel runs it once for every
     * syscall number to build its cache) is the judge's work, not the program's. */
    long long spent = now_ns(CLOCK_THREAD_CPUTIME_ID) - joined;
    say(p->setup_w, "T%lld %lld\n", now_ns(CLOCK_MONOTONIC), spent);
    exec_program(p);
    fail(p, "exec", p->argv[0]);
}

/* The program's start, in a child of init that shares init's memory until it execs (v1). */
struct start { struct plan *plan; int orders; };
static char program_stack[256 * 1024] __attribute__((aligned(64)));

static int program_start(void *arg) {
    struct start *s = arg;
    if (s->orders >= 0) close(s->orders);
    program(s->plan);
}

/* Start the run's program. On v1, as posix_spawn does: a child that shares init's memory (no
 * copy of init's page tables) and runs at once on a stack of its own while init waits until
 * it has exec'd or failed (CLONE_VFORK). Until exec it writes nothing of init's but its
 * stack: every step of program() acts on the child's own task (credentials, rlimits, signal
 * handlers, fds, seccomp, namespaces are not shared: no CLONE_THREAD, CLONE_SIGHAND,
 * CLONE_FILES or CLONE_FS). On v2, clone3 with the child born in the box cgroup (no migration,
 * which takes the global threadgroup lock and waits for an RCU grace period after the
 * machine was idle); the child returns here. */
static pid_t start_program(struct plan *p, int orders) {
    if (!p->born_in_cgroup) {
        struct start s = {p, orders};
        return clone(program_start, program_stack + sizeof program_stack,
                     CLONE_VM | CLONE_VFORK | SIGCHLD, &s);
    }
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = p->cgroup_fds[0];
    pid_t pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0) {
        if (orders >= 0) close(orders);
        program(p);
    }
    return pid;
}

/* ---------------------------------------------------------------------------- init */

/* PID 1's copies of the run's fds, once the program has its own. */
static void close_run_fds(struct plan *p) {
    close_fd(&p->setup_w); close_fd(&p->stdout_w); close_fd(&p->stderr_w);
    close_fd(&p->stdin_fd); close_fd(&p->box_fd);
    for (int i = 0; i < p->ncgroup; i++) close_fd(&p->cgroup_fds[i]);
    p->ncgroup = 0;
}

/* Reap every process until `pid` ends: its wait status; *end the monotonic time. */
static int wait_for(pid_t pid, long long *end) {
    for (;;) {
        int status;
        pid_t reaped = waitpid(-1, &status, 0);
        if (reaped == pid) {
            *end = now_ns(CLOCK_MONOTONIC);
            return status;
        }
        if (reaped < 0 && errno != EINTR) _exit(1); /* no child at all: cannot be */
    }
}

static void kill_run(int sig) {
    (void)sig;
    int saved = errno; /* a signal handler: the interrupted code may be about to read errno */
    kill(-1, SIGKILL); /* every process of the box's pid namespace but init */
    errno = saved;
}

static void reap_all(void) {
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {}
}

/* Detach the box's /tmp and /dev/shm, and its /box too with `box`. Paths resolve in the box's
 * read-only root, where no program can make or mount anything. */
static int unmount_run_dirs(int box) {
    static const char *targets[] = {"/tmp", "/dev/shm", "/box"};
    for (int i = 0; i < 2 + box; i++)
        if (umount2(targets[i], MNT_DETACH) < 0 && errno != EINVAL) return -1;
    return 0;
}

/* A reusable box, after a run (no process of it left): detach its /tmp, /dev/shm and /box,
 * and leave its ipc namespace for a new one (its SysV objects and POSIX queues die with it). */
static int clear_run(void) {
    if (unmount_run_dirs(1) < 0) return -1;
    return unshare(CLONE_NEWIPC);
}

/* The next run's fresh /tmp and /dev/shm, made once the last run is cleared, before the next
 * order (off its path: 40 to 50 us a run), sized as the last run's were: `kib`. Returns the
 * size made, 0 for none (the first run, whose size is not known yet; or a mount that failed:
 * the run makes its own, and says why if it fails again). No process of the box but init
 * lives until the next program starts, so nothing can write into them meanwhile. */
static uint64_t fresh_tmp_dirs(uint64_t kib) {
    const char *which;
    if (kib == 0) return 0;
    if (mount_tmp_dirs(kib, &which) == 0) return kib;
    unmount_run_dirs(0);
    return 0;
}

/* The run's /tmp and /dev/shm (`ready`: the size of those made ahead, 0: none), its /box, and
 * pid numbering from the start (the program is PID 2, as in a fresh box, whatever the last
 * run forked). */
static void renew(const struct plan *p, uint64_t ready) {
    const char *which;
    if (ready != p->tmp_kib) { /* none made ahead, or for another size */
        CHECK(unmount_run_dirs(0), p, "run-root", "/tmp");
        CHECK(mount_tmp_dirs(p->tmp_kib, &which), p, "run-root", which);
    }
    CHECK(attach_mount(p->box_fd, "/box"), p, "run-root", "/box");
    CHECK(pwrite(last_pid_fd, "1", 1, 0), p, "run-root", "ns_last_pid");
}

/* Whether the box's network namespace holds no unix socket at all (the box's own sockets
 * were all made outside it; an earlier run's socket may live on through an fd in flight
 * until the kernel's collector frees it): waits a moment for the collector. The list is read
 * through a file kept open (a seq file: made anew on each read from its start): 24 us a run
 * instead of 45 when opened each time. */
static int no_stale_sockets(void) {
    static int fd = -1;
    long long deadline = now_ns(CLOCK_MONOTONIC) + STALE_WAIT_NS;
    if (fd < 0 && (fd = open("/proc/net/unix", O_RDONLY | O_CLOEXEC)) < 0) return 0;
    for (;;) {
        char data[4096];
        ssize_t n = pread(fd, data, sizeof data, 0);
        if (n < 0) return 0;
        int lines = 0;
        for (ssize_t i = 0; i < n; i++) lines += data[i] == '\n';
        if (lines <= 1) return 1; /* the header line only */
        if (now_ns(CLOCK_MONOTONIC) > deadline) return 0;
        usleep(1000);
    }
}

static ssize_t recv_with_fds(int sock, char *buf, size_t size, int *fds, int *nfds) {
    union { char raw[CMSG_SPACE(sizeof(int) * MAX_FDS)]; struct cmsghdr align; } control;
    struct iovec iov = {buf, size};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.raw,
                         .msg_controllen = sizeof control.raw};
    ssize_t n;
    do n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
    *nfds = 0;
    if (n < 0) return n;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (int i = 0; i < count; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            if (*nfds < MAX_FDS) fds[(*nfds)++] = fd; else close(fd);
        }
    }
    if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
        for (int i = 0; i < *nfds; i++) close(fds[i]);
        *nfds = 0;
        errno = EMSGSIZE;
        return -1;
    }
    return n;
}

static int send_text(int sock, const char *s) {
    return send(sock, s, strlen(s), MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* A reusable box's init, its root built: take the order socket (the supervisor made the pair,
 * so no socket of the box's own is ever init's), say R (ready). */
static int box_ready(struct plan *box) {
    char message[16];
    int fds[MAX_FDS], nfds;
    ssize_t n = recv_with_fds(box->control_fd, message, sizeof message, fds, &nfds);
    if (n != 1 || message[0] != 'O' || nfds != 1) {
        errno = EPROTO;
        fail(box, "root", "no order socket from the supervisor");
    }
    CHECK(send_text(box->control_fd, "R"), box, "root", "say ready");
    close_fd(&box->setup_w);
    close_fd(&box->result_w);
    return fds[0];
}

/* Take one run's order and its fds (box mount, stdin, stdout, stderr, setup and result pipes,
 * then the cgroup fds) from `orders` into `run`, a copy of the box's plan. Returns 0, or -1 when
 * the supervisor closed the socket (or it failed). */
static int take_order(const struct plan *box, int orders, struct plan *run) {
    static char buf[MAX_MESSAGE];
    int fds[MAX_FDS], nfds;
    ssize_t n = recv_with_fds(orders, buf, sizeof buf, fds, &nfds);
    if (n <= 0) return -1;
    *run = *box;
    run->argc = run->envc = run->nrlimits = 0;
    run->control_fd = -1;
    if (nfds < 6) {
        for (int i = 0; i < nfds; i++) close(fds[i]);
        errno = EPROTO;
        fail(box, "run-root", "an order without its fds");
    }
    run->box_fd = fds[0]; run->stdin_fd = fds[1]; run->stdout_w = fds[2];
    run->stderr_w = fds[3]; run->setup_w = fds[4]; run->result_w = fds[5];
    run->ncgroup = 0;
    for (int i = 6; i < nfds; i++) run->cgroup_fds[run->ncgroup++] = fds[i];
    if (decode(buf, n, fds, nfds, run, ORDER_RECORDS) < 0) {
        errno = EPROTO;
        fail(run, "run-root", "a malformed order");
    }
    return 0;
}

/* Fork the run's program; as PID 1, reap every process until it ends, kill and reap every
 * other process of the box's pid namespace (orphans come to PID 1, so none is left at all),
 * then report X. */
static void run_program(struct plan *run, int orders) {
    pid_t pid = start_program(run, orders);
    if (pid < 0) fail(run, "run-root", "fork");
    close_run_fds(run);
    long long end;
    int status = wait_for(pid, &end);
    kill_run(0);
    reap_all();
    say(run->result_w, "X%d %lld\n", status, end);
    close_fd(&run->result_w);
}

/* A reusable box's init: one run after another, each on a reset box. Before each: check that
 * nothing of the last run lives on in the box's network namespace (a box that holds a unix
 * socket says B and ends: the supervisor opens a fresh one), say N, take the order and its
 * fds, reset the box, run the program. SIGUSR1 from the supervisor (a limit passed) kills
 * every process of the run at once. Any failure ends init; the supervisor opens a fresh box. */
static void __attribute__((noreturn)) serve_runs(struct plan *box, int orders) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = kill_run;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    uint64_t ready = 0; /* the size of the fresh /tmp and /dev/shm made ahead (0: none) */
    for (;;) {
        if (!no_stale_sockets()) {
            send_text(box->control_fd, "B");
            _exit(0);
        }
        if (send_text(box->control_fd, "N") < 0) _exit(1);
        struct plan run;
        if (take_order(box, orders, &run) < 0) _exit(0); /* the supervisor closed the box */
        renew(&run, ready);
        run_program(&run, orders);
        /* off the next run's path: the supervisor reads the result meanwhile */
        if (clear_run() < 0) _exit(1);
        ready = fresh_tmp_dirs(run.tmp_kib);
    }
}

/* PID 1 of the box: build the root (its first part before the order arrives, so the
 * supervisor prepares the run meanwhile), then run the program once, or serve runs. */
static void __attribute__((noreturn)) init(struct plan *p, int lifeline) {
    CHECK(prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0), p, "root", "parent-death signal");
    CHECK(drop_bounding_set(p), p, "root", "empty the capability bounding set");
    /* The keeper may have died before the line above took effect (getppid() cannot tell: the
     * keeper is outside this pid namespace); its end of the lifeline would be closed. */
    struct pollfd pfd = {lifeline, POLLIN, 0};
    if (poll(&pfd, 1, 0) != 0) _exit(1);
    close(lifeline);
    build_root(p);
    if (p->net_fd < 0) CHECK(loopback_up(), p, "root", "loopback up");
    CHECK(sethostname(p->hostname, strlen(p->hostname)), p, "root", "hostname");
    pivot(p);
    /* The box's filter (sandbox/seccomp.py), prepared here once for the box's every program,
     * which inherit it: from here on init too makes only the calls it allows. */
    CHECK(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p->seccomp, 0, 0), p, "root",
          "load the box's seccomp filter");
    if (p->reusable) serve_runs(p, box_ready(p));
    struct plan run;
    if (take_order(p, p->control_fd, &run) < 0) _exit(1); /* the supervisor is gone */
    close_fd(&p->setup_w);
    close_fd(&p->result_w);
    close_fd(&p->control_fd);
    mount_run_dirs(&run, "root");
    CHECK(attach_late_binds(&run), &run, "root", "bind into /box or /tmp");
    run_program(&run, -1);
    _exit(0);
}

/* ---------------------------------------------------------------------------- keeper */

/* The box's cgroup for its whole life (v1, cpu mounted apart from the per-run controllers):
 * its slot's cpu cgroup (made here if not there, kept between boxes): one cpu weight for all
 * of the box, whatever sessions (and so autogroups) its processes make, so one box cannot take
 * another's share of the CPU. Init and every program inherit it; the per-run cgroups (the
 * CPU's cpuset among them, when the run is pinned) are joined per run by the program. Writing
 * "0" to v1's tasks moves the keeper alone, single-threaded, without the global lock
 * cgroup.procs takes. */
static void join_share(const struct plan *p) {
    char tasks[4096];
    if (!p->share) return;
    if (mkdir(p->share, 0755) < 0 && errno != EEXIST) fail(p, "namespaces", p->share);
    if (snprintf(tasks, sizeof tasks, "%s/tasks", p->share) >= (int)sizeof tasks) {
        errno = ENAMETOOLONG;
        fail(p, "namespaces", p->share);
    }
    int fd = open(tasks, O_WRONLY | O_CLOEXEC);
    CHECK(fd, p, "namespaces", tasks);
    CHECK(write(fd, "0", 1), p, "namespaces", tasks);
    close(fd);
}

/* The fork server's child: a new session, new namespaces, then fork init and wait for it. */
static void __attribute__((noreturn)) keeper(struct plan *p) {
    unquiet();
    /* The judge's stdin, stdout and stderr (a terminal, a log) are not the box's business. */
    int null = open("/dev/null", O_RDWR);
    CHECK(null, p, "namespaces", "/dev/null");
    for (int fd = 0; fd < 3; fd++)
        if (null != fd) CHECK(dup2(null, fd), p, "namespaces", "stdio to /dev/null");
    if (null > 2) close(null);
    int keep[11 + MAX_FDS] = {0, 1, 2, p->box_fd, p->stdin_fd, p->stdout_w, p->stderr_w,
                              p->setup_w, p->result_w, p->control_fd, p->net_fd};
    int n = 11;
    for (int i = 0; i < p->ncgroup; i++) keep[n++] = p->cgroup_fds[i];
    CHECK(close_other_fds(keep, n), p, "namespaces", "close the judge's fds");
    /* A session keyring of the box's own: the judge's is not possessed in the box (keyctl is
     * denied to the program anyway, but /proc/keys would list the judge's keys). */
    syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL);
    setsid(); /* out of the caller's terminal: its Ctrl-C reaches only the supervisor */
    join_share(p);
    /* The OOM killer's first choice, whatever the judge's own score, for the keeper and all it
     * forks (init, every program: the score is inherited): a judge started with -1000 (a
     * service manager's or container runtime's protection) would hand that on, and the box
     * cgroup's OOM killer, finding nothing it may kill, leaves the program retrying its page
     * fault until the CPU limit (a TLE for an MLE). Raising needs no privilege. Once a box, not
     * once a run. */
    CHECK(write_file("/proc/self/oom_score_adj", "1000", 4), p, "namespaces", "oom_score_adj");
    CHECK(prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0), p, "namespaces", "parent-death signal");
    int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
    if (p->net_fd >= 0) {
        CHECK(setns(p->net_fd, CLONE_NEWNET), p, "namespaces", "enter the network namespace");
        close_fd(&p->net_fd);
    } else {
        flags |= CLONE_NEWNET;
    }
    CHECK(unshare(flags), p, "namespaces", "unshare");
    int lifeline[2];
    CHECK(pipe2(lifeline, O_CLOEXEC), p, "namespaces", "pipe");
    pid_t pid = fork();
    if (pid < 0) fail(p, "namespaces", "fork init");
    if (pid == 0) {
        close(lifeline[1]);
        init(p, lifeline[0]);
    }
    say(p->result_w, "P%d\n", pid);
    close_fd(&p->result_w); close_fd(&p->setup_w); close_fd(&p->stdout_w);
    close_fd(&p->stderr_w); close_fd(&p->control_fd); close_fd(&p->stdin_fd);
    close_fd(&p->box_fd);
    for (int i = 0; i < p->ncgroup; i++) close_fd(&p->cgroup_fds[i]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
    _exit(0);
}

/* ---------------------------------------------------------------------------- relay */

/* A program's stdout passed on to the caller's fd (an interactive validator's stdin): the
 * server's child, outside every box. At most `limit` bytes go on; one more byte says the
 * limit passed ("O" on the report pipe, once; the supervisor kills the box), and what follows
 * is read and dropped, so the program is stopped by the judge, not by a pipe. "D<total>" when
 * the program's stdout is closed and all of it was passed on. When the target's reader has
 * gone, the source is closed (the program's next write gets SIGPIPE, as it would have) and
 * "P" is said. splice moves pipe pages without copying them through this process. */
static void __attribute__((noreturn)) relay(int source, int target, int report,
                                            unsigned long long limit) {
    static char drop[65536];
    unquiet();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) _exit(1);
    signal(SIGPIPE, SIG_IGN); /* EPIPE instead */
    int keep[] = {source, target, report};
    if (close_other_fds(keep, 3) < 0) _exit(1);
    unsigned long long total = 0;
    int over = 0;
    for (;;) {
        ssize_t n;
        if (over || total >= limit) {
            n = read(source, drop, sizeof drop);
        } else {
            size_t want = limit - total < sizeof drop ? (size_t)(limit - total) : sizeof drop;
            n = splice(source, NULL, target, NULL, want, SPLICE_F_MOVE);
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EPIPE) {
            close(source);
            say(report, "P\n");
            _exit(0);
        }
        if (n <= 0) break; /* EOF (or an error: the same, the program's output ends here) */
        total += n;
        if (!over && total > limit) {
            over = 1;
            say(report, "O\n");
        }
    }
    say(report, "D%llu\n", total);
    _exit(0);
}

/* "relay <limit>" with its fds (source, target, report): fork the relay; answer its pid. */
static void spawn_relay(int conn, const char *args, int *fds, int nfds) {
    char *end;
    unsigned long long limit = strtoull(args, &end, 10);
    if (nfds != 3 || *end || end == args) {
        send_text(conn, "Ea malformed relay request");
    } else {
        pid_t pid = fork();
        if (pid == 0) {
            close(conn);
            relay(fds[0], fds[1], fds[2], limit);
        }
        char answer[64];
        if (pid < 0) snprintf(answer, sizeof answer, "Efork: %s", strerror(errno));
        else snprintf(answer, sizeof answer, "%d", pid);
        send_text(conn, answer);
    }
    for (int i = 0; i < nfds; i++) close(fds[i]);
}

/* ---------------------------------------------------------------------------- spawning */

static void spawn(int conn, char *buf, size_t len, int *fds, int nfds) {
    struct plan *p = malloc(sizeof *p);
    if (!p) { send_text(conn, "Eout of memory"); goto out; }
    plan_init(p);
    if (decode(buf, len, fds, nfds, p, PLAN_RECORDS) < 0) {
        send_text(conn, "Ea malformed plan");
        goto out;
    }
    p->net_fd = spare_net;
    pid_t pid = fork();
    if (pid == 0) {
        close(conn);
        keeper(p);
    }
    if (pid > 0 && spare_net >= 0) close_fd(&spare_net); /* the keeper's now, and only its */
    if (pid < 0) {
        say(conn, "Efork: %s", strerror(errno)); /* datagram: one message */
    } else {
        char answer[32];
        snprintf(answer, sizeof answer, "%d", pid);
        send_text(conn, answer);
        make_spare_net(); /* for the next box, while the supervisor prepares this one's run */
    }
out:
    for (int i = 0; i < nfds; i++) close(fds[i]);
    if (p && p->seccomp.len) free(p->seccomp.filter);
    if (p && p->seccomp_last.len) free(p->seccomp_last.filter);
    free(p);
}

/* ---------------------------------------------------------------------------- owned slots */

/* A slot the supervisor holds (its lock's fd, a dup of the supervisor's: the same flock) and
 * the parent directories of its box cgroups, one per line ("own"). While the server holds the
 * fd, no other judge can take the slot. If the supervisor goes without saying "bye" (it died,
 * or ended with _exit: a forked pool process), the sweeper removes what the slot's boxes left
 * (sweep()) and then lets the slots go. */
struct owned { int slot, fd; char *dirs; struct owned *next; };
static struct owned *owned;

static void disown(int slot) {
    for (struct owned **o = &owned; *o; o = &(*o)->next) {
        if ((*o)->slot != slot) continue;
        struct owned *gone = *o;
        *o = gone->next;
        close(gone->fd);
        free(gone->dirs);
        free(gone);
        return;
    }
}

/* "own <slot>\n<dir>\n<dir>..." with the slot lock's fd (a slot owned already is owned anew). */
static void own(const char *args, int *fds, int nfds) {
    char *end;
    long slot = strtol(args, &end, 10);
    struct owned *o = NULL;
    if (nfds == 1 && end != args && *end == '\n' && slot >= 0 && slot <= INT32_MAX &&
        (o = calloc(1, sizeof *o)) && (o->dirs = strdup(end + 1))) {
        disown((int)slot);
        o->slot = (int)slot;
        o->fd = fds[0];
        o->next = owned;
        owned = o;
        return;
    }
    free(o);
    for (int i = 0; i < nfds; i++) close(fds[i]); /* malformed: nothing owned */
}

static void kill_listed(const char *dir) {
    char path[4096], buf[65536];
    if (snprintf(path, sizeof path, "%s/cgroup.procs", dir) >= (int)sizeof path) return;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return;
    buf[n] = 0;
    for (char *s = buf, *end; *s; s = end) {
        long pid = strtol(s, &end, 10);
        if (end == s) break;
        if (pid > 0) kill((pid_t)pid, SIGKILL);
    }
}

/* Remove a box cgroup: rmdir; while tasks are left in it (the box's processes die with their
 * keeper, which dies with this server), kill them (cgroup.kill on v2, each listed pid on v1)
 * and try again, for at most 2 s. */
static void remove_cgroup(const char *dir) {
    char kill_file[4096];
    int has_kill = snprintf(kill_file, sizeof kill_file, "%s/cgroup.kill", dir)
                   < (int)sizeof kill_file;
    for (int attempt = 0; attempt < 400; attempt++) {
        if (rmdir(dir) == 0 || errno != EBUSY) return;
        int fd = has_kill ? open(kill_file, O_WRONLY | O_CLOEXEC) : -1;
        if (fd < 0 || write(fd, "1", 1) != 1) kill_listed(dir);
        if (fd >= 0) close(fd);
        struct timespec pause = {0, 5000000};
        nanosleep(&pause, NULL);
    }
}

/* Remove every cgroup named judgebox-<slot> or judgebox-<slot>.<run> in the slot's dirs, each
 * as it is listed (a cgroup directory's listing goes on past an entry removed under it). */
static void sweep(const struct owned *o) {
    char exact[32], prefix[32], parent[4096], path[4096];
    snprintf(exact, sizeof exact, "judgebox-%d", o->slot);
    int prefix_len = snprintf(prefix, sizeof prefix, "judgebox-%d.", o->slot);
    for (const char *dir = o->dirs; *dir;) {
        int len = (int)strcspn(dir, "\n");
        DIR *d = len < (int)sizeof parent && snprintf(parent, sizeof parent, "%.*s", len, dir)
                 ? opendir(parent) : NULL;
        for (struct dirent *e; d && (e = readdir(d));)
            if ((!strcmp(e->d_name, exact) || !strncmp(e->d_name, prefix, prefix_len)) &&
                snprintf(path, sizeof path, "%s/%s", parent, e->d_name) < (int)sizeof path)
                remove_cgroup(path);
        if (d) closedir(d);
        dir += len + (dir[len] == '\n');
    }
}

/* The supervisor is gone without "bye": sweep the slots it held, in a child of this server
 * (the server exits at once, and with it its keepers and relays, their parent-death signal;
 * then every box's pid namespace), then let the slots go. */
static void sweep_owned(int conn) {
    if (!owned) return;
    pid_t pid = fork();
    if (pid != 0) return; /* the server (or a failed fork: the next taker sweeps, runner.py) */
    close(conn);
    close_fd(&spare_net);
    for (const struct owned *o = owned; o; o = o->next) sweep(o);
    _exit(0); /* the slots' locks go with their fds */
}

/* ---------------------------------------------------------------------------- the server */

int main(int argc, char **argv) {
    static char buf[MAX_MESSAGE];
    if (argc != 2) {
        fprintf(stderr, "usage: jbox SOCKET_FD (started by the judgebox supervisor)\n");
        return 2;
    }
    int conn = atoi(argv[1]);
    /* 0, 1 and 2 open (on /dev/null if the judge had one closed), so that no fd received
     * later takes their place: the keeper points them at /dev/null */
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd) return 2;
    umask(022); /* the root's directories and /etc files, whatever the judge's umask */
    default_signals(); /* keepers stay unreaped until the supervisor says so */
    /* A signal meant for the judge (a terminal's Ctrl-C reaches its whole process group, a
     * service manager's stop every process) does not end the server: the judge decides, and
     * the server ends when the judge is gone (EOF), sweeping what its boxes left. */
    for (size_t i = 0; i < sizeof QUIET / sizeof QUIET[0]; i++) signal(QUIET[i], SIG_IGN);
    make_spare_net();
    for (;;) {
        int fds[MAX_FDS], nfds;
        ssize_t n = recv_with_fds(conn, buf, sizeof buf - 1, fds, &nfds);
        if (n < 0 && errno == EMSGSIZE) {
            send_text(conn, "Ethe plan is too large");
            continue;
        }
        if (n <= 0) { /* the supervisor is gone */
            sweep_owned(conn);
            return 0;
        }
        buf[n] = 0;
        if (n == 3 && !memcmp(buf, "bye", 3)) {
            return 0; /* the supervisor closes the server and stays: its slots are its own */
        } else if (n > 4 && !memcmp(buf, "own ", 4)) {
            own(buf + 4, fds, nfds);
        } else if (n > 7 && !memcmp(buf, "disown ", 7)) {
            disown(atoi(buf + 7));
            for (int i = 0; i < nfds; i++) close(fds[i]);
        } else if (n > 6 && !memcmp(buf, "relay ", 6)) {
            spawn_relay(conn, buf + 6, fds, nfds);
        } else if (n > 5 && !memcmp(buf, "reap ", 5)) {
            pid_t pid = atoi(buf + 5);
            while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
            for (int i = 0; i < nfds; i++) close(fds[i]);
        } else {
            spawn(conn, buf, n, fds, nfds);
        }
    }
}

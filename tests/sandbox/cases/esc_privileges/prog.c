/* What the program holds: no capability in any set (bounding and ambient included),
 * no_new_privs set, a seccomp filter in force, a non-zero uid/gid and no supplementary group;
 * every mount is nosuid (and every mount but the device binds nodev), so a set-uid binary
 * cannot give anything back. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int bad;

static void expect(const char *line, const char *key, const char *want)
{
    size_t k = strlen(key);
    if (strncmp(line, key, k) != 0)
        return;
    const char *v = line + k;
    while (*v == ' ' || *v == '\t')
        v++;
    if (strncmp(v, want, strlen(want)) != 0) {
        printf("ESCAPED: %s %s", key, v);
        bad = 1;
    }
}

int main(void)
{
    char line[512];
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 2;
    while (fgets(line, sizeof line, f)) {
        expect(line, "CapInh:", "0000000000000000");
        expect(line, "CapPrm:", "0000000000000000");
        expect(line, "CapEff:", "0000000000000000");
        expect(line, "CapBnd:", "0000000000000000");
        expect(line, "CapAmb:", "0000000000000000");
        expect(line, "NoNewPrivs:", "1");
        expect(line, "Seccomp:", "2");
        if (strncmp(line, "Uid:", 4) == 0 || strncmp(line, "Gid:", 4) == 0) {
            unsigned a, b, c, d;
            if (sscanf(line + 4, "%u %u %u %u", &a, &b, &c, &d) != 4 || !a || !b || !c || !d) {
                printf("ESCAPED: %s", line);
                bad = 1;
            }
        }
        if (strncmp(line, "Groups:", 7) == 0 && strspn(line + 7, " \t\n") != strlen(line + 7)) {
            printf("ESCAPED: supplementary groups: %s", line);
            bad = 1;
        }
    }
    fclose(f);
    f = fopen("/proc/self/mountinfo", "r");
    if (!f)
        return 2;
    int mounts = 0;
    while (fgets(line, sizeof line, f)) {
        char point[256], opts[256];
        if (sscanf(line, "%*s %*s %*s %*s %255s %255s", point, opts) != 2)
            continue;
        mounts++;
        char o[260];
        snprintf(o, sizeof o, ",%s,", opts);
        if (!strstr(o, ",nosuid,")) {
            printf("ESCAPED: %s is mounted without nosuid (%s)\n", point, opts);
            bad = 1;
        }
        if (strncmp(point, "/dev/", 5) != 0 && strcmp(point, "/dev") != 0 &&
            strcmp(point, "/proc") != 0 && !strstr(o, ",nodev,")) {
            printf("ESCAPED: %s is mounted without nodev (%s)\n", point, opts);
            bad = 1;
        }
    }
    fclose(f);
    printf("%d mounts checked\n", mounts);
    if (bad)
        return 99;
    puts("all blocked");
    return 0;
}

/* Memory spread over processes: 4 children each touch 24 MiB (96 MiB in all) with a 64 MiB
 * limit, each under the limit on its own. The limit is for the whole box, so the OOM killer
 * must fire (MLE) even though the parent itself exits 0. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    for (int i = 0; i < 4; i++) {
        pid_t p = fork();
        if (p == 0) {
            size_t size = (size_t)24 << 20;
            volatile char *m = malloc(size);
            if (!m)
                _exit(1);
            for (size_t off = 0; off < size; off += 4096)
                m[off] = (char)(i + 1);
            sleep(1); /* hold it while the others touch theirs */
            _exit(m[size / 2] == (char)(i + 1) ? 0 : 2);
        }
    }
    int survived = 0, status;
    while (wait(&status) > 0)
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            survived++;
    if (survived == 4) {
        puts("ESCAPED: 4 processes held 24 MiB each with memory_kib=65536");
        return 99;
    }
    printf("%d of 4 children survived\n", survived);
    return 0;
}

/* Four processes spinning: the CPU limit counts every process of the box (cgroup), not only
 * the main one. */
#include <unistd.h>

int main(void)
{
    for (int i = 0; i < 3; i++)
        if (fork() == 0)
            break;
    for (volatile unsigned long n = 0;; n++)
        ;
}

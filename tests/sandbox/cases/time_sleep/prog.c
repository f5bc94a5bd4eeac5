/* Sleeping uses no CPU: only the wall-clock limit can end it. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    sleep(30);
    puts("ESCAPED: slept 30 s with wall_time_ms=1500");
    return 99;
}

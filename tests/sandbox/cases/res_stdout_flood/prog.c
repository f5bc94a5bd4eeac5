/* Output flood: write to stdout forever with output_kib = 1024. The judge must stop reading
 * at the limit and kill the box (OLE) instead of buffering without end. */
#include <string.h>
#include <unistd.h>

int main(void)
{
    static char line[65536];
    memset(line, 'y', sizeof line);
    for (;;)
        if (write(1, line, sizeof line) < 0)
            return 1;
}

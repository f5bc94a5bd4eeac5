/* Output flood on stderr: stderr is kept only up to stderr_kib, but a flood past the output
 * limit must still end the box (OLE), not run until the time limit. */
#include <string.h>
#include <unistd.h>

int main(void)
{
    static char line[65536];
    memset(line, 'e', sizeof line);
    for (;;)
        if (write(2, line, sizeof line) < 0)
            return 1;
}

/* Attack 7, writes outside the scratch directory: with HOSTILE_MODE=checkout the program appends
   a line to the file HOSTILE_VICTIM (the fixture project's workload.toml); with HOSTILE_MODE=big
   it writes a 50 MB file HOSTILE_BIG (in the fixture project's root). Then it answers correctly
   and exits 0, as if nothing happened. It says on stderr what it wrote. It never writes anywhere
   it was not told to (no variable: exit 2). */
#include "hostile.h"

int main(void) {
    hostile_start();
    bm_ready();
    const char *mode = hostile_env("HOSTILE_MODE", "");
    if (strcmp(mode, "checkout") == 0) {
        const char *victim = getenv("HOSTILE_VICTIM");
        if (!victim) return 2;
        int fd = open(victim, O_WRONLY | O_APPEND);
        if (fd < 0 || write(fd, "# pwned by a measured program\n", 30) != 30) return 3;
        close(fd);
        fprintf(stderr, "wrote to %s\n", victim);
    } else if (strcmp(mode, "big") == 0) {
        const char *big = getenv("HOSTILE_BIG");
        if (!big) return 2;
        static char chunk[1 << 20];
        memset(chunk, 'z', sizeof chunk);
        int fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) return 3;
        for (int i = 0; i < 50; i++)
            if (write(fd, chunk, sizeof chunk) != (ssize_t)sizeof chunk) return 3;
        close(fd);
        fprintf(stderr, "wrote 50 MiB to %s\n", big);
    } else {
        return 2;
    }
    bm_result("hello 42");
    return 0;
}

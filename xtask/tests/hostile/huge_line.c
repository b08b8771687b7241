/* Attack 4, a huge single line: HOSTILE_BYTES (default 200 MB) of 'x' with no newline, generated
   here (nothing is stored on disk), on stdout (HOSTILE_STREAM=stdout, the default: as the result,
   then `#bm done` and exit 0) or on stderr (HOSTILE_STREAM=stderr: as an error message, then
   exit 1). */
#include "hostile.h"

int main(void) {
    hostile_start();
    long long total = atoll(hostile_env("HOSTILE_BYTES", "200000000"));
    int to_stderr = strcmp(hostile_env("HOSTILE_STREAM", "stdout"), "stderr") == 0;
    int fd = to_stderr ? 2 : 1;
    static char chunk[1 << 16];
    memset(chunk, 'x', sizeof chunk);
    bm_ready();
    if (!to_stderr) fputs("#bm iter 0 measured 1000\n", stdout), fflush(stdout);
    for (long long left = total; left > 0;) {
        ssize_t n = write(fd, chunk, left < (long long)sizeof chunk ? (size_t)left : sizeof chunk);
        if (n <= 0) return 3;
        left -= n;
    }
    if (to_stderr) {
        write(2, "\n", 1);
        return 1;
    }
    fputs("\n#bm done\n", stdout);
    return 0;
}

/* Attack 9, a stdin reader: reads its standard input to the end before answering. Given
   /dev/null it ends at once; given anything the supervisor keeps open it would hang. It says on
   stderr what its stdin is and how much it read. */
#include "hostile.h"

int main(void) {
    hostile_start();
    char what[256] = "?";
    ssize_t len = readlink("/proc/self/fd/0", what, sizeof what - 1);
    if (len >= 0) what[len] = 0;
    bm_ready();
    long long total = 0;
    char buf[4096];
    for (ssize_t n; (n = read(0, buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            /* A descriptor shared with a non-blocking reader: read it the blocking way. */
            fcntl(0, F_SETFL, fcntl(0, F_GETFL) & ~O_NONBLOCK);
            continue;
        }
        if (n < 0) break;
        total += n;
    }
    fprintf(stderr, "stdin is %s, read %lld bytes\n", what, total);
    bm_result("hello 42");
    return 0;
}

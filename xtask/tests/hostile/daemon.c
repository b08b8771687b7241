/* Attack 11, a setsid daemon: the classic double fork. The child calls setsid and forks the
   daemon, says its pid on stderr and exits; the daemon moves to /, closes every descriptor and
   sleeps forever (bounded by HOSTILE_LIFETIME_S). The program answers and exits 0. */
#include "hostile.h"

int main(void) {
    hostile_start();
    bm_ready();
    pid_t child = fork();
    if (child == 0) {
        setsid();
        pid_t daemon = fork();
        if (daemon == 0) {
            hostile_bound();
            if (chdir("/") != 0) _exit(1);
            umask(0);
            for (int fd = 0; fd < 1024; fd++) close(fd);
            for (;;) pause();
        }
        fprintf(stderr, "daemon %d\n", (int)daemon);
        _exit(0);
    }
    waitpid(child, 0, 0);
    bm_result("hello 42");
    return 0;
}

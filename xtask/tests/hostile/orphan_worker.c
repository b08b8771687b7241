/* Attack 2, orphan workers: the program hands its work to a grandchild, lets the child exit (so
   the worker is an orphan, re-parented to the launcher) and exits 0 at once with the right
   answer, as if the work were done. The worker says its pid on stderr and would work for ten
   seconds (bounded by HOSTILE_LIFETIME_S). */
#include "hostile.h"

int main(void) {
    hostile_start();
    bm_ready();
    pid_t child = fork();
    if (child == 0) {
        pid_t worker = fork();
        if (worker == 0) {
            hostile_bound();
            hostile_sleep_ms(100); /* let its parents go first */
            while (!hostile_past_lifetime()) hostile_sleep_ms(50);
            _exit(0);
        }
        fprintf(stderr, "handed the work to worker %d\n", (int)worker);
        _exit(0);
    }
    waitpid(child, 0, 0);
    bm_result("hello 42");
    return 0;
}

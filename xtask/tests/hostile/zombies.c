/* Attack 1, zombies: an intermediate process forks 500 short-lived children and never waits for
   them; once they are all zombies it exits, so the 500 zombies are re-parented to the launcher
   (a subreaper) while the program keeps running for a second. The program itself also leaves
   50 zombies of its own, re-parented to the launcher when it exits. Marker files in the working
   directory tell the test when the zombies changed parent (`orphaned`) and when the program is
   about to end (`finishing`). Bounded: 550 forks, HOSTILE_LIFETIME_S seconds. */
#include "hostile.h"

int main(void) {
    hostile_start();
    bm_ready();
    pid_t middle = fork();
    if (middle == 0) {
        hostile_bound();
        for (int i = 0; i < 500; i++) {
            pid_t p = fork();
            if (p == 0) _exit(0);
            if (p < 0) break;
        }
        hostile_sleep_ms(100); /* every child has ended: they are all zombies now */
        _exit(0);
    }
    if (middle > 0) waitpid(middle, 0, 0); /* its zombies now belong to the launcher */
    hostile_mark("orphaned");
    for (int i = 0; i < 50; i++) {
        pid_t p = fork();
        if (p == 0) _exit(0);
        if (p < 0) break;
    }
    hostile_sleep_ms(1000);
    hostile_mark("finishing");
    bm_result("hello 42");
    return 0;
}

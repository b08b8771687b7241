/* Attack 3b, a fork bomb: every process forks in a loop and every child does the same, so the
   count doubles with each round. Bounded by its own counter: 11 rounds (at most 2^11 = 2048
   processes, 2047 forks) and HOSTILE_LIFETIME_S seconds; then each process waits to be killed. */
#include "hostile.h"

int main(void) {
    hostile_start();
    bm_ready();
    for (int round = 0; round < 11 && !hostile_past_lifetime(); round++) {
        if (fork() == 0) hostile_bound();
    }
    for (;;) pause();
}

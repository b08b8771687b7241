/* Attack 3a, a fork chain: every link forks the next one, which calls setsid (leaving the process
   group and the session) and goes on forking, while each link stays alive: the chain grows as
   fast as fork allows. A refused fork is retried. With HOSTILE_MODE=runaway each link exits as
   soon as it has forked the next instead: never more than two processes at once, always a new
   one, each re-parented to the launcher; the link that reaches the bound leaves a file
   `ran-to-the-end` in the working directory. Bounded by its own counter: at most 5000 forks
   (attempts included) over the whole chain and HOSTILE_LIFETIME_S seconds. */
#include "hostile.h"

int main(void) {
    hostile_start();
    bm_ready();
    int runaway = strcmp(hostile_env("HOSTILE_MODE", "grow"), "runaway") == 0;
    int forks = 0; /* copied into each link: counts the chain's forks so far */
    while (forks < 5000 && !hostile_past_lifetime()) {
        pid_t p = fork();
        forks++;
        if (p == 0) {
            hostile_bound();
            setsid();
            continue; /* the child is the next link */
        }
        if (p > 0 && runaway) _exit(0); /* this link is gone: only its successor runs */
        if (p > 0) break;                /* this link stays */
        usleep(1000);     /* refused (the cap): again */
    }
    if (runaway) {
        hostile_mark("ran-to-the-end");
        _exit(0);
    }
    for (;;) pause();
}

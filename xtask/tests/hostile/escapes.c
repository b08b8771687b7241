/* Attack 6, terminal escape sequences: clear screen, set window title, hidden text. With
   HOSTILE_MODE=wrong they are in the result (a wrong output) and on stderr; with
   HOSTILE_MODE=crash on stderr, then exit 1 (the stderr tail goes into the failure's reason). */
#include "hostile.h"

#define NASTY "\x1b[2J\x1b]0;pwned\x07\x1b[8mhidden\x1b[0m"

int main(void) {
    hostile_start();
    bm_ready();
    fputs("stderr " NASTY "\n", stderr);
    if (strcmp(hostile_env("HOSTILE_MODE", "wrong"), "crash") == 0) return 1;
    bm_result("hello " NASTY " 42");
    return 0;
}

/* Attack 10, an early close: the program answers, closes its stdout, works on (150 ms of CPU),
   says so on stderr and closes that too, works another 150 ms of CPU, then exits 0. Both pipes
   reach end-of-file long before the program ends. */
#include "hostile.h"

int main(void) {
    hostile_start();
    bm_ready();
    bm_result("hello 42");
    fclose(stdout);
    hostile_spin_cpu_ms(150);
    fputs("still working after closing stdout\n", stderr);
    fclose(stderr);
    hostile_spin_cpu_ms(150);
    return 0;
}

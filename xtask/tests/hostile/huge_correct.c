/* Attack 5, a huge correct result: 12,000 lines of 100 bytes (1.2 MB, past the 1 MiB capture
   limit) that are exactly the expected output (tests/hostile.rs generates the same text). */
#include "hostile.h"

int main(void) {
    hostile_start();
    bm_ready();
    fputs("#bm iter 0 measured 1000\n", stdout);
    for (int i = 0; i < 12000; i++) printf("line %05d %088d\n", i, 0);
    fputs("#bm done\n", stdout);
    return 0;
}

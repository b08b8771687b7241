/* A fixed amount of CPU work (argv[1] million loop iterations): its time varies only with
   the machine, which is what a noise measurement needs. */
#include <stdlib.h>
int main(int argc, char **argv) {
    long n = (argc > 1 ? atol(argv[1]) : 100) * 1000000L;
    volatile unsigned long x = 0;
    for (long i = 0; i < n; i++) x += (unsigned long)i ^ (x >> 3);
    return (int)(x & 1) * 0;
}

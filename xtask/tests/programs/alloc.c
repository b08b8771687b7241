/* Allocates and touches argv[1] MiB, so its peak RSS grows by that much. */
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    size_t mib = argc > 1 ? strtoul(argv[1], 0, 10) : 0;
    size_t n = mib << 20;
    if (n == 0) return 0;
    volatile char *p = malloc(n);
    if (!p) return 1;
    for (size_t i = 0; i < n; i += 4096) p[i] = (char)i;
    return p[n / 2] == 42 ? 3 : 0;
}

/* Leaves an orphan: the child forks a grandchild and exits at once; the grandchild spins for
   argv[1] ms of CPU after its parent is gone. The launcher must reap it and count its CPU. */
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static double cpu_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}
int main(int argc, char **argv) {
    double ms = argc > 1 ? atof(argv[1]) : 300;
    pid_t child = fork();
    if (child == 0) {
        if (fork() == 0) {
            volatile unsigned long x = 0;
            usleep(20000); /* let the parents exit first */
            while (cpu_ms() < ms) for (int i = 0; i < 10000; i++) x += i;
            _exit(0);
        }
        _exit(0);
    }
    waitpid(child, 0, 0);
    return 0;
}

/* Never ends: two children sleep forever, one of them in a new session (outside the process
   group), and the parent too. Prints each pid so a test can check they are all gone. */
#include <stdio.h>
#include <unistd.h>
int main(void) {
    for (int i = 0; i < 2; i++) {
        pid_t p = fork();
        if (p == 0) {
            if (i == 1) setsid();
            for (;;) pause();
        }
        printf("child %d\n", (int)p);
    }
    printf("parent %d\n", (int)getpid());
    fflush(stdout);
    for (;;) pause();
}

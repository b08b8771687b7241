/* Shared by the hostile fixtures (tests/hostile.rs): the runner protocol's few lines, clocks,
   and the safety net every fixture process sets so that even a broken launcher cannot leave
   them running: each process ends by SIGALRM at most HOSTILE_LIFETIME_S seconds after the
   program started, whatever the launcher does. */
#ifndef HOSTILE_H
#define HOSTILE_H
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HOSTILE_LIFETIME_S 10

static inline double hostile_now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static inline double hostile_cpu_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* When the program started (inherited by every child, so the whole tree shares one deadline). */
static double hostile_started_ms;

/* Arms this process's alarm for what is left of the tree's lifetime (alarms are not inherited
   across fork, so every child calls this again). */
static inline void hostile_bound(void) {
    double left = HOSTILE_LIFETIME_S * 1e3 - (hostile_now_ms() - hostile_started_ms);
    alarm(left < 1000 ? 1 : (unsigned)(left / 1000));
}

static inline void hostile_start(void) {
    hostile_started_ms = hostile_now_ms();
    hostile_bound();
}

static inline int hostile_past_lifetime(void) {
    return hostile_now_ms() - hostile_started_ms > HOSTILE_LIFETIME_S * 1e3;
}

static inline void hostile_sleep_ms(double ms) {
    double until = hostile_now_ms() + ms;
    for (double left; (left = until - hostile_now_ms()) > 0;) {
        struct timespec t = {(time_t)(left / 1e3), (long)((left - (time_t)(left / 1e3) * 1e3) * 1e6)};
        nanosleep(&t, 0);
    }
}

static inline void hostile_spin_cpu_ms(double ms) {
    volatile unsigned long x = 0;
    double until = hostile_cpu_ms() + ms;
    while (hostile_cpu_ms() < until)
        for (int i = 0; i < 10000; i++) x += i;
}

/* The runner protocol (runners/PROTOCOL.md) for one measured iteration. */
static inline void bm_ready(void) {
    fputs("#bm ready\n", stdout);
    fflush(stdout);
}

static inline void bm_result(const char *result) {
    printf("#bm iter 0 measured 1000\n%s\n#bm done\n", result);
    fflush(stdout);
}

/* Creates an empty file (a marker the test watches for). */
static inline void hostile_mark(const char *path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) close(fd);
}

static inline const char *hostile_env(const char *name, const char *fallback) {
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}
#endif

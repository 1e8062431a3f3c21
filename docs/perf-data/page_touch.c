/* What this machine charges for memory a process touches for the first time: 200 MiB of fresh
 * anonymous memory written one byte per 4 KiB page, three times (a new mapping each time).
 *     cc -O2 docs/perf-data/page_touch.c -o /tmp/page_touch && /tmp/page_touch */
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>

static double seconds(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(void) {
    size_t const n = (size_t)200 << 20, pages = n / 4096;
    for (int round = 0; round < 3; ++round) {
        char* p = mmap(0, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return 1;
        double const w0 = seconds(CLOCK_MONOTONIC), c0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
        for (size_t i = 0; i < n; i += 4096) p[i] = 1;
        double const w1 = seconds(CLOCK_MONOTONIC), c1 = seconds(CLOCK_PROCESS_CPUTIME_ID);
        for (size_t i = 0; i < n; i += 4096) p[i] = 2;
        double const w2 = seconds(CLOCK_MONOTONIC);
        printf("first touch: %.2f us CPU, %.2f us wall per 4 KiB page; touching them again: %.3f us wall per page\n",
               (c1 - c0) / (double)pages * 1e6, (w1 - w0) / (double)pages * 1e6, (w2 - w1) / (double)pages * 1e6);
        munmap(p, n);
    }
    return 0;
}

/* A 60 Hz frame loop whose "tick" is a fixed amount of CPU work (a spin on the thread's CPU clock):
 * how long that tick takes by the wall clock and by the thread's CPU clock. What the machine adds
 * to any tick, for comparison with bench_multi_driver's tick percentiles.
 *     cc -O2 docs/perf-data/frame_jitter.c -o /tmp/frame_jitter && /tmp/frame_jitter 6000 400
 * (6000 frames, 400 us of work each; prints a table like bench_multi_driver's) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(clockid_t c) { struct timespec t; clock_gettime(c, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static int cmp(const void* a, const void* b) { double x = *(const double*)a, y = *(const double*)b; return x < y ? -1 : x > y; }
int main(int argc, char** argv) {
    int frames = argc > 1 ? atoi(argv[1]) : 6000;
    double work = (argc > 2 ? atof(argv[2]) : 400) / 1e6;
    double *w = malloc(frames * sizeof *w), *c = malloc(frames * sizeof *c);
    double next = now(CLOCK_MONOTONIC);
    for (int i = 0; i < frames; ++i) {
        double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_THREAD_CPUTIME_ID);
        while (now(CLOCK_THREAD_CPUTIME_ID) - c0 < work) {}
        w[i] = (now(CLOCK_MONOTONIC) - w0) * 1e6; c[i] = (now(CLOCK_THREAD_CPUTIME_ID) - c0) * 1e6;
        next += 1.0 / 60;
        double d = next - now(CLOCK_MONOTONIC);
        if (d > 0) { struct timespec t = { (time_t)d, (long)((d - (time_t)d) * 1e9) }; nanosleep(&t, 0); }
    }
    qsort(w, frames, sizeof *w, cmp); qsort(c, frames, sizeof *c, cmp);
#define P(v, p) v[(int)((p) * (frames - 1) + 0.5)]
    printf("%d frames of %.0f us CPU work at 60 Hz\n| clock | p50 us | p99 us | p99.9 us | max us |\n|---|---|---|---|---|\n", frames, work * 1e6);
    printf("| wall | %.0f | %.0f | %.0f | %.0f |\n| thread CPU | %.0f | %.0f | %.0f | %.0f |\n", P(w, .5), P(w, .99), P(w, .999), w[frames - 1], P(c, .5), P(c, .99), P(c, .999), c[frames - 1]);
}

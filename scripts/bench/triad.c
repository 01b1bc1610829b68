/*
 * triad.c - the STREAM triad, a[i] = b[i] + s·c[i], on 1 and on 2 threads:
 * the memory bandwidth of this machine, as the reference for gradcalc's
 * elementwise ops. Compiled and run by scripts/bench/speed.lua.
 *
 *   triad [n]     prints "triad1 GB/s" and "triad2 GB/s" (best of 7 runs,
 *                 24 bytes per element counted, as STREAM does)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double *a, *b, *c;
static long n;

typedef struct Part {
    long from, to;
} Part;

static void *triad(void *arg)
{
    Part *p = arg;
    for (long i = p->from; i < p->to; i++) a[i] = b[i] + 3.0 * c[i];
    return NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double run(int threads)
{
    pthread_t t[8];
    Part part[8];
    double t0 = now();
    for (int k = 0; k < threads; k++) {
        part[k] = (Part){ n * k / threads, n * (k + 1) / threads };
        if (k > 0) pthread_create(&t[k], NULL, triad, &part[k]);
    }
    triad(&part[0]);
    for (int k = 1; k < threads; k++) pthread_join(t[k], NULL);
    return now() - t0;
}

int main(int argc, char **argv)
{
    n = argc > 1 ? atol(argv[1]) : 20000000;
    a = malloc(n * sizeof *a), b = malloc(n * sizeof *b), c = malloc(n * sizeof *c);
    if (!a || !b || !c) return 1;
    for (long i = 0; i < n; i++) a[i] = 0, b[i] = 1, c[i] = 2;
    for (int threads = 1; threads <= 2; threads++) {
        double best = 1e9;
        for (int r = 0; r < 7; r++) {
            double t = run(threads);
            if (t < best) best = t;
        }
        printf("triad%d %.3f\n", threads, 24.0 * n / best / 1e9);
    }
    return a[n / 2] == 7 ? 0 : 1;
}

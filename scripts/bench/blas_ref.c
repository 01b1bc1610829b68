/*
 * blas_ref.c - the yardstick for gradcalc's matmul: raw OpenBLAS dgemm.
 *
 * Times C = A·B (row-major doubles, as gradcalc stores them) for n = 64,
 * 256 and 1024 and prints one line per size:
 *
 *     n=256 reps=... gflops=... (median of 5 batches, best ...)
 *
 * scripts/bench/matmul.lua runs this program and reads those lines, then
 * times gradcalc's matmul the same way. A product of two n×n matrices
 * counts as 2n³ floating-point operations (n³ multiplies, n³ adds).
 *
 * Build: cc -O2 -o build/blas_ref scripts/bench/blas_ref.c \
 *            $(pkg-config --cflags --libs openblas)
 * Optional arguments: the sizes to time, e.g. `build/blas_ref 128 512`.
 */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* OpenBLAS's own description of itself (version, kernel, threading). */
char *openblas_get_config(void);
int openblas_get_num_threads(void);

#define BATCHES           5
#define MIN_BATCH_SECONDS 0.2

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Uniform numbers in [0, 1) from a small fixed-seed generator (xorshift64). */
static double uniform(unsigned long long *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (double)(*s >> 11) / 9007199254740992.0;
}

static void product(int n, const double *a, const double *b, double *c, long reps)
{
    for (long r = 0; r < reps; r++)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static int bench(int n)
{
    size_t count = (size_t)n * (size_t)n;
    double *a = malloc(count * sizeof *a), *b = malloc(count * sizeof *b),
           *c = malloc(count * sizeof *c);
    if (!a || !b || !c) {
        fprintf(stderr, "blas_ref: out of memory for n=%d\n", n);
        free(a), free(b), free(c);
        return 1;
    }
    unsigned long long s = 42;
    for (size_t i = 0; i < count; i++) a[i] = uniform(&s), b[i] = uniform(&s), c[i] = 0;

    /* Warm up (threads start, caches fill), then double the repetitions
     * until one batch lasts long enough to time reliably. */
    product(n, a, b, c, 1);
    long reps = 1;
    for (;;) {
        double t0 = now();
        product(n, a, b, c, reps);
        if (now() - t0 >= MIN_BATCH_SECONDS) break;
        reps *= 2;
    }

    double rate[BATCHES];
    double flops = 2.0 * n * n * (double)n * (double)reps;
    for (int i = 0; i < BATCHES; i++) {
        double t0 = now();
        product(n, a, b, c, reps);
        rate[i] = flops / (now() - t0) / 1e9;
    }
    qsort(rate, BATCHES, sizeof *rate, cmp_double);
    printf("n=%d reps=%ld gflops=%.3f (median of %d batches, best %.3f)\n", n, reps,
           rate[BATCHES / 2], BATCHES, rate[BATCHES - 1]);
    fflush(stdout);
    free(a), free(b), free(c);
    return 0;
}

int main(int argc, char **argv)
{
    static const int sizes[] = { 64, 256, 1024 };
    printf("openblas: %s, threads=%d\n", openblas_get_config(), openblas_get_num_threads());
    int failed = 0;
    if (argc > 1)
        for (int i = 1; i < argc; i++) failed |= bench(atoi(argv[i]));
    else
        for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) failed |= bench(sizes[i]);
    return failed;
}

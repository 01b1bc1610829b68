/*
 * parallel.c - the thread count, loops split into fixed blocks, and the
 * blocked pairwise sum that gives the same bits on one thread or many.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/parallel.h"
#include "core/tensor.h"

/* OpenBLAS's own control; present in every OpenBLAS build. */
extern void openblas_set_num_threads(int n);

static int threads = 0;        /* 0: not decided yet */
static int64_t forced_min = 0; /* GRADCALC_THREADS_MIN: a threshold for every loop */

void gc_set_threads(int n)
{
    if (n < 1) n = 1;
    if (n > GC_MAX_THREADS) n = GC_MAX_THREADS;
    threads = n;
    openblas_set_num_threads(n);
}

int gc_threads(void)
{
    if (threads == 0) {
        const char *env = getenv("GRADCALC_THREADS");
        long n = env && *env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
        gc_set_threads(n < 1 ? 1 : n > GC_MAX_THREADS ? GC_MAX_THREADS : (int)n);
        const char *min = getenv("GRADCALC_THREADS_MIN"); /* for scripts/bench/threads.lua */
        if (min && *min) forced_min = strtoll(min, NULL, 10);
    }
    return threads;
}

/* Decided when the program (or gradcalc.so) loads, so that OpenBLAS runs
 * on the same number of threads from its first call on. */
__attribute__((constructor)) static void decide_threads(void) { gc_threads(); }

/*
 * The pool: workers sleep on a condition variable (they never spin, so a
 * busy machine loses nothing to them) and take blocks from a shared counter
 * as they come. The caller takes blocks too and, once none are left, waits
 * only for the workers that are still inside one: a worker the system has
 * not woken in time just misses the job. Which thread runs a block never
 * changes what the block computes.
 */
typedef struct Job {
    int64_t n, block, nblocks;
    void (*fn)(void *ctx, int64_t from, int64_t to);
    void *ctx;
    int poll;
} Job;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER, finished = PTHREAD_COND_INITIALIZER;
static Job job;
static int64_t next_block;          /* taken with __atomic_fetch_add */
static unsigned generation;         /* bumped for each job */
static int open_job, running, want; /* under lock */
static int nworkers;                /* started so far */
static _Thread_local int inside;    /* a block of a job runs on this thread */

static void take_blocks(void)
{
    inside = 1;
    for (;;) {
        int64_t k = __atomic_fetch_add(&next_block, 1, __ATOMIC_RELAXED);
        if (k >= job.nblocks) break;
        if (job.poll && gc_interrupt) continue;
        int64_t from = k * job.block, to = from + job.block < job.n ? from + job.block : job.n;
        job.fn(job.ctx, from, to);
    }
    inside = 0;
}

static void *worker(void *unused)
{
    (void)unused;
    unsigned seen = 0;
    pthread_mutex_lock(&lock);
    seen = generation;
    for (;;) {
        while (generation == seen) pthread_cond_wait(&wake, &lock);
        seen = generation;
        if (!open_job || running >= want) continue;
        running++;
        pthread_mutex_unlock(&lock);
        take_blocks();
        pthread_mutex_lock(&lock);
        if (--running == 0) pthread_cond_signal(&finished);
    }
    return NULL;
}

/* Starts workers up to nt - 1; returns how many there are. Workers block
 * every signal, so Ctrl-C always reaches the main thread (readline, the
 * interrupt flag) and never a worker. */
static int start_workers(int nt)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    while (nworkers < nt - 1) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int bad = pthread_create(&t, &attr, worker, NULL);
        pthread_attr_destroy(&attr);
        if (bad) break; /* fewer threads: the same results, more slowly */
        nworkers++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return nworkers;
}

static void run_blocks(int64_t n, int64_t block, int64_t min,
                       void (*fn)(void *ctx, int64_t from, int64_t to), void *ctx, int poll)
{
    if (block < 1) block = 1;
    int64_t nblocks = (n + block - 1) / block;
    int nt = gc_threads();
    if (forced_min > 0) min = forced_min;
    if (n < min || nblocks < 2 || inside) nt = 1;
    if (nt > 1) {
        pthread_mutex_lock(&lock);
        int helpers = start_workers(nt);
        if (helpers > 0) {
            job = (Job){ n, block, nblocks, fn, ctx, poll };
            next_block = 0;
            want = helpers < nt - 1 ? helpers : nt - 1; /* fewer than started, if lowered */
            open_job = 1;
            generation++;
            pthread_cond_broadcast(&wake);
            pthread_mutex_unlock(&lock);
            take_blocks();
            pthread_mutex_lock(&lock);
            open_job = 0;
            while (running > 0) pthread_cond_wait(&finished, &lock);
            pthread_mutex_unlock(&lock);
            return;
        }
        pthread_mutex_unlock(&lock);
    }
    for (int64_t k = 0; k < nblocks && !(poll && gc_interrupt); k++) {
        int64_t from = k * block, to = from + block < n ? from + block : n;
        fn(ctx, from, to);
    }
}

void gc_parallel_for(int64_t n, int64_t block, int64_t min,
                     void (*fn)(void *ctx, int64_t from, int64_t to), void *ctx)
{
    run_blocks(n, block, min, fn, ctx, 1);
}

void gc_parallel_all(int64_t n, int64_t block, int64_t min,
                     void (*fn)(void *ctx, int64_t from, int64_t to), void *ctx)
{
    run_blocks(n, block, min, fn, ctx, 0);
}

/* Pairwise down to runs of at most 128, each summed in 8 lanes (4 pairs),
 * combined in a fixed order. The split points depend on n only. */
typedef double Pair __attribute__((vector_size(16)));

double gc_pairwise(const double *x, int64_t n)
{
    if (n <= 128) {
        Pair s[4] = { { 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 } };
        int64_t i = 0;
        for (; i + 8 <= n; i += 8) {
            Pair v[4];
            memcpy(v, x + i, sizeof v);
            s[0] += v[0], s[1] += v[1], s[2] += v[2], s[3] += v[3];
        }
        double tail = 0;
        for (; i < n; i++) tail += x[i];
        Pair t = (s[0] + s[1]) + (s[2] + s[3]);
        return (t[0] + t[1]) + tail;
    }
    int64_t half = n / 2;
    half = half > 128 ? half & ~(int64_t)127 : half;
    return gc_pairwise(x, half) + gc_pairwise(x + half, n - half);
}

typedef struct SumJob {
    const double *x;
    double (*block_sum)(void *ctx, int64_t from, int64_t to);
    void *ctx;
    double *partial;
} SumJob;

static void sum_block(void *ctx, int64_t from, int64_t to)
{
    SumJob *j = ctx;
    j->partial[from / GC_BLOCK] =
        j->block_sum ? j->block_sum(j->ctx, from, to) : gc_pairwise(j->x + from, to - from);
}

static double block_value(SumJob *job, int64_t k, int64_t n)
{
    int64_t from = k * GC_BLOCK, to = from + GC_BLOCK < n ? from + GC_BLOCK : n;
    return job->block_sum ? job->block_sum(job->ctx, from, to)
                          : gc_pairwise(job->x + from, to - from);
}

/* gc_pairwise over the block sums, computing each when it is needed: the
 * same additions in the same order, without an array of block sums. */
static double combine_unstored(SumJob *job, int64_t k0, int64_t nb, int64_t n)
{
    if (nb <= 128) {
        double s[8] = { 0, 0, 0, 0, 0, 0, 0, 0 }, tail = 0;
        int64_t i = 0;
        for (; i + 8 <= nb; i += 8)
            for (int r = 0; r < 8; r++) s[r] += block_value(job, k0 + i + r, n);
        for (; i < nb; i++) tail += block_value(job, k0 + i, n);
        /* the lanes of gc_pairwise: pairs (0,1) (2,3) (4,5) (6,7) */
        double t0 = (s[0] + s[2]) + (s[4] + s[6]), t1 = (s[1] + s[3]) + (s[5] + s[7]);
        return (t0 + t1) + tail;
    }
    int64_t half = nb / 2;
    half = half > 128 ? half & ~(int64_t)127 : half;
    return combine_unstored(job, k0, half, n) + combine_unstored(job, k0 + half, nb - half, n);
}

static double sum_blocks(SumJob *job, int64_t n)
{
    int64_t nblocks = (n + GC_BLOCK - 1) / GC_BLOCK;
    if (nblocks <= 1) return n == 0 ? 0 : block_value(job, 0, n);
    double small[64];
    double *partial = nblocks <= 64 ? small : malloc((size_t)nblocks * sizeof *partial);
    if (!partial) return combine_unstored(job, 0, nblocks, n); /* the same sum, one thread */
    job->partial = partial;
    gc_parallel_all(n, GC_BLOCK, GC_PARALLEL_MIN, sum_block,
                    job); /* every block, so every partial is set */
    double sum = gc_pairwise(partial, nblocks);
    if (partial != small) free(partial);
    return sum;
}

double gc_sum_doubles(const double *x, int64_t n)
{
    SumJob job = { x, NULL, NULL, NULL };
    return sum_blocks(&job, n);
}

double gc_sum_terms(int64_t n, double (*block_sum)(void *ctx, int64_t from, int64_t to), void *ctx)
{
    SumJob job = { NULL, block_sum, ctx, NULL };
    return sum_blocks(&job, n);
}

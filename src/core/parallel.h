/*
 * parallel.h - splitting big loops over the cores (a pool of POSIX threads),
 * in fixed blocks so that every result is the same whatever the number of
 * threads.
 *
 * The thread count is GRADCALC_THREADS when set (1 turns threading off),
 * else the number of cores, at most GC_MAX_THREADS, decided when the
 * program loads. OpenBLAS is given the same count then, deliberately: its
 * default would be the same, but GRADCALC_THREADS=1 must bind it too.
 */
#ifndef GRADCALC_PARALLEL_H
#define GRADCALC_PARALLEL_H

#include <stdint.h>

#define GC_MAX_THREADS    8
/* Below these many elements a loop stays on one thread (measured on a
 * 2-core machine with scripts/bench/threads.lua): waking a second thread
 * costs about as much as a few hundred thousand additions in cache, or a
 * few tens of thousands of exp, sqrt or divisions. */
#define GC_PARALLEL_MIN   ((int64_t)1 << 18) /* memory-bound loops: +, ×, copies */
#define GC_PARALLEL_HEAVY ((int64_t)1 << 15) /* loops with exp, log, sqrt, / */
/* Elements per block: the unit of work, of Ctrl-C polling and of summation. */
#define GC_BLOCK          ((int64_t)1 << 13)

/* On x86-64, a loop marked GC_CLONES gets an AVX2 copy beside the SSE2 one
 * (4 numbers per instruction), picked when the program starts. The bits are
 * the same: AVX2 fuses no multiply and add, and C11 mode contracts none. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define GC_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define GC_CLONES
#endif

int gc_threads(void);
void gc_set_threads(int n); /* for tests and benchmarks; also sets OpenBLAS's */

/* Calls fn(ctx, from, to) on consecutive ranges covering [0, n): ranges of
 * `block` elements (a multiple of the caller's row length), run on several
 * threads when n >= min (GC_PARALLEL_MIN or _HEAVY). Stops early, leaving blocks undone, when
 * gc_interrupt is set; the caller then reports gc_interrupted(). */
void gc_parallel_for(int64_t n, int64_t block, int64_t min,
                     void (*fn)(void *ctx, int64_t from, int64_t to), void *ctx);

/* The same, never stopping early: for updates that must not be left half
 * done (an optimizer step) and for sums (whose every block is needed). */
void gc_parallel_all(int64_t n, int64_t block, int64_t min,
                     void (*fn)(void *ctx, int64_t from, int64_t to), void *ctx);

/* Σ x[i] for i in [0, n) by blocked pairwise summation: GC_BLOCK-sized blocks
 * summed pairwise, the block sums combined pairwise in their order. The same
 * bits for any thread count. */
double gc_sum_doubles(const double *x, int64_t n);
/* The same blocks and order over terms that block_sum(ctx, from, to) adds
 * up (pairwise within the block, for the same bits everywhere). */
double gc_sum_terms(int64_t n, double (*block_sum)(void *ctx, int64_t from, int64_t to), void *ctx);
/* Pairwise sum of x[0..n) in a single thread (n up to any size). */
double gc_pairwise(const double *x, int64_t n);

#endif

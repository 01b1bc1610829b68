/*
 * broadcast.h - NumPy broadcasting: the shape two operands broadcast to,
 * and a loop that walks the output with the matching input offsets.
 */
#ifndef GRADCALC_BROADCAST_H
#define GRADCALC_BROADCAST_H

#include "core/tensor.h"

/* Iterates an output index over broadcast inputs: offsets of a and b. */
typedef struct Broadcast {
    int ndim;
    int64_t shape[GC_MAXDIM];
    int64_t stride_a[GC_MAXDIM], stride_b[GC_MAXDIM];
} Broadcast;
int gc_broadcast_shape(const Tensor *a, const Tensor *b, int *ndim, int64_t *shape,
                       const char *who);
void gc_broadcast_init(Broadcast *bc, const Tensor *out, const Tensor *a, const Tensor *b);

/* Runs BODY for every element i of out, with ia and ib the matching
 * offsets in a and b (stride 0 along broadcast dims). */
#define GC_BROADCAST_LOOP(out, a, b, ...)                                     \
    do {                                                                      \
        Broadcast bc_;                                                        \
        gc_broadcast_init(&bc_, (out), (a), (b));                             \
        int64_t idx_[GC_MAXDIM] = { 0 }, ia = 0, ib = 0;                      \
        for (int64_t i = 0; i < (out)->numel; i++) {                          \
            __VA_ARGS__;                                                      \
            for (int d_ = bc_.ndim - 1; d_ >= 0; d_--) {                      \
                ia += bc_.stride_a[d_];                                       \
                ib += bc_.stride_b[d_];                                       \
                if (++idx_[d_] < bc_.shape[d_]) break;                        \
                ia -= bc_.stride_a[d_] * bc_.shape[d_];                       \
                ib -= bc_.stride_b[d_] * bc_.shape[d_];                       \
                idx_[d_] = 0;                                                 \
            }                                                                 \
            if ((i & 0xFFFFF) == 0xFFFFF && gc_interrupt) break; /* Ctrl-C */ \
        }                                                                     \
    } while (0)

#endif

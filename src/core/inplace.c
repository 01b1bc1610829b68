/*
 * inplace.c - fill_, copy_, add_, mul_ and zero_grad: values changed where
 * they are, never recorded in the graph. Equal shapes and a single number
 * have their own loops (split over the cores when big); real broadcasting
 * walks the indices.
 */
#include <string.h>

#include "core/broadcast.h"
#include "core/inplace.h"
#include "core/parallel.h"

enum { COPY, ADD, MUL, FILL };

typedef struct Job {
    double *d;
    const double *s; /* NULL: the number v */
    double v, alpha;
    int mode;
} Job;

/* dst and src are the same block or disjoint ones (tensors do not share). */
static void run(void *ctx, int64_t from, int64_t to)
{
    const Job *j = ctx;
    double *d = j->d, alpha = j->alpha, v = j->v;
    const double *s = j->s;
    switch (j->mode) {
    case FILL:
        for (int64_t i = from; i < to; i++) d[i] = v;
        break;
    case COPY:
        if (d != s) memcpy(d + from, s + from, (size_t)(to - from) * sizeof *d);
        break;
    case ADD:
        if (s)
            for (int64_t i = from; i < to; i++) d[i] += alpha * s[i];
        else
            for (int64_t i = from; i < to; i++) d[i] += alpha * v;
        break;
    default:
        if (s)
            for (int64_t i = from; i < to; i++) d[i] *= s[i];
        else
            for (int64_t i = from; i < to; i++) d[i] *= v;
    }
}

/* Every element, never stopped half way: an in-place change is all or nothing. */
static void run_all(Tensor *dst, const double *src, double v, double alpha, int mode)
{
    Job job = { dst->data, src, v, alpha, mode };
    gc_parallel_all(dst->numel, GC_BLOCK, GC_PARALLEL_MIN, run, &job);
}

int gc_fill_(Tensor *t, double v)
{
    t->version++; /* never recorded; a later backward sees the change */
    run_all(t, NULL, v, 1, FILL);
    return 0;
}

/* Runs body for each element of dst with the broadcast offset of src. */
static int inplace_broadcast(Tensor *dst, const Tensor *src, const char *who, int mode,
                             double alpha)
{
    int ndim;
    int64_t shape[GC_MAXDIM];
    char b1[96], b2[96];
    if (gc_broadcast_shape(dst, src, &ndim, shape, who)) return -1;
    if (ndim != dst->ndim || memcmp(shape, dst->shape, (size_t)ndim * sizeof *shape)) {
        gc_set_error("%s: a tensor of shape %s cannot be broadcast into one of shape %s", who,
                     gc_shape_str(src->ndim, src->shape, b1, sizeof b1),
                     gc_shape_str(dst->ndim, dst->shape, b2, sizeof b2));
        return -1;
    }
    dst->version++;
    if (gc_same_shape(dst, src) || src->numel == 1) {
        int number = src->numel == 1 && dst->numel != 1;
        double v = src->numel == 1 ? src->data[0] : 0;
        if (number && mode == COPY)
            run_all(dst, NULL, v, 1, FILL);
        else
            run_all(dst, number ? NULL : src->data, v, alpha, mode);
        return 0;
    }
    Broadcast bc;
    gc_broadcast_init(&bc, dst, dst, src);
    int64_t idx[GC_MAXDIM] = { 0 }, os = 0;
    for (int64_t i = 0; i < dst->numel; i++) {
        double s = src->data[os];
        switch (mode) {
        case COPY: dst->data[i] = s; break;
        case ADD: dst->data[i] += alpha * s; break;
        default: dst->data[i] *= s; break;
        }
        for (int d = ndim - 1; d >= 0; d--) {
            os += bc.stride_b[d];
            if (++idx[d] < bc.shape[d]) break;
            os -= bc.stride_b[d] * bc.shape[d];
            idx[d] = 0;
        }
    }
    return 0;
}

int gc_copy_(Tensor *dst, const Tensor *src)
{
    return inplace_broadcast(dst, src, "copy_", COPY, 1);
}
int gc_add_(Tensor *dst, const Tensor *src, double alpha, const char *who)
{
    return inplace_broadcast(dst, src, who, ADD, alpha);
}
int gc_mul_(Tensor *dst, const Tensor *src) { return inplace_broadcast(dst, src, "mul_", MUL, 1); }

void gc_zero_grad(Tensor *t)
{
    if (t->grad) {
        gc_release(t->grad);
        t->grad = NULL;
    }
}

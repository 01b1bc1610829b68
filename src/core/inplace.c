/*
 * inplace.c - fill_, copy_, add_, mul_ and zero_grad: values changed where
 * they are, never recorded in the graph.
 */
#include <string.h>

#include "core/broadcast.h"
#include "core/inplace.h"

int gc_fill_(Tensor *t, double v)
{
    t->version++; /* never recorded; a later backward sees the change */
    for (int64_t i = 0; i < t->numel; i++) t->data[i] = v;
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
    Broadcast bc;
    gc_broadcast_init(&bc, dst, dst, src);
    int64_t idx[GC_MAXDIM] = { 0 }, os = 0;
    for (int64_t i = 0; i < dst->numel; i++) {
        double s = src->data[os];
        switch (mode) {
        case 0: dst->data[i] = s; break;
        case 1: dst->data[i] += alpha * s; break;
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

int gc_copy_(Tensor *dst, const Tensor *src) { return inplace_broadcast(dst, src, "copy_", 0, 1); }
int gc_add_(Tensor *dst, const Tensor *src, double alpha, const char *who)
{
    return inplace_broadcast(dst, src, who, 1, alpha);
}
int gc_mul_(Tensor *dst, const Tensor *src) { return inplace_broadcast(dst, src, "mul_", 2, 1); }

void gc_zero_grad(Tensor *t)
{
    if (t->grad) {
        gc_release(t->grad);
        t->grad = NULL;
    }
}

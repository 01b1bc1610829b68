/*
 * broadcast.c - shapes line up from the right; a dim of size 1 (or a
 * missing one) stretches to match the other.
 */
#include <string.h>

#include "core/broadcast.h"

/* Shapes line up from the right; a dim of size 1 (or a missing one)
 * stretches to match the other. */
int gc_broadcast_shape(const Tensor *a, const Tensor *b, int *ndim, int64_t *shape, const char *who)
{
    int n = a->ndim > b->ndim ? a->ndim : b->ndim;
    for (int k = 0; k < n; k++) {
        int da = a->ndim - n + k, db = b->ndim - n + k;
        int64_t sa = da >= 0 ? a->shape[da] : 1, sb = db >= 0 ? b->shape[db] : 1;
        if (sa != sb && sa != 1 && sb != 1) {
            char b1[96], b2[96];
            gc_set_error("%s: shapes %s and %s do not broadcast: at dimension %d (counted from "
                         "the end) the sizes are %lld and %lld; they must be equal, or one of "
                         "them 1",
                         who, gc_shape_str(a->ndim, a->shape, b1, sizeof b1),
                         gc_shape_str(b->ndim, b->shape, b2, sizeof b2), k - n, (long long)sa,
                         (long long)sb);
            return -1;
        }
        shape[k] = sa == 1 ? sb : sa;
    }
    *ndim = n;
    return 0;
}

static void aligned_strides(const Tensor *t, const Tensor *out, int64_t *stride)
{
    int64_t s = 1;
    for (int k = out->ndim - 1; k >= 0; k--) {
        int d = t->ndim - out->ndim + k;
        if (d < 0 || t->shape[d] == 1) {
            stride[k] = 0;
        } else {
            stride[k] = s;
        }
        if (d >= 0) s *= t->shape[d];
    }
}

void gc_broadcast_init(Broadcast *bc, const Tensor *out, const Tensor *a, const Tensor *b)
{
    bc->ndim = out->ndim;
    memcpy(bc->shape, out->shape, (size_t)out->ndim * sizeof *out->shape);
    aligned_strides(a, out, bc->stride_a);
    aligned_strides(b, out, bc->stride_b);
}

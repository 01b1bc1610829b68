/*
 * masking.c - dropout, where, tril/triu and clamp: each output element is
 * an input element or a constant, so each backward passes ∂L/∂y through
 * where the element was kept, and 0 elsewhere.
 */
#include <math.h>
#include <string.h>

#include "core/autograd.h"
#include "core/broadcast.h"
#include "core/random.h"
#include "core/ops/masking.h"

static int same_shape_as_input(Tensor *out)
{
    out->ndim = out->inputs[0]->ndim;
    memcpy(out->shape, out->inputs[0]->shape, sizeof out->shape);
    return 0;
}

/* ---- dropout: y = x×m, m = 0 (probability p) or 1/(1 − p); saved holds m --------------- */

int gc_dropout_shape(Tensor *out) { return same_shape_as_input(out); }

int gc_dropout_forward(Tensor *out)
{
    const Tensor *x = out->inputs[0];
    double p = out->args.scalar, scale = p < 1 ? 1 / (1 - p) : 0;
    if (!(out->saved = gc_new_like(out))) return -1;
    for (int64_t i = 0; i < x->numel; i++) {
        double m = gc_uniform() < 1 - p ? scale : 0;
        out->saved->data[i] = m;
        out->data[i] = x->data[i] * m;
    }
    return 0;
}

int gc_dropout_backward(Tensor *out)
{
    Tensor *x = out->inputs[0];
    if (!gc_needs_grad(x)) return 0;
    if (!gc_grad_of(x)) return -1;
    for (int64_t i = 0; i < x->numel; i++)
        x->grad->data[i] += out->grad->data[i] * out->saved->data[i];
    return 0;
}

Tensor *gc_dropout(Tensor *x, double p, int training)
{
    if (!(p >= 0 && p <= 1)) {
        gc_set_error("dropout: the probability p must be between 0 and 1, got %g", p);
        return NULL;
    }
    if (!training) {
        gc_retain(x);
        return x;
    }
    OpArgs args = { .scalar = p };
    return gc_apply(OP_DROPOUT, 1, &x, &args);
}

/* ---- where: y = a where cond, else b --------------------------------------------------- */

int gc_where_shape(Tensor *out)
{
    Tensor ab;
    memset(&ab, 0, sizeof ab);
    if (gc_broadcast_shape(out->inputs[0], out->inputs[1], &ab.ndim, ab.shape, "where")) return -1;
    return gc_broadcast_shape(&ab, out->inputs[2], &out->ndim, out->shape, "where");
}

/* Walks out with the offsets of cond (ic), a (ia) and b (ib). */
#define WHERE_LOOP(out, BODY)                                                           \
    do {                                                                                \
        Broadcast ca_, bb_;                                                             \
        gc_broadcast_init(&ca_, (out), (out)->inputs[0], (out)->inputs[1]);             \
        gc_broadcast_init(&bb_, (out), (out)->inputs[2], (out)->inputs[2]);             \
        int64_t idx_[GC_MAXDIM] = { 0 }, ic = 0, ia = 0, ib = 0;                        \
        for (int64_t i = 0; i < (out)->numel; i++) {                                    \
            BODY;                                                                       \
            for (int d_ = ca_.ndim - 1; d_ >= 0; d_--) {                                \
                ic += ca_.stride_a[d_], ia += ca_.stride_b[d_], ib += bb_.stride_a[d_]; \
                if (++idx_[d_] < ca_.shape[d_]) break;                                  \
                ic -= ca_.stride_a[d_] * ca_.shape[d_];                                 \
                ia -= ca_.stride_b[d_] * ca_.shape[d_];                                 \
                ib -= bb_.stride_a[d_] * ca_.shape[d_];                                 \
                idx_[d_] = 0;                                                           \
            }                                                                           \
        }                                                                               \
    } while (0)

int gc_where_forward(Tensor *out)
{
    const double *c = out->inputs[0]->data, *a = out->inputs[1]->data, *b = out->inputs[2]->data;
    WHERE_LOOP(out, out->data[i] = c[ic] != 0 ? a[ia] : b[ib]);
    return 0;
}

int gc_where_backward(Tensor *out)
{
    Tensor *a = out->inputs[1], *b = out->inputs[2];
    int need_a = gc_needs_grad(a), need_b = gc_needs_grad(b);
    if ((need_a && !gc_grad_of(a)) || (need_b && !gc_grad_of(b))) return -1;
    const double *c = out->inputs[0]->data, *g = out->grad->data;
    WHERE_LOOP(out, {
        if (c[ic] != 0) {
            if (need_a) a->grad->data[ia] += g[i];
        } else if (need_b) {
            b->grad->data[ib] += g[i];
        }
    });
    return 0;
}

Tensor *gc_where(Tensor *cond, Tensor *a, Tensor *b)
{
    Tensor *in[3] = { cond, a, b };
    return gc_apply(OP_WHERE, 3, in, NULL);
}

/* ---- tril and triu: args.start is k, args.ints[0] is 1 for triu -------------------------- */

int gc_tri_shape(Tensor *out)
{
    const Tensor *x = out->inputs[0];
    if (x->ndim < 2) {
        char b1[96];
        gc_set_error("%s: x must have at least 2 dimensions (a matrix, or a batch of them), got %s",
                     out->op->name, gc_shape_str(x->ndim, x->shape, b1, sizeof b1));
        return -1;
    }
    return same_shape_as_input(out);
}

/* Element (i, j) of each matrix is kept when j − i ≤ k (tril) or ≥ k (triu). */
static int kept(const Tensor *out, int64_t at)
{
    const Tensor *x = out->inputs[0];
    int64_t cols = x->shape[x->ndim - 1], rows = x->shape[x->ndim - 2];
    int64_t j = at % cols, i = (at / cols) % rows, k = out->args.start;
    return out->args.ints[0] ? j - i >= k : j - i <= k;
}

int gc_tri_forward(Tensor *out)
{
    const double *x = out->inputs[0]->data;
    for (int64_t i = 0; i < out->numel; i++) out->data[i] = kept(out, i) ? x[i] : 0;
    return 0;
}

int gc_tri_backward(Tensor *out)
{
    Tensor *x = out->inputs[0];
    if (!gc_needs_grad(x)) return 0;
    if (!gc_grad_of(x)) return -1;
    for (int64_t i = 0; i < out->numel; i++)
        if (kept(out, i)) x->grad->data[i] += out->grad->data[i];
    return 0;
}

Tensor *gc_tri(Tensor *x, int64_t k, int upper)
{
    OpArgs args = { .start = k };
    args.ints[0] = upper;
    return gc_apply(upper ? OP_TRIU : OP_TRIL, 1, &x, &args);
}

/* ---- clamp: args.ints[0], [1] say whether lo (scalar) and hi (scalar2) are given ------- */

int gc_clamp_shape(Tensor *out) { return same_shape_as_input(out); }

int gc_clamp_forward(Tensor *out)
{
    const double *x = out->inputs[0]->data;
    double lo = out->args.scalar, hi = out->args.scalar2;
    int has_lo = out->args.ints[0], has_hi = out->args.ints[1];
    for (int64_t i = 0; i < out->numel; i++) {
        double v = x[i]; /* a nan stays nan */
        if (has_lo && v < lo) v = lo;
        if (has_hi && v > hi) v = hi;
        out->data[i] = v;
    }
    return 0;
}

/* The gradient passes where lo ≤ x ≤ hi, bounds included, as in PyTorch. */
int gc_clamp_backward(Tensor *out)
{
    Tensor *x = out->inputs[0];
    if (!gc_needs_grad(x)) return 0;
    if (!gc_grad_of(x)) return -1;
    double lo = out->args.scalar, hi = out->args.scalar2;
    int has_lo = out->args.ints[0], has_hi = out->args.ints[1];
    for (int64_t i = 0; i < out->numel; i++) {
        double v = x->data[i];
        if ((!has_lo || v >= lo) && (!has_hi || v <= hi) && !isnan(v))
            x->grad->data[i] += out->grad->data[i];
    }
    return 0;
}

Tensor *gc_clamp(Tensor *x, int has_lo, double lo, int has_hi, double hi)
{
    if (!has_lo && !has_hi) {
        gc_set_error("clamp: give at least one of the bounds lo and hi");
        return NULL;
    }
    OpArgs args = { .scalar = lo, .scalar2 = hi };
    args.ints[0] = has_lo, args.ints[1] = has_hi;
    return gc_apply(OP_CLAMP, 1, &x, &args);
}

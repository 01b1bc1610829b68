/*
 * ops_shape.c - ops that move values without changing them: transpose,
 * reshape, select, narrow, cat (and stack, built from reshape and cat).
 * Each result is a fresh contiguous tensor; backward sends every gradient
 * element back to the place its value came from.
 */
#include <stdlib.h>
#include <string.h>

#include "core/autograd.h"
#include "core/ops/shape.h"

/* ---- transpose: swap two dims ---------------------------------------------- */

int gc_transpose_shape(Tensor *out)
{
    const Tensor *a = out->inputs[0];
    out->ndim = a->ndim;
    memcpy(out->shape, a->shape, sizeof out->shape);
    out->shape[out->args.dim] = a->shape[out->args.dim2];
    out->shape[out->args.dim2] = a->shape[out->args.dim];
    return 0;
}

/* Calls visit(i, j) for out element i and the input element j it copies. */
#define TRANSPOSE_LOOP(out, BODY)                                                           \
    do {                                                                                    \
        const Tensor *in_ = (out)->inputs[0];                                               \
        int64_t stride_[GC_MAXDIM], step_[GC_MAXDIM], idx_[GC_MAXDIM] = { 0 };              \
        int64_t s_ = 1, j = 0;                                                              \
        for (int d_ = in_->ndim - 1; d_ >= 0; d_--) stride_[d_] = s_, s_ *= in_->shape[d_]; \
        for (int d_ = 0; d_ < in_->ndim; d_++) step_[d_] = stride_[d_];                     \
        step_[(out)->args.dim] = stride_[(out)->args.dim2];                                 \
        step_[(out)->args.dim2] = stride_[(out)->args.dim];                                 \
        for (int64_t i = 0; i < (out)->numel; i++) {                                        \
            BODY;                                                                           \
            for (int d_ = (out)->ndim - 1; d_ >= 0; d_--) {                                 \
                j += step_[d_];                                                             \
                if (++idx_[d_] < (out)->shape[d_]) break;                                   \
                j -= step_[d_] * (out)->shape[d_];                                          \
                idx_[d_] = 0;                                                               \
            }                                                                               \
        }                                                                                   \
    } while (0)

/* The common case, the last two dims swapped ([..., A, B] to [..., B, A], a matrix's ᵀ): a copy
 * (or, backward, an addition) in TILE×TILE tiles, so that both sides stay in the cache. Each
 * element is moved once, as by TRANSPOSE_LOOP: the same values. */
#define TILE 32

static int last_two(const Tensor *out)
{
    int n = out->ndim, a = out->args.dim, b = out->args.dim2;
    return n >= 2 && ((a == n - 2 && b == n - 1) || (a == n - 1 && b == n - 2));
}

static void tiles(const Tensor *out, const double *src, double *dst)
{
    const Tensor *in = out->inputs[0];
    int64_t A = in->shape[in->ndim - 2], B = in->shape[in->ndim - 1],
            P = A * B > 0 ? in->numel / (A * B) : 0;
    for (int64_t p = 0; p < P; p++) {
        const double *x = src + p * A * B; /* [A, B] */
        double *y = dst + p * A * B;       /* [B, A] */
        for (int64_t a0 = 0; a0 < A; a0 += TILE)
            for (int64_t b0 = 0; b0 < B; b0 += TILE) {
                int64_t a1 = a0 + TILE < A ? a0 + TILE : A, b1 = b0 + TILE < B ? b0 + TILE : B;
                for (int64_t b = b0; b < b1; b++)
                    for (int64_t a = a0; a < a1; a++) y[b * A + a] = x[a * B + b];
            }
    }
}

/* ga[a, b] += g[b, a]: the same tiles, the other way round. */
static void tiles_back(const Tensor *out, const double *g, double *ga)
{
    const Tensor *in = out->inputs[0];
    int64_t A = in->shape[in->ndim - 2], B = in->shape[in->ndim - 1],
            P = A * B > 0 ? in->numel / (A * B) : 0;
    for (int64_t p = 0; p < P; p++) {
        const double *y = g + p * A * B; /* [B, A] */
        double *x = ga + p * A * B;      /* [A, B] */
        for (int64_t a0 = 0; a0 < A; a0 += TILE)
            for (int64_t b0 = 0; b0 < B; b0 += TILE) {
                int64_t a1 = a0 + TILE < A ? a0 + TILE : A, b1 = b0 + TILE < B ? b0 + TILE : B;
                for (int64_t a = a0; a < a1; a++)
                    for (int64_t b = b0; b < b1; b++) x[a * B + b] += y[b * A + a];
            }
    }
}

int gc_transpose_forward(Tensor *out)
{
    const double *x = out->inputs[0]->data;
    if (last_two(out)) {
        tiles(out, x, out->data);
        return 0;
    }
    TRANSPOSE_LOOP(out, out->data[i] = x[j]);
    return 0;
}

int gc_transpose_backward(Tensor *out)
{
    Tensor *a = out->inputs[0];
    if (!gc_needs_grad(a)) return 0;
    if (!gc_grad_of(a)) return -1;
    double *ga = a->grad->data;
    const double *g = out->grad->data;
    if (last_two(out)) {
        tiles_back(out, g, ga);
        return 0;
    }
    TRANSPOSE_LOOP(out, ga[j] += g[i]);
    return 0;
}

Tensor *gc_transpose(Tensor *a, int d1, int d2)
{
    OpArgs args = { 0 };
    if ((args.dim = gc_norm_dim(d1, a->ndim, "transpose")) < 0 ||
        (args.dim2 = gc_norm_dim(d2, a->ndim, "transpose")) < 0)
        return NULL;
    return gc_apply(OP_TRANSPOSE, 1, &a, &args);
}

/* ---- reshape: same values in the same order, another shape ------------------ */

int gc_reshape_shape(Tensor *out)
{
    const Tensor *a = out->inputs[0];
    out->ndim = out->args.ndim;
    memcpy(out->shape, out->args.shape, (size_t)out->ndim * sizeof *out->shape);
    int64_t n = gc_shape_numel(out->ndim, out->shape, "reshape");
    if (n < 0) return -1;
    if (n != a->numel) {
        char b1[96], b2[96];
        gc_set_error("reshape: cannot reshape a tensor of shape %s (%lld elements) into shape "
                     "%s (%lld elements)",
                     gc_shape_str(a->ndim, a->shape, b1, sizeof b1), (long long)a->numel,
                     gc_shape_str(out->ndim, out->shape, b2, sizeof b2), (long long)n);
        return -1;
    }
    return 0;
}

int gc_reshape_forward(Tensor *out)
{
    memcpy(out->data, out->inputs[0]->data, (size_t)out->numel * sizeof(double));
    return 0;
}

int gc_reshape_backward(Tensor *out)
{
    Tensor *a = out->inputs[0];
    if (!gc_needs_grad(a)) return 0;
    if (!gc_grad_of(a)) return -1;
    for (int64_t i = 0; i < out->numel; i++) a->grad->data[i] += out->grad->data[i];
    return 0;
}

/* One size may be -1: it is worked out from the others. */
Tensor *gc_reshape(Tensor *a, int ndim, const int64_t *shape)
{
    int64_t target[GC_MAXDIM];
    OpArgs args = { .ndim = ndim, .shape = target };
    int64_t known = 1;
    int unknown = -1;
    if (ndim > GC_MAXDIM) {
        gc_set_error("reshape: at most %d dimensions are supported, got %d", GC_MAXDIM, ndim);
        return NULL;
    }
    for (int i = 0; i < ndim; i++) {
        target[i] = shape[i];
        if (shape[i] == -1 && unknown < 0)
            unknown = i;
        else if (shape[i] < 0) {
            gc_set_error("reshape: size %lld is not allowed (sizes are >= 0, and one may be -1)",
                         (long long)shape[i]);
            return NULL;
        } else if (shape[i] > GC_MAX_BYTES / (int64_t)sizeof(double) / known) {
            /* saturate instead of overflowing int64: the shape check in
             * gc_reshape_shape then reports it as too large */
            known = GC_MAX_BYTES / (int64_t)sizeof(double) + 1;
        } else
            known *= shape[i] ? shape[i] : 1;
    }
    if (unknown >= 0 && known <= GC_MAX_BYTES / (int64_t)sizeof(double) && a->numel % known) {
        char b1[96], b2[96]; /* the shape as given, with its -1 */
        gc_set_error("reshape: cannot reshape a tensor of shape %s (%lld elements) into shape %s: "
                     "%lld is not a multiple of %lld, the product of the other sizes",
                     gc_shape_str(a->ndim, a->shape, b1, sizeof b1), (long long)a->numel,
                     gc_shape_str(ndim, shape, b2, sizeof b2), (long long)a->numel,
                     (long long)known);
        return NULL;
    }
    if (unknown >= 0) target[unknown] = known ? a->numel / known : 0;
    return gc_apply(OP_RESHAPE, 1, &a, &args);
}

/* ---- select and narrow: a slice along one dim -------------------------------- */

/* Both copy [outer, length, inner] out of the input's [outer, n, inner]. */
static void slice_copy(Tensor *out, int to_input)
{
    Tensor *a = out->inputs[0];
    int64_t outer, n, inner, len = out->args.length;
    gc_split_at(a, out->args.dim, &outer, &n, &inner);
    for (int64_t o = 0; o < outer; o++) {
        double *src = a->data + (o * n + out->args.start) * inner;
        double *dst = out->data + o * len * inner;
        if (to_input) {
            double *gsrc = a->grad->data + (o * n + out->args.start) * inner;
            const double *g = out->grad->data + o * len * inner;
            for (int64_t k = 0; k < len * inner; k++) gsrc[k] += g[k];
        } else {
            memcpy(dst, src, (size_t)(len * inner) * sizeof(double));
        }
    }
}

/* index is shown as the learner wrote it: 1-based, or negative from the end. */
static void slice_error(int is_select, int dim, int64_t n, int64_t index, int64_t length)
{
    long long shown = index < 0 ? (long long)index : (long long)index + 1;
    if (is_select)
        gc_set_error("select: index %lld is out of range for dimension %d of size %lld "
                     "(expected 1..%lld, or -%lld..-1)",
                     shown, dim + 1, (long long)n, (long long)n, (long long)n);
    else
        gc_set_error("narrow: start %lld and length %lld do not fit dimension %d of size %lld",
                     shown, (long long)length, dim + 1, (long long)n);
}

static int slice_check(Tensor *out)
{
    const Tensor *a = out->inputs[0];
    int64_t n = a->shape[out->args.dim];
    /* length > n - start, not start + length > n: a huge length must not overflow */
    if (out->args.start < 0 || out->args.start > n || out->args.length < 0 ||
        out->args.length > n - out->args.start) {
        slice_error(out->op == &gc_ops[OP_SELECT], out->args.dim, n, out->args.start,
                    out->args.length);
        return -1;
    }
    return 0;
}

int gc_select_shape(Tensor *out)
{
    const Tensor *a = out->inputs[0];
    if (slice_check(out)) return -1;
    out->ndim = 0;
    for (int d = 0; d < a->ndim; d++)
        if (d != out->args.dim) out->shape[out->ndim++] = a->shape[d];
    return 0;
}

int gc_narrow_shape(Tensor *out)
{
    const Tensor *a = out->inputs[0];
    if (slice_check(out)) return -1;
    out->ndim = a->ndim;
    memcpy(out->shape, a->shape, sizeof out->shape);
    out->shape[out->args.dim] = out->args.length;
    return 0;
}

int gc_select_forward(Tensor *out)
{
    slice_copy(out, 0);
    return 0;
}
int gc_narrow_forward(Tensor *out)
{
    slice_copy(out, 0);
    return 0;
}

static int slice_backward(Tensor *out)
{
    if (!gc_needs_grad(out->inputs[0])) return 0;
    if (!gc_grad_of(out->inputs[0])) return -1;
    slice_copy(out, 1);
    return 0;
}
int gc_select_backward(Tensor *out) { return slice_backward(out); }
int gc_narrow_backward(Tensor *out) { return slice_backward(out); }

/* index may be negative: -1 is the last. One before the first is refused
 * here, while the message can still show the index as it was given. */
Tensor *gc_select(Tensor *a, int dim, int64_t index)
{
    OpArgs args = { .length = 1 };
    if ((args.dim = gc_norm_dim(dim, a->ndim, "select")) < 0) return NULL;
    int64_t n = a->shape[args.dim];
    if (index < -n) {
        slice_error(1, args.dim, n, index, 1);
        return NULL;
    }
    args.start = index < 0 ? index + n : index;
    return gc_apply(OP_SELECT, 1, &a, &args);
}

Tensor *gc_narrow(Tensor *a, int dim, int64_t start, int64_t length)
{
    OpArgs args = { .length = length };
    if ((args.dim = gc_norm_dim(dim, a->ndim, "narrow")) < 0) return NULL;
    int64_t n = a->shape[args.dim];
    if (start < -n) {
        slice_error(0, args.dim, n, start, length);
        return NULL;
    }
    args.start = start < 0 ? start + n : start;
    return gc_apply(OP_NARROW, 1, &a, &args);
}

/* ---- cat: join along a dim ------------------------------------------------------ */

int gc_cat_shape(Tensor *out)
{
    const Tensor *first = out->inputs[0];
    int dim = out->args.dim;
    out->ndim = first->ndim;
    memcpy(out->shape, first->shape, sizeof out->shape);
    out->shape[dim] = 0;
    for (int i = 0; i < out->ninputs; i++) {
        const Tensor *t = out->inputs[i];
        for (int d = 0; d < first->ndim; d++) {
            if (t->ndim != first->ndim || (d != dim && t->shape[d] != first->shape[d])) {
                char b1[96], b2[96];
                gc_set_error("cat: tensor %d has shape %s but tensor 1 has shape %s; they must "
                             "match in every dimension but %d",
                             i + 1, gc_shape_str(t->ndim, t->shape, b1, sizeof b1),
                             gc_shape_str(first->ndim, first->shape, b2, sizeof b2), dim + 1);
                return -1;
            }
        }
        out->shape[dim] += t->shape[dim];
    }
    return 0;
}

/* Walks the inputs' [outer, n_i, inner] blocks in output order. */
static int cat_move(Tensor *out, int backward)
{
    int64_t outer, total, inner, offset = 0;
    gc_split_at(out, out->args.dim, &outer, &total, &inner);
    for (int i = 0; i < out->ninputs; i++) {
        Tensor *t = out->inputs[i];
        int64_t n = t->shape[out->args.dim];
        if (backward && !gc_needs_grad(t)) {
            offset += n;
            continue;
        }
        if (backward && !gc_grad_of(t)) return -1;
        for (int64_t o = 0; o < outer; o++) {
            int64_t block = n * inner, at = (o * total + offset) * inner;
            if (backward)
                for (int64_t k = 0; k < block; k++)
                    t->grad->data[o * block + k] += out->grad->data[at + k];
            else
                memcpy(out->data + at, t->data + o * block, (size_t)block * sizeof(double));
        }
        offset += n;
    }
    return 0;
}

int gc_cat_forward(Tensor *out) { return cat_move(out, 0); }
int gc_cat_backward(Tensor *out) { return cat_move(out, 1); }

Tensor *gc_cat(int n, Tensor **list, int dim)
{
    OpArgs args = { 0 };
    if (n < 1) {
        gc_set_error("cat: expected a non-empty list of tensors");
        return NULL;
    }
    if ((args.dim = gc_norm_dim(dim, list[0]->ndim, "cat")) < 0) return NULL;
    return gc_apply(OP_CAT, n, list, &args);
}

/* stack = give each tensor a new dim of size 1 at dim, then cat along it. */
Tensor *gc_stack(int n, Tensor **list, int dim)
{
    if (n < 1) {
        gc_set_error("stack: expected a non-empty list of tensors");
        return NULL;
    }
    int ndim = list[0]->ndim + 1;
    if (ndim > GC_MAXDIM) { /* checked before the grown shape is built */
        gc_set_error("stack: the result would have %d dimensions; at most %d are supported, so "
                     "stack tensors of at most %d dimensions",
                     ndim, GC_MAXDIM, GC_MAXDIM - 1);
        return NULL;
    }
    int d = dim < 0 ? dim + ndim : dim;
    if (d < 0 || d >= ndim) {
        gc_set_error("stack: dimension %d is out of range (expected 1..%d or -%d..-1)",
                     dim < 0 ? dim : dim + 1, ndim, ndim);
        return NULL;
    }
    Tensor **grown = calloc((size_t)n, sizeof *grown);
    if (!grown) {
        gc_set_error("stack: out of memory");
        return NULL;
    }
    Tensor *result = NULL;
    for (int i = 0; i < n; i++) {
        if (!gc_same_shape(list[i], list[0])) {
            char b1[96], b2[96];
            gc_set_error("stack: tensor %d has shape %s but tensor 1 has shape %s; stack needs "
                         "equal shapes",
                         i + 1, gc_shape_str(list[i]->ndim, list[i]->shape, b1, sizeof b1),
                         gc_shape_str(list[0]->ndim, list[0]->shape, b2, sizeof b2));
            goto done;
        }
        int64_t shape[GC_MAXDIM];
        for (int k = 0, j = 0; k < ndim; k++) shape[k] = k == d ? 1 : list[i]->shape[j++];
        if (!(grown[i] = gc_reshape(list[i], ndim, shape))) goto done;
    }
    result = gc_cat(n, grown, d);
done:
    for (int i = 0; i < n; i++) gc_release(grown[i]);
    free(grown);
    return result;
}

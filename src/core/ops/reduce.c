/*
 * ops_reduce.c - reductions (sum, mean, max, min over all elements or one
 * dim), softmax and log_softmax along a dim, and argmax.
 *
 * A reduction over dim d sees its input as [outer, n, inner]: n values to
 * combine for each of the outer × inner results.
 */
#include <math.h>
#include <string.h>

#include "core/autograd.h"
#include "core/ops/reduce.h"

/* The layout of a reduction: every element (dim GC_ALL_DIMS) or one dim. */
static void reduce_layout(const Tensor *out, int64_t *outer, int64_t *n, int64_t *inner)
{
    const Tensor *a = out->inputs[0];
    if (out->args.dim == GC_ALL_DIMS) {
        *outer = 1, *n = a->numel, *inner = 1;
    } else {
        gc_split_at(a, out->args.dim, outer, n, inner);
    }
}

int gc_reduce_shape(Tensor *out)
{
    const Tensor *a = out->inputs[0];
    int dim = out->args.dim;
    if (dim == GC_ALL_DIMS) {
        out->ndim = 0;
        return 0;
    }
    if (a->shape[dim] == 0 && (out->op == &gc_ops[OP_MAX] || out->op == &gc_ops[OP_MIN])) {
        gc_set_error("%s: dimension %d is empty", out->op->name, dim + 1);
        return -1;
    }
    out->ndim = 0;
    for (int d = 0; d < a->ndim; d++) {
        if (d != dim)
            out->shape[out->ndim++] = a->shape[d];
        else if (out->args.keepdim)
            out->shape[out->ndim++] = 1;
    }
    return 0;
}

/* max and min remember which element won, as class numbers 1..n, in saved. */
int gc_reduce_forward(Tensor *out)
{
    const Tensor *a = out->inputs[0];
    OpCode op = (OpCode)(out->op - gc_ops);
    int64_t outer, n, inner;
    reduce_layout(out, &outer, &n, &inner);
    if ((op == OP_MAX || op == OP_MIN) && n == 0) {
        gc_set_error("%s: the tensor is empty", out->op->name);
        return -1;
    }
    if (op == OP_MAX || op == OP_MIN) {
        out->saved = gc_new_like(out);
        if (!out->saved) return -1;
    }
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            const double *x = a->data + o * n * inner + i;
            double acc = op == OP_MAX || op == OP_MIN ? x[0] : 0;
            int64_t best = 0;
            for (int64_t k = 0; k < n; k++) {
                double v = x[k * inner];
                if (op == OP_SUM || op == OP_MEAN) {
                    acc += v;
                } else if ((op == OP_MAX ? v > acc : v < acc) || (isnan(v) && !isnan(acc))) {
                    acc = v; /* a NaN wins and stays, as IEEE arithmetic would have it */
                    best = k;
                }
            }
            out->data[o * inner + i] = op == OP_MEAN ? acc / (double)n : acc;
            if (out->saved) out->saved->data[o * inner + i] = (double)(best + 1);
        }
    }
    return 0;
}

/* sum: every input element gets the output's gradient; mean: divided by n;
 * max/min: only the winner gets it. */
int gc_reduce_backward(Tensor *out)
{
    Tensor *a = out->inputs[0];
    OpCode op = (OpCode)(out->op - gc_ops);
    int64_t outer, n, inner;
    if (!gc_needs_grad(a)) return 0;
    if (!gc_grad_of(a)) return -1;
    reduce_layout(out, &outer, &n, &inner);
    double *ga = a->grad->data;
    const double *g = out->grad->data;
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            double gi = g[o * inner + i];
            double *gx = ga + o * n * inner + i;
            if (op == OP_SUM || op == OP_MEAN) {
                double share = op == OP_MEAN ? gi / (double)n : gi;
                for (int64_t k = 0; k < n; k++) gx[k * inner] += share;
            } else {
                int64_t best = (int64_t)out->saved->data[o * inner + i] - 1;
                gx[best * inner] += gi;
            }
        }
    }
    return 0;
}

Tensor *gc_reduce(OpCode op, Tensor *a, int dim, int keepdim)
{
    OpArgs args = { .dim = GC_ALL_DIMS, .keepdim = keepdim };
    if (dim != GC_ALL_DIMS && (args.dim = gc_norm_dim(dim, a->ndim, gc_ops[op].name)) < 0)
        return NULL;
    return gc_apply(op, 1, &a, &args);
}

/* ---- softmax and log_softmax ------------------------------------------------ */

int gc_softmax_shape(Tensor *out)
{
    out->ndim = out->inputs[0]->ndim;
    memcpy(out->shape, out->inputs[0]->shape, sizeof out->shape);
    return 0;
}

/* Subtracting the largest value first keeps e^a from overflowing. */
int gc_softmax_forward(Tensor *out)
{
    const Tensor *a = out->inputs[0];
    int log_form = out->op == &gc_ops[OP_LOG_SOFTMAX];
    int64_t outer, n, inner;
    gc_split_at(a, out->args.dim, &outer, &n, &inner);
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            const double *x = a->data + o * n * inner + i;
            double *y = out->data + o * n * inner + i;
            double top = -INFINITY, total = 0;
            for (int64_t k = 0; k < n; k++)
                if (x[k * inner] > top) top = x[k * inner];
            for (int64_t k = 0; k < n; k++) total += exp(x[k * inner] - top);
            for (int64_t k = 0; k < n; k++)
                y[k * inner] =
                    log_form ? x[k * inner] - top - log(total) : exp(x[k * inner] - top) / total;
        }
    }
    return 0;
}

/* softmax:     ∂L/∂aⱼ = yⱼ (gⱼ − Σᵢ gᵢ yᵢ)
 * log_softmax: ∂L/∂aⱼ = gⱼ − e^(yⱼ) Σᵢ gᵢ */
int gc_softmax_backward(Tensor *out)
{
    Tensor *a = out->inputs[0];
    int log_form = out->op == &gc_ops[OP_LOG_SOFTMAX];
    int64_t outer, n, inner;
    if (!gc_needs_grad(a)) return 0;
    if (!gc_grad_of(a)) return -1;
    gc_split_at(a, out->args.dim, &outer, &n, &inner);
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            int64_t base = o * n * inner + i;
            const double *y = out->data + base, *g = out->grad->data + base;
            double *ga = a->grad->data + base, dot = 0;
            for (int64_t k = 0; k < n; k++)
                dot += log_form ? g[k * inner] : g[k * inner] * y[k * inner];
            for (int64_t k = 0; k < n; k++)
                ga[k * inner] += log_form ? g[k * inner] - exp(y[k * inner]) * dot
                                          : y[k * inner] * (g[k * inner] - dot);
        }
    }
    return 0;
}

Tensor *gc_softmax(OpCode op, Tensor *a, int dim)
{
    OpArgs args = { 0 };
    if ((args.dim = gc_norm_dim(dim, a->ndim, gc_ops[op].name)) < 0) return NULL;
    return gc_apply(op, 1, &a, &args);
}

/* ---- argmax: an index, so no gradient ------------------------------------- */

Tensor *gc_argmax(Tensor *a, int dim)
{
    int64_t outer, n, inner;
    int d = dim == GC_ALL_DIMS ? dim : gc_norm_dim(dim, a->ndim, "argmax");
    if (d == -1 && dim != GC_ALL_DIMS) return NULL;
    if (d == GC_ALL_DIMS)
        outer = 1, n = a->numel, inner = 1;
    else
        gc_split_at(a, d, &outer, &n, &inner);
    if (n == 0) {
        gc_set_error("argmax: the tensor is empty");
        return NULL;
    }
    int64_t shape[GC_MAXDIM];
    int ndim = 0;
    for (int k = 0; d != GC_ALL_DIMS && k < a->ndim; k++)
        if (k != d) shape[ndim++] = a->shape[k];
    Tensor *where = gc_new(ndim, shape);
    if (!where) return NULL;
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            const double *x = a->data + o * n * inner + i;
            int64_t best = 0;
            for (int64_t k = 1; k < n; k++) /* a nan wins, as in max */
                if (x[k * inner] > x[best * inner] ||
                    (isnan(x[k * inner]) && !isnan(x[best * inner])))
                    best = k;
            where->data[o * inner + i] = (double)(best + 1);
        }
    }
    return where;
}

Tensor *gc_reduce_positions(const Tensor *result) { return gc_copy(result->saved); }

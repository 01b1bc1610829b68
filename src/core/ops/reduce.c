/*
 * ops_reduce.c - reductions (sum, mean, max, min over all elements or one
 * dim), softmax and log_softmax along a dim, and argmax.
 *
 * A reduction over dim d sees its input as [outer, n, inner]: n values to
 * combine for each of the outer × inner results. sum and mean add up by
 * blocked pairwise summation when the values are contiguous (inner = 1) and
 * row by row, with a contiguous innermost loop, otherwise; softmax takes one
 * exp per element. Big tensors are split over the threads by whole rows (or
 * column chunks), so each result is computed the same way whatever the
 * number of threads.
 */
#include <math.h>
#include <string.h>

#include "core/autograd.h"
#include "core/ops/reduce.h"
#include "core/parallel.h"
#include "core/ops/exp_poly.h"

/* Columns of an [n, inner] slab handled together (their running values fit
 * on the stack). */
#define COLS 512

/* A unit of work: one slab o of [outer, n, inner] and a chunk of its columns. */
typedef struct Slabs {
    const double *x, *g; /* input (forward) or output gradient (backward) */
    const double *y;     /* softmax's output, in backward */
    double *out;         /* result, or the input's gradient */
    int64_t outer, n, inner, nchunks;
    int mean, log_form;
} Slabs;

static void unit_range(const Slabs *s, int64_t u, int64_t *o, int64_t *i0, int64_t *i1)
{
    *o = u / s->nchunks;
    *i0 = u % s->nchunks * COLS;
    *i1 = *i0 + COLS < s->inner ? *i0 + COLS : s->inner;
}

/* Runs fn over every unit, on the threads when the tensor is big. */
static void for_units(Slabs *s, int64_t min, void (*fn)(void *, int64_t, int64_t))
{
    s->nchunks = (s->inner + COLS - 1) / COLS;
    int64_t units = s->outer * s->nchunks, per_unit = s->n * (s->inner < COLS ? s->inner : COLS);
    int64_t block = per_unit >= GC_BLOCK ? 1 : GC_BLOCK / (per_unit ? per_unit : 1);
    if (s->outer * s->n * s->inner >= min)
        gc_parallel_for(units, block, 1, fn, s);
    else
        fn(s, 0, units);
}

static void sum_units(void *ctx, int64_t from, int64_t to)
{
    const Slabs *s = ctx;
    int64_t n = s->n, inner = s->inner;
    for (int64_t u = from; u < to; u++) {
        int64_t o, i0, i1;
        unit_range(s, u, &o, &i0, &i1);
        const double *x = s->x + o * n * inner;
        double *y = s->out + o * inner;
        if (inner == 1) {
            y[0] = gc_pairwise(x, n);
        } else {
            for (int64_t i = i0; i < i1; i++) y[i] = 0;
            for (int64_t k = 0; k < n; k++)
                for (int64_t i = i0; i < i1; i++) y[i] += x[k * inner + i];
        }
        if (s->mean)
            for (int64_t i = i0; i < i1; i++) y[i] = y[i] / (double)n;
    }
}

/* The gradient of sum (mean) over elements [from, to) of the input, taken a
 * row of `inner` at a time: every element of a row gets its result's share. */
static void sum_grad_range(void *ctx, int64_t from, int64_t to)
{
    const Slabs *s = ctx;
    int64_t n = s->n, inner = s->inner;
    double *ga = s->out, scale = s->mean ? (double)n : 1;
    for (int64_t e = from; e < to;) {
        if (inner == 1) { /* a run of one result's n elements */
            int64_t o = e / n, end = (o + 1) * n < to ? (o + 1) * n : to;
            double share = s->mean ? s->g[o] / scale : s->g[o];
            for (; e < end; e++) ga[e] += share;
        } else {
            int64_t r = e / inner, o = r / n, end = (r + 1) * inner < to ? (r + 1) * inner : to;
            const double *g = s->g + o * inner - r * inner;
            if (s->mean)
                for (; e < end; e++) ga[e] += g[e] / scale;
            else
                for (; e < end; e++) ga[e] += g[e];
        }
    }
}

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
    if (op == OP_SUM || op == OP_MEAN) {
        if (outer == 1 && inner == 1) { /* every element: blocks, summed on the threads */
            double total = gc_sum_doubles(a->data, n);
            out->data[0] = op == OP_MEAN ? total / (double)n : total;
            return 0;
        }
        Slabs s = { .x = a->data,
                    .out = out->data,
                    .outer = outer,
                    .n = n,
                    .inner = inner,
                    .mean = op == OP_MEAN };
        for_units(&s, GC_PARALLEL_MIN, sum_units);
        return 0;
    }
    out->saved = gc_new_like(out);
    if (!out->saved) return -1;
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            const double *x = a->data + o * n * inner + i;
            double acc = x[0];
            int64_t best = 0;
            for (int64_t k = 0; k < n; k++) {
                double v = x[k * inner];
                if ((op == OP_MAX ? v > acc : v < acc) || (isnan(v) && !isnan(acc))) {
                    acc = v; /* a NaN wins and stays, as IEEE arithmetic would have it */
                    best = k;
                }
            }
            out->data[o * inner + i] = acc;
            out->saved->data[o * inner + i] = (double)(best + 1);
        }
    }
    return 0;
}

/* sum: every input element gets the output's gradient; mean: divided by n;
 * max/min along a dim: only the winner gets it; over every element, the
 * elements that tie for it share it. */
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
    if (op == OP_SUM || op == OP_MEAN) {
        Slabs s = {
            .g = g, .out = ga, .outer = outer, .n = n, .inner = inner, .mean = op == OP_MEAN
        };
        gc_parallel_for(a->numel, GC_BLOCK, GC_PARALLEL_MIN, sum_grad_range, &s);
        return 0;
    }
    if (out->args.dim == GC_ALL_DIMS) {
        /* max(x) of every element: a tie shares the gradient evenly among
         * the elements equal to the result, as PyTorch does */
        double y = out->data[0], ties = 0;
        for (int64_t k = 0; k < a->numel; k++)
            ties += a->data[k] == y || (isnan(y) && isnan(a->data[k]));
        for (int64_t k = 0; k < a->numel; k++)
            if (a->data[k] == y || (isnan(y) && isnan(a->data[k]))) ga[k] += g[0] / ties;
        return 0;
    }
    for (int64_t o = 0; o < outer; o++) { /* along a dim: to the position returned */
        for (int64_t i = 0; i < inner; i++) {
            int64_t best = (int64_t)out->saved->data[o * inner + i] - 1;
            ga[o * n * inner + i + best * inner] += g[o * inner + i];
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

/* Subtracting the largest value first keeps e^a from overflowing. Each unit
 * is a slab's chunk of columns: the largest value, then e^(x − top) once per
 * element (kept in y for softmax), then y / total or x − top − ln total. */
GC_CLONES static void softmax_units(void *ctx, int64_t from, int64_t to)
{
    const Slabs *s = ctx;
    int64_t n = s->n, inner = s->inner;
    double top[COLS], total[COLS];
    for (int64_t u = from; u < to; u++) {
        int64_t o, i0, i1;
        unit_range(s, u, &o, &i0, &i1);
        const double *x = s->x + o * n * inner;
        double *y = s->out + o * n * inner;
        if (inner == 1) { /* a contiguous row: the same steps, loops along it */
            double best = -INFINITY, sum = 0;
            for (int64_t k = 0; k < n; k++)
                if (x[k] > best) best = x[k];
            for (int64_t k = 0; k < n; k++) y[k] = gc_exp(x[k] - best); /* vectorised */
            for (int64_t k = 0; k < n; k++) sum += y[k];                /* in order */
            if (s->log_form) {
                double lt = log(sum);
                for (int64_t k = 0; k < n; k++) y[k] = x[k] - best - lt;
            } else {
                for (int64_t k = 0; k < n; k++) y[k] = y[k] / sum;
            }
            continue;
        }
        for (int64_t i = i0; i < i1; i++) top[i - i0] = -INFINITY, total[i - i0] = 0;
        for (int64_t k = 0; k < n; k++)
            for (int64_t i = i0; i < i1; i++)
                if (x[k * inner + i] > top[i - i0]) top[i - i0] = x[k * inner + i];
        for (int64_t k = 0; k < n; k++)
            for (int64_t i = i0; i < i1; i++) {
                double e = gc_exp(x[k * inner + i] - top[i - i0]);
                total[i - i0] += e;
                y[k * inner + i] = e;
            }
        if (s->log_form) {
            for (int64_t i = i0; i < i1; i++) total[i - i0] = log(total[i - i0]);
            for (int64_t k = 0; k < n; k++)
                for (int64_t i = i0; i < i1; i++)
                    y[k * inner + i] = x[k * inner + i] - top[i - i0] - total[i - i0];
        } else {
            for (int64_t k = 0; k < n; k++)
                for (int64_t i = i0; i < i1; i++)
                    y[k * inner + i] = y[k * inner + i] / total[i - i0];
        }
    }
}

int gc_softmax_forward(Tensor *out)
{
    const Tensor *a = out->inputs[0];
    Slabs s = { .x = a->data, .out = out->data, .log_form = out->op == &gc_ops[OP_LOG_SOFTMAX] };
    gc_split_at(a, out->args.dim, &s.outer, &s.n, &s.inner);
    for_units(&s, GC_PARALLEL_HEAVY, softmax_units);
    return 0;
}

/* softmax:     ∂L/∂aⱼ = yⱼ (gⱼ − Σᵢ gᵢ yᵢ)
 * log_softmax: ∂L/∂aⱼ = gⱼ − e^(yⱼ) Σᵢ gᵢ */
GC_CLONES static void softmax_grad_units(void *ctx, int64_t from, int64_t to)
{
    const Slabs *s = ctx;
    int64_t n = s->n, inner = s->inner;
    double dot[COLS];
    for (int64_t u = from; u < to; u++) {
        int64_t o, i0, i1;
        unit_range(s, u, &o, &i0, &i1);
        int64_t base = o * n * inner;
        const double *y = s->y + base, *g = s->g + base;
        double *ga = s->out + base;
        if (inner == 1) {
            double d = 0;
            if (s->log_form) {
                for (int64_t k = 0; k < n; k++) d += g[k];
                for (int64_t k = 0; k < n; k++) ga[k] += g[k] - gc_exp(y[k]) * d;
            } else {
                for (int64_t k = 0; k < n; k++) d += g[k] * y[k];
                for (int64_t k = 0; k < n; k++) ga[k] += y[k] * (g[k] - d);
            }
            continue;
        }
        for (int64_t i = i0; i < i1; i++) dot[i - i0] = 0;
        for (int64_t k = 0; k < n; k++)
            for (int64_t i = i0; i < i1; i++)
                dot[i - i0] += s->log_form ? g[k * inner + i] : g[k * inner + i] * y[k * inner + i];
        if (s->log_form) {
            for (int64_t k = 0; k < n; k++)
                for (int64_t i = i0; i < i1; i++)
                    ga[k * inner + i] += g[k * inner + i] - gc_exp(y[k * inner + i]) * dot[i - i0];
        } else {
            for (int64_t k = 0; k < n; k++)
                for (int64_t i = i0; i < i1; i++)
                    ga[k * inner + i] += y[k * inner + i] * (g[k * inner + i] - dot[i - i0]);
        }
    }
}

int gc_softmax_backward(Tensor *out)
{
    Tensor *a = out->inputs[0];
    if (!gc_needs_grad(a)) return 0;
    if (!gc_grad_of(a)) return -1;
    Slabs s = { .g = out->grad->data,
                .y = out->data,
                .out = a->grad->data,
                .log_form = out->op == &gc_ops[OP_LOG_SOFTMAX] };
    gc_split_at(a, out->args.dim, &s.outer, &s.n, &s.inner);
    for_units(&s, s.log_form ? GC_PARALLEL_HEAVY : GC_PARALLEL_MIN, softmax_grad_units);
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

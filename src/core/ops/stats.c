/*
 * stats.c - reductions with their own backward: variance and std along a
 * dim (or over everything), logsumexp, and the p-norm of all elements.
 *   var  = Σ (xᵢ − x̄)² / (n − c)   (c = 1 unbiased, 0 biased);  ∂/∂xᵢ = 2(xᵢ − x̄)/(n − c)
 *   std  = √var;                                                ∂/∂xᵢ = (xᵢ − x̄)/((n − c)×std)
 *   lse  = m + ln Σ e^(xᵢ − m), m the largest;                    ∂/∂xᵢ = e^(xᵢ − lse)
 *   ‖x‖ₚ = (Σ |xᵢ|^p)^(1/p);                  ∂/∂xᵢ = sign(xᵢ)|xᵢ|^(p−1) / ‖x‖ₚ^(p−1)
 * Like sum, a reduction sees its input as [outer, n, inner].
 */
#include <math.h>
#include <string.h>

#include "core/autograd.h"
#include "core/ops/stats.h"
#include "core/ops/exp_poly.h"

int gc_reduce_shape(Tensor *out); /* reduce.c: the shape of a reduction */

static void layout(const Tensor *out, int64_t *outer, int64_t *n, int64_t *inner)
{
    const Tensor *a = out->inputs[0];
    if (out->args.dim == GC_ALL_DIMS)
        *outer = 1, *n = a->numel, *inner = 1;
    else
        gc_split_at(a, out->args.dim, outer, n, inner);
}

/* ---- variance and std: args.ints[0] is the correction c ------------------------------ */

int gc_variance_shape(Tensor *out) { return gc_reduce_shape(out); }

static double mean_of(const double *x, int64_t n, int64_t inner)
{
    double s = 0;
    for (int64_t k = 0; k < n; k++) s += x[k * inner];
    return s / (double)n;
}

int gc_variance_forward(Tensor *out)
{
    int64_t outer, n, inner;
    layout(out, &outer, &n, &inner);
    int is_std = out->op == &gc_ops[OP_STD];
    double div = (double)(n - out->args.ints[0]);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            const double *x = out->inputs[0]->data + o * n * inner + i;
            double mu = mean_of(x, n, inner), ss = 0;
            for (int64_t k = 0; k < n; k++) ss += (x[k * inner] - mu) * (x[k * inner] - mu);
            double v = div > 0 ? ss / div : NAN;
            out->data[o * inner + i] = is_std ? sqrt(v) : v;
        }
    return 0;
}

int gc_variance_backward(Tensor *out)
{
    Tensor *a = out->inputs[0];
    if (!gc_needs_grad(a)) return 0;
    if (!gc_grad_of(a)) return -1;
    int64_t outer, n, inner;
    layout(out, &outer, &n, &inner);
    int is_std = out->op == &gc_ops[OP_STD];
    double div = (double)(n - out->args.ints[0]);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            const double *x = a->data + o * n * inner + i;
            double *gx = a->grad->data + o * n * inner + i;
            double g = out->grad->data[o * inner + i], y = out->data[o * inner + i];
            double mu = mean_of(x, n, inner);
            double scale = is_std ? g / (div * y) : 2 * g / div;
            for (int64_t k = 0; k < n; k++) gx[k * inner] += scale * (x[k * inner] - mu);
        }
    return 0;
}

Tensor *gc_variance(OpCode op, Tensor *x, int dim, int unbiased, int keepdim)
{
    OpArgs args = { .dim = GC_ALL_DIMS, .keepdim = keepdim };
    if (dim != GC_ALL_DIMS && (args.dim = gc_norm_dim(dim, x->ndim, gc_ops[op].name)) < 0)
        return NULL;
    args.ints[0] = unbiased ? 1 : 0;
    return gc_apply(op, 1, &x, &args);
}

/* ---- logsumexp --------------------------------------------------------------------- */

int gc_logsumexp_shape(Tensor *out) { return gc_reduce_shape(out); }

int gc_logsumexp_forward(Tensor *out)
{
    int64_t outer, n, inner;
    layout(out, &outer, &n, &inner);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            const double *x = out->inputs[0]->data + o * n * inner + i;
            double top = -INFINITY, s = 0;
            for (int64_t k = 0; k < n; k++)
                if (x[k * inner] > top) top = x[k * inner];
            if (isinf(top)) top = 0; /* all −inf gives −inf; +inf gives +inf */
            for (int64_t k = 0; k < n; k++) s += gc_exp(x[k * inner] - top);
            out->data[o * inner + i] = log(s) + top;
        }
    return 0;
}

int gc_logsumexp_backward(Tensor *out)
{
    Tensor *a = out->inputs[0];
    if (!gc_needs_grad(a)) return 0;
    if (!gc_grad_of(a)) return -1;
    int64_t outer, n, inner;
    layout(out, &outer, &n, &inner);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            const double *x = a->data + o * n * inner + i;
            double *gx = a->grad->data + o * n * inner + i;
            double g = out->grad->data[o * inner + i], y = out->data[o * inner + i];
            for (int64_t k = 0; k < n; k++) gx[k * inner] += g * gc_exp(x[k * inner] - y);
        }
    return 0;
}

Tensor *gc_logsumexp(Tensor *x, int dim, int keepdim)
{
    OpArgs args = { .dim = GC_ALL_DIMS, .keepdim = keepdim };
    if (dim != GC_ALL_DIMS && (args.dim = gc_norm_dim(dim, x->ndim, "logsumexp")) < 0) return NULL;
    return gc_apply(OP_LOGSUMEXP, 1, &x, &args);
}

/* ---- norm: args.scalar is p --------------------------------------------------------- */

int gc_norm_shape(Tensor *out)
{
    out->ndim = 0;
    return 0;
}

int gc_norm_forward(Tensor *out)
{
    const Tensor *a = out->inputs[0];
    double p = out->args.scalar, acc = isinf(p) && p < 0 ? INFINITY : 0;
    for (int64_t i = 0; i < a->numel; i++) {
        double v = fabs(a->data[i]);
        if (isnan(v))
            acc = NAN;
        else if (isnan(acc))
            continue;
        else if (isinf(p))
            acc = p > 0 ? (v > acc ? v : acc) : (v < acc ? v : acc);
        else if (p == 0)
            acc += v != 0;
        else if (p == 1)
            acc += v;
        else if (p == 2)
            acc += v * v;
        else
            acc += pow(v, p);
    }
    if (a->numel == 0 && isinf(p)) acc = 0;
    out->data[0] = isinf(p) || p == 0 || p == 1 ? acc : p == 2 ? sqrt(acc) : pow(acc, 1 / p);
    return 0;
}

/* As PyTorch: a zero norm gives zero gradients; for p = ±inf the gradient
 * is shared by the elements whose |x| equals the norm. */
int gc_norm_backward(Tensor *out)
{
    Tensor *a = out->inputs[0];
    if (!gc_needs_grad(a)) return 0;
    if (!gc_grad_of(a)) return -1;
    double p = out->args.scalar, nrm = out->data[0], g = out->grad->data[0];
    const double *x = a->data;
    double *gx = a->grad->data;
    if (p == 0) return 0;
    if (isinf(p)) {
        int64_t count = 0;
        for (int64_t i = 0; i < a->numel; i++) count += fabs(x[i]) == nrm || isnan(x[i]);
        for (int64_t i = 0; i < a->numel; i++)
            if (fabs(x[i]) == nrm || isnan(x[i]))
                gx[i] += (x[i] > 0 ? 1 : x[i] < 0 ? -1 : x[i]) * g / (double)count;
        return 0;
    }
    double scale = p == 1 ? g : nrm == 0 ? 0 : g / pow(nrm, p - 1);
    for (int64_t i = 0; i < a->numel; i++) {
        double v = x[i], s = v > 0 ? 1 : v < 0 ? -1 : v; /* sign, nan stays */
        double d = p == 1 ? s : p == 2 ? v : s * pow(fabs(v), p - 1);
        if (p < 1 && v == 0) d = 0;
        gx[i] += d * scale;
    }
    return 0;
}

Tensor *gc_norm(Tensor *x, double p)
{
    if (isnan(p)) {
        gc_set_error("norm: p must be a number, got nan");
        return NULL;
    }
    OpArgs args = { .scalar = p };
    return gc_apply(OP_NORM, 1, &x, &args);
}

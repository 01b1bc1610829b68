/*
 * ops_loss.c - losses: each reduces a prediction and a target to one number.
 *   mse            mean of squared differences
 *   bce            binary cross-entropy of probabilities
 *   cross_entropy  softmax then negative log-likelihood, fused: its gradient
 *                  is simply (softmax − onehot) / N
 *   nll            negative log-likelihood of log-probabilities
 * Class labels are class numbers 1..C. Each loss is a sum of terms ℓᵢ (one
 * per element, or one per sample), then reduced: their mean (the default),
 * their sum, or none (the terms themselves, one per element or sample).
 */
#include <math.h>
#include <string.h>

#include "core/autograd.h"
#include "core/ops/loss.h"
#include "core/ops/exp_poly.h"

static GcReduction reduction_of(const Tensor *out) { return (GcReduction)out->args.ints[0]; }

/* The shape of the result: one number, or with none the shape of the terms. */
static void reduced_shape(Tensor *out, int ndim, const int64_t *shape)
{
    out->ndim = 0;
    if (reduction_of(out) != GC_REDUCE_NONE) return;
    out->ndim = ndim;
    for (int d = 0; d < ndim; d++) out->shape[d] = shape[d];
}

/* ∂L/∂ℓᵢ: the upstream gradient of term i of n. */
static double term_grad(const Tensor *out, int64_t i, int64_t n)
{
    switch (reduction_of(out)) {
    case GC_REDUCE_NONE: return out->grad->data[i];
    case GC_REDUCE_SUM: return out->grad->data[0];
    default: return out->grad->data[0] / (double)n;
    }
}

static int same_shapes(Tensor *out)
{
    const Tensor *p = out->inputs[0], *t = out->inputs[1];
    if (!gc_same_shape(p, t)) {
        char b1[96], b2[96];
        gc_set_error("%s: the prediction has shape %s but the target has shape %s; they must be "
                     "equal",
                     out->op->name, gc_shape_str(p->ndim, p->shape, b1, sizeof b1),
                     gc_shape_str(t->ndim, t->shape, b2, sizeof b2));
        return -1;
    }
    reduced_shape(out, p->ndim, p->shape);
    return 0;
}

/* ---- mse = (1/n) Σ (p − t)² ------------------------------------------------- */

int gc_mse_shape(Tensor *out) { return same_shapes(out); }

int gc_mse_forward(Tensor *out)
{
    const Tensor *p = out->inputs[0], *t = out->inputs[1];
    if (reduction_of(out) == GC_REDUCE_NONE) {
        for (int64_t i = 0; i < p->numel; i++) {
            double d = p->data[i] - t->data[i];
            out->data[i] = d * d;
        }
        return 0;
    }
    double total = 0;
    for (int64_t i = 0; i < p->numel; i++) {
        double d = p->data[i] - t->data[i];
        total += d * d;
    }
    out->data[0] = reduction_of(out) == GC_REDUCE_MEAN ? total / (double)p->numel : total;
    return 0;
}

/* ∂/∂pᵢ = 2(pᵢ − tᵢ)/n, ∂/∂tᵢ = −2(pᵢ − tᵢ)/n */
int gc_mse_backward(Tensor *out)
{
    Tensor *p = out->inputs[0], *t = out->inputs[1];
    if ((gc_needs_grad(p) && !gc_grad_of(p)) || (gc_needs_grad(t) && !gc_grad_of(t))) return -1;
    for (int64_t i = 0; i < p->numel; i++) {
        double d = 2 * term_grad(out, i, p->numel) * (p->data[i] - t->data[i]);
        if (gc_needs_grad(p)) p->grad->data[i] += d;
        if (gc_needs_grad(t)) t->grad->data[i] -= d;
    }
    return 0;
}

/* ---- bce = −(1/n) Σ t ln p + (1 − t) ln(1 − p) ------------------------------ */

/* Logs are floored at −100, as PyTorch does, so p = 0 or 1 stays finite. */
static double floored_log(double x)
{
    double v = log(x);
    return v < -100 ? -100 : v;
}

int gc_bce_shape(Tensor *out)
{
    const Tensor *p = out->inputs[0];
    if (same_shapes(out)) return -1;
    for (int64_t i = 0; i < p->numel; i++) {
        if (!(p->data[i] >= 0 && p->data[i] <= 1)) {
            gc_set_error("bce: the prediction must hold probabilities between 0 and 1, but "
                         "element %lld is %g (apply sigmoid first?)",
                         (long long)i + 1, p->data[i]);
            return -1;
        }
    }
    return 0;
}

int gc_bce_forward(Tensor *out)
{
    const Tensor *p = out->inputs[0], *t = out->inputs[1];
    GcReduction how = reduction_of(out);
    double total = 0;
    for (int64_t i = 0; i < p->numel; i++) {
        double term =
            t->data[i] * floored_log(p->data[i]) + (1 - t->data[i]) * floored_log(1 - p->data[i]);
        if (how == GC_REDUCE_NONE) out->data[i] = -term;
        total += term;
    }
    if (how != GC_REDUCE_NONE)
        out->data[0] = how == GC_REDUCE_MEAN ? -total / (double)p->numel : -total;
    return 0;
}

/* ∂/∂pᵢ = (pᵢ − tᵢ) / (pᵢ (1 − pᵢ) n);  ∂/∂tᵢ = (ln(1 − pᵢ) − ln pᵢ) / n */
int gc_bce_backward(Tensor *out)
{
    Tensor *p = out->inputs[0], *t = out->inputs[1];
    int need_p = gc_needs_grad(p), need_t = gc_needs_grad(t);
    if ((need_p && !gc_grad_of(p)) || (need_t && !gc_grad_of(t))) return -1;
    for (int64_t i = 0; i < p->numel; i++) {
        double pi = p->data[i], ti = t->data[i], g = term_grad(out, i, p->numel);
        double denom = pi * (1 - pi);
        if (denom < 1e-12) denom = 1e-12; /* as PyTorch clamps it */
        if (need_p) p->grad->data[i] += g * (pi - ti) / denom;
        if (need_t) t->grad->data[i] += g * (floored_log(1 - pi) - floored_log(pi));
    }
    return 0;
}

/* ---- labels ------------------------------------------------------------------- */

/* Scores are [N, C] with labels [N], or one sample: [C] with one label. */
static int check_labels(Tensor *out, int64_t *n, int64_t *classes)
{
    const Tensor *s = out->inputs[0], *y = out->inputs[1];
    char b1[96], b2[96];
    const char *who = out->op->name;
    if (s->ndim == 2 && y->ndim == 1 && y->shape[0] == s->shape[0]) {
        *n = s->shape[0], *classes = s->shape[1];
    } else if (s->ndim == 1 && y->numel == 1 && y->ndim <= 1) {
        *n = 1, *classes = s->shape[0];
    } else {
        gc_set_error("%s: expected scores of shape [N, C] and labels of shape [N], got %s and %s",
                     who, gc_shape_str(s->ndim, s->shape, b1, sizeof b1),
                     gc_shape_str(y->ndim, y->shape, b2, sizeof b2));
        return -1;
    }
    for (int64_t i = 0; i < *n; i++) {
        double label = y->data[i];
        if (!(label >= 1 && label <= (double)*classes) || label != floor(label)) {
            gc_set_error("%s: label %g of sample %lld is not a class number: expected a whole "
                         "number from 1 to %lld",
                         who, label, (long long)i + 1, (long long)*classes);
            return -1;
        }
    }
    return 0;
}

int gc_cross_entropy_shape(Tensor *out)
{
    int64_t n, c;
    if (check_labels(out, &n, &c)) return -1;
    /* none keeps one loss per sample: [N], or a number for one sample [C] */
    int64_t shape[1] = { n };
    reduced_shape(out, out->inputs[0]->ndim == 2, shape);
    return 0;
}

int gc_nll_shape(Tensor *out) { return gc_cross_entropy_shape(out); }

/* ---- cross_entropy = (1/N) Σₙ (ln Σⱼ e^zₙⱼ − zₙ[yₙ]) ---------------------------- */

int gc_cross_entropy_forward(Tensor *out)
{
    const Tensor *z = out->inputs[0], *y = out->inputs[1];
    int64_t n, c;
    check_labels(out, &n, &c);
    out->saved = gc_new_like(z); /* softmax(z), which backward needs */
    if (!out->saved) return -1;
    GcReduction how = reduction_of(out);
    double total = 0;
    for (int64_t r = 0; r < n; r++) {
        const double *row = z->data + r * c;
        double *p = out->saved->data + r * c, top = -INFINITY, sum = 0;
        for (int64_t j = 0; j < c; j++)
            if (row[j] > top) top = row[j];
        for (int64_t j = 0; j < c; j++) sum += (p[j] = gc_exp(row[j] - top));
        for (int64_t j = 0; j < c; j++) p[j] /= sum;
        int64_t label = (int64_t)y->data[r] - 1;
        double term = top + log(sum) - row[label];
        if (how == GC_REDUCE_NONE) out->data[r] = term;
        total += term;
    }
    if (how != GC_REDUCE_NONE) out->data[0] = how == GC_REDUCE_MEAN ? total / (double)n : total;
    return 0;
}

/* ∂/∂zₙⱼ = (softmax(zₙ)ⱼ − [j = yₙ]) / N */
int gc_cross_entropy_backward(Tensor *out)
{
    Tensor *z = out->inputs[0], *y = out->inputs[1];
    int64_t n, c;
    if (!gc_needs_grad(z)) return 0;
    if (!gc_grad_of(z)) return -1;
    check_labels(out, &n, &c);
    for (int64_t r = 0; r < n; r++) {
        int64_t label = (int64_t)y->data[r] - 1;
        double g = term_grad(out, r, n);
        for (int64_t j = 0; j < c; j++)
            z->grad->data[r * c + j] += g * (out->saved->data[r * c + j] - (j == label));
    }
    return 0;
}

/* ---- nll = −(1/N) Σₙ aₙ[yₙ] ----------------------------------------------------- */

int gc_nll_forward(Tensor *out)
{
    const Tensor *a = out->inputs[0], *y = out->inputs[1];
    int64_t n, c;
    check_labels(out, &n, &c);
    GcReduction how = reduction_of(out);
    double total = 0;
    for (int64_t r = 0; r < n; r++) {
        double term = a->data[r * c + (int64_t)y->data[r] - 1];
        if (how == GC_REDUCE_NONE) out->data[r] = -term;
        total += term;
    }
    if (how != GC_REDUCE_NONE) out->data[0] = how == GC_REDUCE_MEAN ? -total / (double)n : -total;
    return 0;
}

int gc_nll_backward(Tensor *out)
{
    Tensor *a = out->inputs[0], *y = out->inputs[1];
    int64_t n, c;
    if (!gc_needs_grad(a)) return 0;
    if (!gc_grad_of(a)) return -1;
    check_labels(out, &n, &c);
    for (int64_t r = 0; r < n; r++)
        a->grad->data[r * c + (int64_t)y->data[r] - 1] -= term_grad(out, r, n);
    return 0;
}

Tensor *gc_loss(OpCode op, Tensor *pred, Tensor *target, GcReduction reduction)
{
    Tensor *in[2] = { pred, target };
    OpArgs args = { 0 };
    args.ints[0] = (int32_t)reduction;
    return gc_apply(op, 2, in, &args);
}

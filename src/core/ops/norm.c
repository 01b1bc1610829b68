/*
 * norm.c - batch_norm and layer_norm, each one fused op with its backward.
 *
 * Both compute x̂ = (x − mean) / √(var + ε) over a group of m values and
 * y = w×x̂ + b. With statistics of the batch, the backward is the
 * three-term formula
 *   ∂L/∂x = w/√(var + ε) × (g − mean(g) − x̂ × mean(g×x̂)),   g = ∂L/∂y
 * and ∂L/∂w = Σ g×x̂, ∂L/∂b = Σ g over the group.
 * batch_norm groups by channel (dim 2) over the batch and positions; its
 * inputs are x, w, b, and in evaluation also the running mean and var,
 * which it then uses as constants. layer_norm groups the last dims.
 * saved holds the statistics the trace shows: batch_norm [3, C] (mean,
 * biased variance, unbiased variance), layer_norm [2, rows] (mean, 1/√(var + ε)).
 */
#include <math.h>
#include <string.h>

#include "core/autograd.h"
#include "core/ops/norm.h"

/* ---- batch_norm: args.ints[0] training, scalar ε ------------------------------------- */

static void channels(const Tensor *x, int64_t *n, int64_t *c, int64_t *inner)
{
    *n = x->shape[0], *c = x->shape[1];
    *inner = 1;
    for (int d = 2; d < x->ndim; d++) *inner *= x->shape[d];
}

int gc_batch_norm_shape(Tensor *out)
{
    const Tensor *x = out->inputs[0];
    char b1[96], b2[96];
    if (x->ndim < 2) {
        gc_set_error("batch_norm: x must be [N, C] or [N, C, H, W] (channels in dim 2), got %s",
                     gc_shape_str(x->ndim, x->shape, b1, sizeof b1));
        return -1;
    }
    static const char *what[] = { "", "weight", "bias", "running_mean", "running_var" };
    for (int i = 1; i < out->ninputs; i++) {
        const Tensor *t = out->inputs[i];
        if (t->ndim != 1 || t->shape[0] != x->shape[1]) {
            gc_set_error("batch_norm: %s must be [%lld], one per channel of x %s, got %s", what[i],
                         (long long)x->shape[1], gc_shape_str(x->ndim, x->shape, b1, sizeof b1),
                         gc_shape_str(t->ndim, t->shape, b2, sizeof b2));
            return -1;
        }
    }
    int64_t n, c, inner;
    channels(x, &n, &c, &inner);
    if (out->args.ints[0] && n * inner <= 1) {
        gc_set_error("batch_norm: training needs more than 1 value per channel, got x %s "
                     "(use a larger batch, or eval mode)",
                     gc_shape_str(x->ndim, x->shape, b1, sizeof b1));
        return -1;
    }
    out->ndim = x->ndim;
    memcpy(out->shape, x->shape, sizeof out->shape);
    return 0;
}

int gc_batch_norm_forward(Tensor *out)
{
    const Tensor *x = out->inputs[0], *w = out->inputs[1], *b = out->inputs[2];
    int training = out->args.ints[0];
    double eps = out->args.scalar;
    int64_t n, c, inner;
    channels(x, &n, &c, &inner);
    int64_t shape[2] = { 3, c }, m = n * inner;
    if (!(out->saved = gc_new(2, shape))) return -1;
    double *mean = out->saved->data, *var = mean + c, *unbiased = var + c;
    for (int64_t k = 0; k < c; k++) {
        double mu, v;
        if (training) {
            double s = 0, ss = 0;
            for (int64_t i = 0; i < n; i++)
                for (int64_t j = 0; j < inner; j++) s += x->data[(i * c + k) * inner + j];
            mu = s / (double)m;
            for (int64_t i = 0; i < n; i++)
                for (int64_t j = 0; j < inner; j++) {
                    double d = x->data[(i * c + k) * inner + j] - mu;
                    ss += d * d;
                }
            v = ss / (double)m;
            unbiased[k] = ss / (double)(m - 1);
        } else {
            mu = out->inputs[3]->data[k];
            v = unbiased[k] = out->inputs[4]->data[k];
        }
        mean[k] = mu, var[k] = v;
        double invstd = 1 / sqrt(v + eps);
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < inner; j++) {
                int64_t at = (i * c + k) * inner + j;
                out->data[at] = (x->data[at] - mu) * invstd * w->data[k] + b->data[k];
            }
    }
    return 0;
}

int gc_batch_norm_backward(Tensor *out)
{
    Tensor *x = out->inputs[0], *w = out->inputs[1], *b = out->inputs[2];
    int training = out->args.ints[0];
    int need_x = gc_needs_grad(x), need_w = gc_needs_grad(w), need_b = gc_needs_grad(b);
    if ((need_x && !gc_grad_of(x)) || (need_w && !gc_grad_of(w)) || (need_b && !gc_grad_of(b)))
        return -1;
    int64_t n, c, inner;
    channels(x, &n, &c, &inner);
    double m = (double)(n * inner);
    const double *g = out->grad->data, *mean = out->saved->data, *var = mean + c;
    for (int64_t k = 0; k < c; k++) {
        double invstd = 1 / sqrt(var[k] + out->args.scalar), sg = 0, sgx = 0;
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < inner; j++) {
                int64_t at = (i * c + k) * inner + j;
                sg += g[at];
                sgx += g[at] * (x->data[at] - mean[k]) * invstd;
            }
        if (need_w) w->grad->data[k] += sgx;
        if (need_b) b->grad->data[k] += sg;
        if (!need_x) continue;
        double scale = w->data[k] * invstd;
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < inner; j++) {
                int64_t at = (i * c + k) * inner + j;
                double xhat = (x->data[at] - mean[k]) * invstd;
                x->grad->data[at] +=
                    training ? scale * (g[at] - sg / m - xhat * sgx / m) : scale * g[at];
            }
    }
    return 0;
}

/* A constant [c] filled with v, for a missing weight or bias. */
static Tensor *constant(int ndim, const int64_t *shape, double v)
{
    Tensor *t = gc_new(ndim, shape);
    if (t)
        for (int64_t i = 0; i < t->numel; i++) t->data[i] = v;
    return t;
}

Tensor *gc_batch_norm(Tensor *x, Tensor *w, Tensor *b, Tensor *running_mean, Tensor *running_var,
                      int training, double momentum, double eps)
{
    char b1[96];
    if (x->ndim < 2) {
        gc_set_error("batch_norm: x must be [N, C] or [N, C, H, W] (channels in dim 2), got %s",
                     gc_shape_str(x->ndim, x->shape, b1, sizeof b1));
        return NULL;
    }
    if (!training && (!running_mean || !running_var)) {
        gc_set_error("batch_norm: evaluation (training = false) needs running_mean and "
                     "running_var; pass them, or training = true");
        return NULL;
    }
    if ((running_mean && running_mean->requires_grad) ||
        (running_var && running_var->requires_grad)) {
        gc_set_error("batch_norm: running_mean and running_var are statistics, not parameters: "
                     "they must not require a gradient");
        return NULL;
    }
    char b2[96];
    for (int r = 0; r < 2; r++) {
        Tensor *t = r ? running_var : running_mean;
        if (t && (t->ndim != 1 || t->shape[0] != x->shape[1])) {
            gc_set_error("batch_norm: %s must be [%lld], one per channel of x %s, got %s",
                         r ? "running_var" : "running_mean", (long long)x->shape[1],
                         gc_shape_str(x->ndim, x->shape, b1, sizeof b1),
                         gc_shape_str(t->ndim, t->shape, b2, sizeof b2));
            return NULL;
        }
    }
    Tensor *made[2] = { NULL, NULL };
    if (!w && !(w = made[0] = constant(1, &x->shape[1], 1))) return NULL;
    if (!b && !(b = made[1] = constant(1, &x->shape[1], 0))) {
        gc_release(made[0]);
        return NULL;
    }
    OpArgs args = { .scalar = eps };
    args.ints[0] = training;
    Tensor *in[5] = { x, w, b, running_mean, running_var };
    Tensor *out = gc_apply(OP_BATCH_NORM, training ? 3 : 5, in, &args);
    gc_release(made[0]);
    gc_release(made[1]);
    if (!out || !training) return out;
    int64_t c = x->shape[1];
    const double *stats = out->saved->data;
    for (int r = 0; r < 2; r++) {
        Tensor *t = r ? running_var : running_mean;
        if (!t) continue;
        t->version++; /* changed in place, as PyTorch does */
        for (int64_t k = 0; k < c; k++)
            t->data[k] = (1 - momentum) * t->data[k] + momentum * stats[(r ? 2 : 0) * c + k];
    }
    return out;
}

/* ---- layer_norm: args.ints[0] the number of normalised dims, scalar ε -------------------- */

static void rows(const Tensor *out, int64_t *nrows, int64_t *m)
{
    const Tensor *x = out->inputs[0];
    *m = out->inputs[1]->numel;
    *nrows = *m ? x->numel / *m : 0;
    if (*m == 0) {
        *nrows = 1;
        for (int d = 0; d < x->ndim - out->args.ints[0]; d++) *nrows *= x->shape[d];
    }
}

int gc_layer_norm_shape(Tensor *out)
{
    const Tensor *x = out->inputs[0];
    int k = out->args.ints[0];
    char b1[96], b2[96];
    for (int i = 1; i < 3; i++) {
        const Tensor *t = out->inputs[i];
        int fits = k >= 1 && t->ndim == k && k <= x->ndim;
        for (int d = 0; fits && d < k; d++) fits = t->shape[d] == x->shape[x->ndim - k + d];
        if (!fits) {
            gc_set_error("layer_norm: normalized_shape %s (the shape of %s) must be the last "
                         "dims of x %s",
                         gc_shape_str(t->ndim, t->shape, b2, sizeof b2), i == 1 ? "weight" : "bias",
                         gc_shape_str(x->ndim, x->shape, b1, sizeof b1));
            return -1;
        }
    }
    out->ndim = x->ndim;
    memcpy(out->shape, x->shape, sizeof out->shape);
    return 0;
}

int gc_layer_norm_forward(Tensor *out)
{
    const Tensor *x = out->inputs[0], *w = out->inputs[1], *b = out->inputs[2];
    int64_t nrows, m;
    rows(out, &nrows, &m);
    int64_t shape[2] = { 2, nrows };
    if (!(out->saved = gc_new(2, shape))) return -1;
    for (int64_t r = 0; r < nrows; r++) {
        const double *xr = x->data + r * m;
        double *y = out->data + r * m, s = 0, ss = 0;
        for (int64_t j = 0; j < m; j++) s += xr[j];
        double mu = s / (double)m;
        for (int64_t j = 0; j < m; j++) ss += (xr[j] - mu) * (xr[j] - mu);
        double rstd = 1 / sqrt(ss / (double)m + out->args.scalar);
        out->saved->data[r] = mu;
        out->saved->data[nrows + r] = rstd;
        for (int64_t j = 0; j < m; j++) y[j] = (xr[j] - mu) * rstd * w->data[j] + b->data[j];
    }
    return 0;
}

int gc_layer_norm_backward(Tensor *out)
{
    Tensor *x = out->inputs[0], *w = out->inputs[1], *b = out->inputs[2];
    int need_x = gc_needs_grad(x), need_w = gc_needs_grad(w), need_b = gc_needs_grad(b);
    if ((need_x && !gc_grad_of(x)) || (need_w && !gc_grad_of(w)) || (need_b && !gc_grad_of(b)))
        return -1;
    int64_t nrows, m;
    rows(out, &nrows, &m);
    for (int64_t r = 0; r < nrows; r++) {
        const double *xr = x->data + r * m, *g = out->grad->data + r * m;
        double mu = out->saved->data[r], rstd = out->saved->data[nrows + r], sg = 0, sgx = 0;
        for (int64_t j = 0; j < m; j++) {
            double xhat = (xr[j] - mu) * rstd, gh = g[j] * w->data[j];
            if (need_w) w->grad->data[j] += g[j] * xhat;
            if (need_b) b->grad->data[j] += g[j];
            sg += gh;
            sgx += gh * xhat;
        }
        if (!need_x) continue;
        double *gx = x->grad->data + r * m;
        for (int64_t j = 0; j < m; j++) {
            double xhat = (xr[j] - mu) * rstd;
            gx[j] += rstd * (g[j] * w->data[j] - sg / (double)m - xhat * sgx / (double)m);
        }
        if (gc_interrupted()) return -1;
    }
    return 0;
}

Tensor *gc_layer_norm(Tensor *x, int ndim, const int64_t *shape, Tensor *w, Tensor *b, double eps)
{
    char b1[96], b2[96];
    int fits = ndim >= 1 && ndim <= x->ndim;
    for (int d = 0; fits && d < ndim; d++) fits = shape[d] == x->shape[x->ndim - ndim + d];
    if (!fits) {
        gc_set_error("layer_norm: normalized_shape %s must be the last dims of x %s",
                     gc_shape_str(ndim, shape, b2, sizeof b2),
                     gc_shape_str(x->ndim, x->shape, b1, sizeof b1));
        return NULL;
    }
    Tensor *made[2] = { NULL, NULL };
    if (!w && !(w = made[0] = constant(ndim, shape, 1))) return NULL;
    if (!b && !(b = made[1] = constant(ndim, shape, 0))) {
        gc_release(made[0]);
        return NULL;
    }
    OpArgs args = { .scalar = eps };
    args.ints[0] = ndim;
    Tensor *in[3] = { x, w, b };
    Tensor *out = gc_apply(OP_LAYER_NORM, 3, in, &args);
    gc_release(made[0]);
    gc_release(made[1]);
    return out;
}

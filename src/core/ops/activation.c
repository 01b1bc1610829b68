/*
 * activation.c - elu and silu, with PyTorch's formulas:
 *   elu(x)  = x if x > 0, else α(eˣ − 1);  ∂/∂x = 1 if x > 0, else α×eˣ
 *   silu(x) = x×σ(x) = x / (1 + e⁻ˣ);     ∂/∂x = σ(x)(1 + x(1 − σ(x)))
 * Computed in one loop each way (silu as one op, not x * sigmoid(x)).
 */
#include <math.h>
#include <string.h>

#include "core/autograd.h"
#include "core/ops/activation.h"
#include "core/ops/exp_poly.h"

int gc_activation_shape(Tensor *out)
{
    out->ndim = out->inputs[0]->ndim;
    memcpy(out->shape, out->inputs[0]->shape, sizeof out->shape);
    return 0;
}

int gc_activation_forward(Tensor *out)
{
    const double *x = out->inputs[0]->data;
    double alpha = out->args.scalar;
    if (out->op == &gc_ops[OP_ELU])
        for (int64_t i = 0; i < out->numel; i++)
            out->data[i] = x[i] > 0 ? x[i] : alpha * expm1(x[i]);
    else
        for (int64_t i = 0; i < out->numel; i++) out->data[i] = x[i] / (1 + gc_exp(-x[i]));
    return 0;
}

int gc_activation_backward(Tensor *out)
{
    Tensor *a = out->inputs[0];
    if (!gc_needs_grad(a)) return 0;
    if (!gc_grad_of(a)) return -1;
    const double *x = a->data, *g = out->grad->data;
    double *gx = a->grad->data, alpha = out->args.scalar;
    if (out->op == &gc_ops[OP_ELU])
        for (int64_t i = 0; i < out->numel; i++)
            gx[i] += x[i] > 0 ? g[i] : g[i] * alpha * exp(x[i]);
    else
        for (int64_t i = 0; i < out->numel; i++) {
            double s = 1 / (1 + gc_exp(-x[i]));
            gx[i] += g[i] * s * (1 + x[i] * (1 - s));
        }
    return 0;
}

Tensor *gc_elu(Tensor *x, double alpha)
{
    OpArgs args = { .scalar = alpha };
    return gc_apply(OP_ELU, 1, &x, &args);
}

Tensor *gc_silu(Tensor *x) { return gc_apply(OP_SILU, 1, &x, NULL); }

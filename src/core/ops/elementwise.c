/*
 * ops_elementwise.c - the loops shared by every elementwise op, with NumPy
 * broadcasting. The maths of each op is a pair of scalar functions in the
 * op table (op_table.c); here they are run over whole tensors.
 */
#include <string.h>

#include "core/autograd.h"
#include "core/ops/elementwise.h"

/* ---- shape, forward and backward of every elementwise op ----------------- */

/* Every million elements, see whether Ctrl-C asked to stop (gc_apply then
 * reports "interrupted"). */
#define POLL(i) (((i)&0xFFFFF) == 0xFFFFF && gc_interrupt)

int gc_elementwise_shape(Tensor *out)
{
    if (out->ninputs == 1) {
        out->ndim = out->inputs[0]->ndim;
        memcpy(out->shape, out->inputs[0]->shape, sizeof out->shape);
        return 0;
    }
    return gc_broadcast_shape(out->inputs[0], out->inputs[1], &out->ndim, out->shape,
                              out->op->name);
}

int gc_elementwise_forward(Tensor *out)
{
    const OpDef *op = out->op;
    double arg = out->args.scalar, *y = out->data;
    const double *a = out->inputs[0]->data;
    if (out->ninputs == 1) {
        for (int64_t i = 0; i < out->numel; i++) {
            y[i] = op->f(a[i], 0, arg);
            if (POLL(i)) break;
        }
        return 0;
    }
    const double *b = out->inputs[1]->data;
    Tensor *ta = out->inputs[0], *tb = out->inputs[1];
    if (gc_same_shape(ta, tb)) { /* the common case, without index arithmetic */
        for (int64_t i = 0; i < out->numel; i++) {
            y[i] = op->f(a[i], b[i], arg);
            if (POLL(i)) break;
        }
    } else {
        GC_BROADCAST_LOOP(out, ta, tb, y[i] = op->f(a[ia], b[ib], arg));
    }
    return 0;
}

/* d loss/d a += d loss/d y · ∂y/∂a, summed over the elements a was
 * broadcast to (likewise for b). */
int gc_elementwise_backward(Tensor *out)
{
    const OpDef *op = out->op;
    double arg = out->args.scalar;
    const double *g = out->grad->data, *y = out->data;
    Tensor *ta = out->inputs[0], *tb = out->ninputs > 1 ? out->inputs[1] : NULL;
    const double *a = ta->data;
    double *ga = NULL, *gb = NULL;
    if (gc_needs_grad(ta)) {
        if (!gc_grad_of(ta)) return -1;
        ga = ta->grad->data;
    }
    if (!tb) {
        if (ga)
            for (int64_t i = 0; i < out->numel; i++) ga[i] += g[i] * op->df_da(a[i], 0, y[i], arg);
        return 0;
    }
    if (gc_needs_grad(tb)) {
        if (!gc_grad_of(tb)) return -1;
        gb = tb->grad->data;
    }
    const double *b = tb->data;
    GC_BROADCAST_LOOP(out, ta, tb, {
        if (ga) ga[ia] += g[i] * op->df_da(a[ia], b[ib], y[i], arg);
        if (gb) gb[ib] += g[i] * op->df_db(a[ia], b[ib], y[i], arg);
    });
    return 0;
}

/* ---- constructors ---------------------------------------------------------- */

Tensor *gc_binary(OpCode op, Tensor *a, Tensor *b)
{
    Tensor *in[2] = { a, b };
    return gc_apply(op, 2, in, NULL);
}

Tensor *gc_unary(OpCode op, Tensor *a) { return gc_apply(op, 1, &a, NULL); }

Tensor *gc_leaky_relu(Tensor *a, double slope)
{
    OpArgs args = { .scalar = slope };
    return gc_apply(OP_LEAKY_RELU, 1, &a, &args);
}

/*
 * index.c - index_select: y = a picked at idx along dim. The indices are
 * the second input (1-based class-number style, never differentiated), so
 * a trace shows which rows were taken. Backward scatters each slice of
 * ∂L/∂y back onto the row it came from, adding when a row was taken twice.
 */
#include <string.h>

#include "core/autograd.h"
#include "core/ops/index.h"

int gc_index_select_shape(Tensor *out)
{
    const Tensor *a = out->inputs[0], *idx = out->inputs[1];
    int dim = out->args.dim;
    if (idx->ndim > 1) {
        char buf[64];
        gc_set_error("index_select: the indices must be a 1-d tensor, got shape %s",
                     gc_shape_str(idx->ndim, idx->shape, buf, sizeof buf));
        return -1;
    }
    int64_t n = a->shape[dim];
    for (int64_t i = 0; i < idx->numel; i++) {
        double v = idx->data[i];
        if (!(v >= 1 && v <= (double)n) || v != (double)(int64_t)v) {
            gc_set_error("index_select: index %g (entry %lld) is not a whole number in 1..%lld, "
                         "the size of dimension %d",
                         v, (long long)i + 1, (long long)n, dim + 1);
            return -1;
        }
    }
    out->ndim = a->ndim;
    memcpy(out->shape, a->shape, sizeof out->shape);
    out->shape[dim] = idx->numel;
    return 0;
}

int gc_index_select_forward(Tensor *out)
{
    const Tensor *a = out->inputs[0], *idx = out->inputs[1];
    int64_t outer, n, inner, k = idx->numel;
    gc_split_at(a, out->args.dim, &outer, &n, &inner);
    for (int64_t o = 0; o < outer; o++) {
        if (gc_interrupt) return 0; /* gc_apply reports it */
        for (int64_t j = 0; j < k; j++) {
            int64_t row = (int64_t)idx->data[j] - 1;
            memcpy(out->data + (o * k + j) * inner, a->data + (o * n + row) * inner,
                   (size_t)inner * sizeof(double));
        }
    }
    return 0;
}

int gc_index_select_backward(Tensor *out)
{
    Tensor *a = out->inputs[0];
    const Tensor *idx = out->inputs[1];
    if (!gc_needs_grad(a)) return 0;
    if (!gc_grad_of(a)) return -1;
    int64_t outer, n, inner, k = idx->numel;
    gc_split_at(a, out->args.dim, &outer, &n, &inner);
    for (int64_t o = 0; o < outer; o++) {
        if (gc_interrupted()) return -1;
        for (int64_t j = 0; j < k; j++) {
            int64_t row = (int64_t)idx->data[j] - 1;
            double *g = a->grad->data + (o * n + row) * inner;
            const double *dy = out->grad->data + (o * k + j) * inner;
            for (int64_t i = 0; i < inner; i++) g[i] += dy[i];
        }
    }
    return 0;
}

Tensor *gc_index_select(Tensor *a, int dim, Tensor *idx)
{
    OpArgs args = { 0 };
    if ((args.dim = gc_norm_dim(dim, a->ndim, "index_select")) < 0) return NULL;
    Tensor *inputs[2] = { a, idx };
    return gc_apply(OP_INDEX_SELECT, 2, inputs, &args);
}

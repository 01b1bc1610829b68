/*
 * print.c - tensors as text: values in aligned columns, then the name,
 * the shape and how the tensor takes part in autograd, e.g.
 *   tensor([[ 0.15,  0.2 ],
 *           [-0.25,  0.3 ]], name="w1", shape={2, 2}, requires_grad=true)
 * Large tensors show their first and last few entries along each dim.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/op_table.h"
#include "explain/print.h"
#include "explain/text.h"

#define SUMMARY_THRESHOLD 1000 /* more elements than this: summarise */
#define EDGE              3    /* entries kept at each end when summarising */

typedef struct Layout {
    const Tensor *t;
    int summarise, width, precision, indent;
} Layout;

static int shown(const Layout *l, int dim, int64_t k)
{
    int64_t n = l->t->shape[dim];
    return !l->summarise || n <= 2 * EDGE || k < EDGE || k >= n - EDGE;
}

/* Calls back for each displayed element to find the column width. */
static void measure(Layout *l, int dim, int64_t offset, int64_t stride)
{
    char buf[64];
    if (dim == l->t->ndim) {
        int w = (int)strlen(gc_format_number(l->t->data[offset], l->precision, buf, sizeof buf));
        if (w > l->width) l->width = w;
        return;
    }
    int64_t n = l->t->shape[dim], inner = n ? stride / n : 0;
    for (int64_t k = 0; k < n; k++)
        if (shown(l, dim, k)) measure(l, dim + 1, offset + k * inner, inner);
}

static void separator(Text *out, const Layout *l, int dim)
{
    if (dim == l->t->ndim - 1) {
        gc_text_add(out, ", ");
        return;
    }
    gc_text_add(out, ",");
    for (int blank = 0; blank < l->t->ndim - dim - 2; blank++) gc_text_add(out, "\n");
    gc_text_add(out, "\n%*s", l->indent + dim + 1, "");
}

static void emit(Text *out, Layout *l, int dim, int64_t offset, int64_t stride)
{
    char buf[64];
    if (dim == l->t->ndim) {
        gc_text_add(out, "%*s", l->width,
                    gc_format_number(l->t->data[offset], l->precision, buf, sizeof buf));
        return;
    }
    int64_t n = l->t->shape[dim], inner = n ? stride / n : 0;
    gc_text_add(out, "[");
    for (int64_t k = 0; k < n; k++) {
        if (!shown(l, dim, k)) {
            if (k == EDGE) {
                gc_text_add(out, "...");
                separator(out, l, dim);
            }
            continue;
        }
        emit(out, l, dim + 1, offset + k * inner, inner);
        if (k < n - 1) separator(out, l, dim);
    }
    gc_text_add(out, "]");
}

char *gc_format(const Tensor *t, int precision)
{
    Text out = { 0 };
    Layout l = { t, t->numel > SUMMARY_THRESHOLD, 1, precision, (int)strlen("tensor(") };
    char buf[64];
    gc_text_add(&out, "tensor(");
    if (t->ndim == 0) {
        gc_text_add(&out, "%s", gc_format_number(t->data[0], precision, buf, sizeof buf));
    } else {
        measure(&l, 0, 0, t->numel);
        emit(&out, &l, 0, 0, t->numel);
    }
    if (t->name) gc_text_add(&out, ", name=\"%s\"", t->name);
    if (t->ndim > 0) {
        gc_text_add(&out, ", shape={");
        for (int d = 0; d < t->ndim; d++)
            gc_text_add(&out, d ? ", %lld" : "%lld", (long long)t->shape[d]);
        gc_text_add(&out, "}");
    }
    if (t->op)
        gc_text_add(&out, ", grad_fn=%s", t->op->name);
    else if (t->requires_grad)
        gc_text_add(&out, ", requires_grad=true");
    gc_text_add(&out, ")");
    return gc_text_finish(&out, "tostring");
}

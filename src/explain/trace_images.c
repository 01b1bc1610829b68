/*
 * trace_images.c - the working a trace prints under an image op's line, for
 * small inputs: each convolution output as its sum of products, each
 * pooling window with its winner or its mean, and in the backward trace
 * where pooling sent each gradient. Normalisation and dropout are in
 * trace_norms.c; gc_trace_detail_forward/backward pick the writer by op.
 */
#include <stdio.h>
#include <string.h>

#include "core/op_table.h"
#include "core/ops/conv.h"
#include "explain/trace_images.h"
#include "explain/trace_norms.h"

/* ---- shared pieces -------------------------------------------------------------- */

/* "3", "1..2", or "1..5 by 2": count positions from first (0-based), step apart, 1-based. */
static const char *span(int64_t first, int64_t count, int64_t step, char *buf, size_t size)
{
    if (count <= 1)
        snprintf(buf, size, "%lld", (long long)first + 1);
    else if (step == 1)
        snprintf(buf, size, "%lld..%lld", (long long)first + 1, (long long)(first + count));
    else
        snprintf(buf, size, "%lld..%lld by %lld", (long long)first + 1,
                 (long long)(first + (count - 1) * step + 1), (long long)step);
    return buf;
}

/* ---- conv2d and conv1d ------------------------------------------------------------ */

static int conv_small(const ConvGeometry *g)
{
    int64_t terms = g->C / g->G * g->kH * g->kW;
    if (g->one_d) return g->W <= 36 && g->kW <= 9 && terms <= 27;
    return g->H <= 6 && g->W <= 6 && g->kH <= 3 && g->kW <= 3 && terms <= 27;
}

/* The first line: what each output is, and the options that move the window. */
static void conv_header(Text *out, const ConvGeometry *g, const char *xn, const char *wn,
                        const char *bn, int bias)
{
    gc_text_add(out, "  each output is %s%sΣ %s[o,c,%s] × %s over its window, in the order c, %s",
                bias ? bn : "", bias ? "[o] + " : "", wn, g->one_d ? "p" : "p,q", xn,
                g->one_d ? "p" : "p, q");
    if (g->one_d)
        gc_text_add(out, " (stride %lld, padding %lld, dilation %lld", (long long)g->sW,
                    (long long)g->pW, (long long)g->dW);
    else
        gc_text_add(out, " (stride %lld, %lld, padding %lld, %lld, dilation %lld, %lld",
                    (long long)g->sH, (long long)g->sW, (long long)g->pH, (long long)g->pW,
                    (long long)g->dH, (long long)g->dW);
    if (g->G > 1)
        gc_text_add(out, ", groups %lld: each output channel reads %lld input channel%s",
                    (long long)g->G, (long long)(g->C / g->G), g->C / g->G > 1 ? "s" : "");
    gc_text_add(out, ")\n");
    if (g->pH || g->pW)
        gc_text_add(out, "  positions below 1 and past the end are the padding: x there is 0\n");
}

static void conv_forward(const View *v, Text *out, int64_t k)
{
    const Tensor *y = v->order[k], *x = y->inputs[0], *w = y->inputs[1];
    const Tensor *b = y->ninputs == 3 ? y->inputs[2] : NULL;
    ConvGeometry g;
    gc_conv_geometry(y, &g);
    if (y->numel == 0 || !conv_small(&g)) return;
    const TraceOptions *o = &v->o;
    char yn[256], xn[256], wn[256], bn[256], idx[96], s1[48], s2[48], s3[48], num[64];
    tv_name(v, y, "y", yn, sizeof yn), tv_name(v, x, "x", xn, sizeof xn);
    tv_name(v, w, "w", wn, sizeof wn);
    if (b) tv_name(v, b, "b", bn, sizeof bn);
    conv_header(out, &g, xn, wn, bn, b != NULL);
    int64_t cg = g.C / g.G, og = g.O / g.G, ohw = g.OH * g.OW;
    int64_t shown = y->numel < GC_DETAIL_LINES ? y->numel : GC_DETAIL_LINES;
    for (int64_t e = 0; e < shown; e++) {
        int64_t n = e / (g.O * ohw), oc = e / ohw % g.O, i = e / g.OW % g.OH, j = e % g.OW;
        int64_t c0 = oc / og * cg, r0 = i * g.sH - g.pH, q0 = j * g.sW - g.pW;
        gc_text_add(out, "  %s%s = ", yn, tv_index(y->ndim, y->shape, e, idx, sizeof idx));
        if (b) gc_text_add(out, "%s[%lld] + ", bn, (long long)oc + 1);
        gc_text_add(out, "Σ %s[%lld] × %s[", wn, (long long)oc + 1, xn);
        if (g.batched) gc_text_add(out, "%lld,", (long long)n + 1);
        gc_text_add(out, "%s,", span(c0, cg, 1, s1, sizeof s1));
        if (!g.one_d) gc_text_add(out, "%s,", span(r0, g.kH, g.dH, s2, sizeof s2));
        gc_text_add(out, "%s] = ", span(q0, g.kW, g.dW, s3, sizeof s3));
        if (b) gc_text_add(out, "%s + ", tv_num(o, b->data[oc], num, sizeof num));
        int first = 1;
        for (int64_t c = 0; c < cg; c++)
            for (int64_t p = 0; p < g.kH; p++)
                for (int64_t q = 0; q < g.kW; q++) {
                    int64_t r = r0 + p * g.dH, col = q0 + q * g.dW;
                    int inside = r >= 0 && r < g.H && col >= 0 && col < g.W;
                    double xv = inside ? x->data[((n * g.C + c0 + c) * g.H + r) * g.W + col] : 0;
                    double wv = w->data[((oc * cg + c) * g.kH + p) * g.kW + q];
                    gc_text_add(out, first ? "" : " + ");
                    tv_term(out, o, wv);
                    gc_text_add(out, "×");
                    tv_term(out, o, xv);
                    first = 0;
                }
        gc_text_add(out, " = %s\n", tv_num(o, y->data[e], num, sizeof num));
    }
    tv_more(out, shown, y->numel, "outputs, each the same sum over its own window");
}

/* ---- max_pool2d and avg_pool2d ------------------------------------------------------- */

typedef struct Pool {
    int64_t planes, C, H, W, OH, OW, kH, kW, sH, sW, pH, pW;
} Pool;

static void pool_layout(const Tensor *y, Pool *p)
{
    const Tensor *x = y->inputs[0];
    const int32_t *a = y->args.ints;
    p->H = x->shape[x->ndim - 2], p->W = x->shape[x->ndim - 1];
    p->C = x->shape[x->ndim - 3];
    p->planes = x->ndim == 4 ? x->shape[0] * p->C : p->C;
    p->kH = a[0], p->kW = a[1], p->sH = a[2], p->sW = a[3], p->pH = a[4], p->pW = a[5];
    p->OH = y->shape[y->ndim - 2], p->OW = y->shape[y->ndim - 1];
}

static int pool_small(const Pool *p) { return p->H <= 6 && p->W <= 6 && p->kH <= 3 && p->kW <= 3; }

/* Output e's window: rows h0..h1−1, columns w0..w1−1 inside x; size counts the padding. */
static void pool_window(const Pool *p, int64_t e, int64_t *h0, int64_t *h1, int64_t *w0,
                        int64_t *w1, int64_t *size)
{
    int64_t oh = e / p->OW % p->OH, ow = e % p->OW;
    int64_t a = oh * p->sH - p->pH, c = ow * p->sW - p->pW;
    int64_t b = a + p->kH < p->H + p->pH ? a + p->kH : p->H + p->pH;
    int64_t d = c + p->kW < p->W + p->pW ? c + p->kW : p->W + p->pW;
    *size = (b - a) * (d - c);
    *h0 = a < 0 ? 0 : a, *w0 = c < 0 ? 0 : c;
    *h1 = b > p->H ? p->H : b, *w1 = d > p->W ? p->W : d;
}

/* "x[1,1,2,1]": element at of plane (0-based) of x. */
static const char *pool_at(const Tensor *x, const char *xn, int64_t plane, int64_t at, char *buf,
                           size_t size)
{
    char idx[96];
    snprintf(buf, size, "%s%s", xn,
             tv_index(x->ndim, x->shape, plane * x->shape[x->ndim - 1] * x->shape[x->ndim - 2] + at,
                      idx, sizeof idx));
    return buf;
}

/* "x[1,1,1..2,1..2]": the window's elements inside x. */
static void pool_span(Text *out, const Tensor *x, const char *xn, const Pool *p, int64_t plane,
                      int64_t h0, int64_t h1, int64_t w0, int64_t w1)
{
    char s1[48], s2[48];
    gc_text_add(out, "%s[", xn);
    if (x->ndim == 4)
        gc_text_add(out, "%lld,%lld,", (long long)(plane / p->C) + 1,
                    (long long)(plane % p->C) + 1);
    else
        gc_text_add(out, "%lld,", (long long)plane + 1);
    gc_text_add(out, "%s,%s]", span(h0, h1 - h0, 1, s1, sizeof s1),
                span(w0, w1 - w0, 1, s2, sizeof s2));
}

static void pool_forward(const View *v, Text *out, int64_t k)
{
    const Tensor *y = v->order[k], *x = y->inputs[0];
    int is_max = y->op == &gc_ops[OP_MAX_POOL2D];
    Pool p;
    pool_layout(y, &p);
    if (y->numel == 0 || !pool_small(&p) || (is_max && !y->saved)) return;
    const TraceOptions *o = &v->o;
    char yn[256], xn[256], idx[96], at[320], num[64];
    tv_name(v, y, "y", yn, sizeof yn), tv_name(v, x, "x", xn, sizeof xn);
    if (p.pH || p.pW)
        gc_text_add(out,
                    is_max ? "  the padding never wins: only elements of %s take part\n"
                           : "  each window's size k counts its padding, whose values are 0 "
                             "and left out of the sum (%s's own elements only)\n",
                    xn);
    int64_t shown = y->numel < GC_DETAIL_LINES ? y->numel : GC_DETAIL_LINES;
    for (int64_t e = 0; e < shown; e++) {
        int64_t plane = e / (p.OH * p.OW), h0, h1, w0, w1, size;
        const double *xp = x->data + plane * p.H * p.W;
        pool_window(&p, e, &h0, &h1, &w0, &w1, &size);
        gc_text_add(out, "  %s%s = ", yn, tv_index(y->ndim, y->shape, e, idx, sizeof idx));
        if (is_max) {
            gc_text_add(out, "max(");
            for (int64_t i = h0; i < h1; i++)
                for (int64_t j = w0; j < w1; j++)
                    gc_text_add(out, "%s%s=%s", i == h0 && j == w0 ? "" : ", ",
                                pool_at(x, xn, plane, i * p.W + j, at, sizeof at),
                                tv_num(o, xp[i * p.W + j], num, sizeof num));
            int64_t win = (int64_t)y->saved->data[e];
            gc_text_add(out, ") = %s", pool_at(x, xn, plane, win, at, sizeof at));
        } else {
            gc_text_add(out, "Σ ");
            pool_span(out, x, xn, &p, plane, h0, h1, w0, w1);
            gc_text_add(out, " / %lld = (", (long long)size);
            for (int64_t i = h0; i < h1; i++)
                for (int64_t j = w0; j < w1; j++) {
                    if (i != h0 || j != w0) gc_text_add(out, " + ");
                    tv_term(out, o, xp[i * p.W + j]);
                }
            gc_text_add(out, ")/%lld", (long long)size);
        }
        gc_text_add(out, " = %s\n", tv_num(o, y->data[e], num, sizeof num));
    }
    tv_more(out, shown, y->numel, "windows");
}

/* Where the gradient of each pooling output went, in x's block (u uses x). */
static void pool_backward(const View *v, Text *out, int64_t ku)
{
    const Tensor *y = v->order[ku], *x = y->inputs[0];
    int is_max = y->op == &gc_ops[OP_MAX_POOL2D];
    Pool p;
    pool_layout(y, &p);
    if (y->numel == 0 || !y->grad || !pool_small(&p) || (is_max && !y->saved)) return;
    const TraceOptions *o = &v->o;
    char root[256], yn[256], xn[256], idx[96], at[320], num[64], n2[64];
    tv_label(v, v->n - 1, root, sizeof root);
    tv_name(v, y, "y", yn, sizeof yn), tv_name(v, x, "x", xn, sizeof xn);
    int64_t shown = y->numel < GC_DETAIL_LINES ? y->numel : GC_DETAIL_LINES, hits = 0;
    int shared = 0;
    for (int64_t e = 0; e < shown; e++) {
        int64_t plane = e / (p.OH * p.OW), h0, h1, w0, w1, size;
        pool_window(&p, e, &h0, &h1, &w0, &w1, &size);
        double g = y->grad->data[e];
        gc_text_add(out, "  ∂%s/∂%s%s = %s", root, yn,
                    tv_index(y->ndim, y->shape, e, idx, sizeof idx), tv_num(o, g, num, sizeof num));
        if (is_max) {
            int64_t win = (int64_t)y->saved->data[e];
            gc_text_add(out, " → %s\n", pool_at(x, xn, plane, win, at, sizeof at));
            for (int64_t f = 0; f < e; f++) /* the same element won an earlier window */
                if (f / (p.OH * p.OW) == plane && (int64_t)y->saved->data[f] == win) shared = 1;
        } else {
            gc_text_add(out, ", / %lld = %s → each of ", (long long)size,
                        tv_num(o, g / (double)size, n2, sizeof n2));
            pool_span(out, x, xn, &p, plane, h0, h1, w0, w1);
            gc_text_add(out, "\n");
            hits += (h1 - h0) * (w1 - w0);
        }
    }
    tv_more(out, shown, y->numel, "windows, each the same");
    if (is_max) {
        if (shared) gc_text_add(out, "  an element that won several windows gets their sum\n");
        gc_text_add(out, "  every other element of %s gets 0\n", xn);
    } else if (hits > x->numel || p.sH < p.kH || p.sW < p.kW) {
        gc_text_add(out, "  an element in several windows gets the sum of its shares\n");
    }
}

/* ---- the hooks -------------------------------------------------------------------------- */

void gc_trace_detail_forward(const View *v, Text *out, int64_t k)
{
    const OpDef *op = v->order[k]->op;
    if (op == &gc_ops[OP_CONV])
        conv_forward(v, out, k);
    else if (op == &gc_ops[OP_MAX_POOL2D] || op == &gc_ops[OP_AVG_POOL2D])
        pool_forward(v, out, k);
    else if (op == &gc_ops[OP_BATCH_NORM] || op == &gc_ops[OP_LAYER_NORM])
        gc_trace_norm_forward(v, out, k);
    else if (op == &gc_ops[OP_DROPOUT])
        gc_trace_dropout_forward(v, out, k);
}

void gc_trace_detail_backward(const View *v, Text *out, int64_t ku, int slot, const Tensor *g)
{
    const OpDef *op = v->order[ku]->op;
    if ((op == &gc_ops[OP_MAX_POOL2D] || op == &gc_ops[OP_AVG_POOL2D]) && slot == 0)
        pool_backward(v, out, ku);
    else if (op == &gc_ops[OP_BATCH_NORM] || op == &gc_ops[OP_LAYER_NORM])
        gc_trace_norm_backward(v, out, ku, slot, g);
    else if (op == &gc_ops[OP_DROPOUT])
        gc_trace_dropout_backward(v, out, ku);
}

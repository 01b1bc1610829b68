/*
 * trace_norms.c - the working of batch_norm, layer_norm and dropout under
 * their trace lines, for small inputs: per channel (batch_norm) or row
 * (layer_norm) the mean, the biased variance, x̂ and y with their numbers,
 * and in the backward trace the three-term formula with mean(ĝ) and
 * mean(ĝ × x̂); dropout's mask and its scale.
 */
#include <math.h>
#include <stdio.h>

#include "core/op_table.h"
#include "explain/trace_norms.h"

#define NORM_GROUPS 4  /* channels or rows written out */
#define NORM_SMALL  16 /* values per channel or row, at most */

/* The groups a norm normalises: channels of batch_norm, rows of layer_norm. */
typedef struct Groups {
    int bn, eval;
    int64_t count, m, inner; /* groups, values in each, positions (batch_norm) */
} Groups;

static void groups_of(const Tensor *y, Groups *g)
{
    const Tensor *x = y->inputs[0];
    g->bn = y->op == &gc_ops[OP_BATCH_NORM];
    g->eval = g->bn && !y->args.ints[0];
    if (g->bn) {
        g->inner = 1;
        for (int d = 2; d < x->ndim; d++) g->inner *= x->shape[d];
        g->count = x->shape[1];
        g->m = x->shape[0] * g->inner;
    } else {
        g->m = y->inputs[1]->numel;
        g->count = g->m ? x->numel / g->m : 0;
        g->inner = 1;
    }
}

/* The flat index of value t of group k. */
static int64_t at(const Groups *g, int64_t k, int64_t t)
{
    if (!g->bn) return k * g->m + t;
    return ((t / g->inner) * g->count + k) * g->inner + t % g->inner;
}

/* μ and σ² of group k as the op used them, and 1/√(σ² + ε). */
static void stats(const Tensor *y, const Groups *g, int64_t k, double *mu, double *var, double *inv)
{
    const Tensor *x = y->inputs[0];
    double eps = y->args.scalar;
    if (g->bn) {
        *mu = y->saved->data[k], *var = y->saved->data[g->count + k];
        *inv = 1 / sqrt(*var + eps);
        return;
    }
    *mu = y->saved->data[k], *inv = y->saved->data[g->count + k];
    double ss = 0;
    for (int64_t t = 0; t < g->m; t++)
        ss += (x->data[at(g, k, t)] - *mu) * (x->data[at(g, k, t)] - *mu);
    *var = ss / (double)g->m;
}

/* "[a, b, c]": the values d holds for group k. */
static void list(Text *out, const TraceOptions *o, const double *d, const Groups *g, int64_t k)
{
    char b[64];
    gc_text_add(out, "[");
    for (int64_t t = 0; t < g->m; t++)
        gc_text_add(out, "%s%s", t ? ", " : "", tv_num(o, d[at(g, k, t)], b, sizeof b));
    gc_text_add(out, "]");
}

static void group_title(Text *out, const Tensor *y, const Groups *g, int64_t k, const char *xn)
{
    const Tensor *x = y->inputs[0];
    char idx[96];
    if (g->bn) {
        gc_text_add(out, "  channel %lld (the %lld values of %s[:,%lld%s]", (long long)k + 1,
                    (long long)g->m, xn, (long long)k + 1, x->ndim > 2 ? ",…" : "");
        gc_text_add(out, g->eval ? "; eval: the running statistics were used, not the batch's):\n"
                                 : "):\n");
        return;
    }
    int lead = x->ndim - y->args.ints[0];
    gc_text_add(out, "  row %lld (%s%s, %lld values):\n", (long long)k + 1, xn,
                tv_index(lead, x->shape, k, idx, sizeof idx), (long long)g->m);
}

static int norm_small(const Tensor *y, const Groups *g)
{
    return y->saved && g->m >= 1 && g->m <= NORM_SMALL && g->count >= 1;
}

void gc_trace_norm_forward(const View *v, Text *out, int64_t k)
{
    const Tensor *y = v->order[k], *x = y->inputs[0], *w = y->inputs[1], *b = y->inputs[2];
    Groups g;
    groups_of(y, &g);
    if (!norm_small(y, &g)) return;
    const TraceOptions *o = &v->o;
    char xn[256], wn[256], bn[256], rm[256], rv[256], n1[64], n2[64], n3[64];
    tv_name(v, x, "x", xn, sizeof xn), tv_name(v, w, "w", wn, sizeof wn);
    tv_name(v, b, "b", bn, sizeof bn);
    if (g.eval) {
        tv_name(v, y->inputs[3], "running_mean", rm, sizeof rm);
        tv_name(v, y->inputs[4], "running_var", rv, sizeof rv);
    }
    int64_t shown = g.count < NORM_GROUPS ? g.count : NORM_GROUPS;
    for (int64_t c = 0; c < shown; c++) {
        double mu, var, inv;
        stats(y, &g, c, &mu, &var, &inv);
        group_title(out, y, &g, c, xn);
        if (g.eval) {
            gc_text_add(
                out, "    μ = running mean %s[%lld] = %s,  σ² = running variance %s[%lld] = %s\n",
                rm, (long long)c + 1, tv_num(o, mu, n1, sizeof n1), rv, (long long)c + 1,
                tv_num(o, var, n2, sizeof n2));
        } else {
            gc_text_add(out, "    μ = (");
            for (int64_t t = 0; t < g.m; t++) {
                if (t) gc_text_add(out, " + ");
                tv_term(out, o, x->data[at(&g, c, t)]);
            }
            gc_text_add(out, ")/%lld = %s\n    σ² = (", (long long)g.m,
                        tv_num(o, mu, n1, sizeof n1));
            for (int64_t t = 0; t < g.m; t++) {
                gc_text_add(out, "%s(", t ? " + " : "");
                tv_term(out, o, x->data[at(&g, c, t)]);
                gc_text_add(out, " − ");
                tv_term(out, o, mu);
                gc_text_add(out, ")²");
            }
            gc_text_add(out, ")/%lld = %s   (biased: divided by %lld, not %lld)\n", (long long)g.m,
                        tv_num(o, var, n2, sizeof n2), (long long)g.m, (long long)g.m - 1);
        }
        gc_text_add(out, "    x̂ = (x − μ)/√(σ² + ε) = (x − ");
        tv_term(out, o, mu);
        gc_text_add(out, ")/√(%s + %s) = (x − ", tv_num(o, var, n1, sizeof n1),
                    tv_num(o, y->args.scalar, n2, sizeof n2));
        tv_term(out, o, mu);
        gc_text_add(out, ") × %s = [", tv_num(o, inv, n3, sizeof n3));
        for (int64_t t = 0; t < g.m; t++)
            gc_text_add(out, "%s%s", t ? ", " : "",
                        tv_num(o, (x->data[at(&g, c, t)] - mu) * inv, n1, sizeof n1));
        gc_text_add(out, "]\n");
        if (g.bn) {
            gc_text_add(out, "    y = %s[%lld]×x̂ + %s[%lld] = ", wn, (long long)c + 1, bn,
                        (long long)c + 1);
            tv_term(out, o, w->data[c]);
            gc_text_add(out, "×x̂ + ");
            tv_term(out, o, b->data[c]);
        } else {
            gc_text_add(out, "    y = %s×x̂ + %s = [", wn, bn);
            for (int64_t t = 0; t < g.m; t++) {
                if (t) gc_text_add(out, ", ");
                tv_term(out, o, w->data[t]);
                gc_text_add(out, "×");
                tv_term(out, o, (x->data[at(&g, c, t)] - mu) * inv);
                gc_text_add(out, " + ");
                tv_term(out, o, b->data[t]);
            }
            gc_text_add(out, "]");
        }
        gc_text_add(out, " = ");
        list(out, o, y->data, &g, c);
        gc_text_add(out, "\n");
    }
    tv_more(out, shown, g.count, g.bn ? "channels, each the same" : "rows, each the same");
}

/* x̂ and ĝ = w × ∂L/∂y of value t of group c. */
static double xhat(const Tensor *y, const Groups *g, int64_t c, int64_t t, double mu, double inv)
{
    return (y->inputs[0]->data[at(g, c, t)] - mu) * inv;
}

static double ghat(const Tensor *y, const Groups *g, int64_t c, int64_t t)
{
    return y->grad->data[at(g, c, t)] * y->inputs[1]->data[g->bn ? c : t];
}

/* ∂L/∂x, group by group: ĝ, its two means, and the three terms. */
static void norm_backward_x(const View *v, Text *out, const Tensor *y, const Groups *g,
                            const Tensor *gr, const char *root, const char *yn, const char *wn)
{
    const TraceOptions *o = &v->o;
    char n1[64], n2[64], xn[256];
    tv_name(v, y->inputs[0], "x", xn, sizeof xn);
    int64_t shown = g->count < NORM_GROUPS ? g->count : NORM_GROUPS;
    for (int64_t c = 0; c < shown; c++) {
        double mu, var, inv, mg = 0, mgx = 0;
        stats(y, g, c, &mu, &var, &inv);
        for (int64_t t = 0; t < g->m; t++) {
            mg += ghat(y, g, c, t);
            mgx += ghat(y, g, c, t) * xhat(y, g, c, t, mu, inv);
        }
        mg /= (double)g->m, mgx /= (double)g->m;
        if (g->bn)
            gc_text_add(out, "  channel %lld: ĝ = %s[%lld] × ∂%s/∂%s = [", (long long)c + 1, wn,
                        (long long)c + 1, root, yn);
        else
            gc_text_add(out, "  row %lld: ĝ = %s × ∂%s/∂%s = [", (long long)c + 1, wn, root, yn);
        for (int64_t t = 0; t < g->m; t++)
            gc_text_add(out, "%s%s", t ? ", " : "", tv_num(o, ghat(y, g, c, t), n1, sizeof n1));
        gc_text_add(out, "]\n");
        if (g->eval) {
            gc_text_add(out,
                        "    eval: μ and σ² are the running statistics, constants here, so\n"
                        "    ∂%s/∂%s = ĝ/√(σ² + ε) = ĝ × %s = ",
                        root, xn, tv_num(o, inv, n1, sizeof n1));
            list(out, o, gr->data, g, c);
            gc_text_add(out, "\n");
            continue;
        }
        gc_text_add(out, "    with x̂ = [");
        for (int64_t t = 0; t < g->m; t++)
            gc_text_add(out, "%s%s", t ? ", " : "",
                        tv_num(o, xhat(y, g, c, t, mu, inv), n1, sizeof n1));
        gc_text_add(out, "]: mean(ĝ) = %s, mean(ĝ × x̂) = %s\n", tv_num(o, mg, n1, sizeof n1),
                    tv_num(o, mgx, n2, sizeof n2));
        gc_text_add(out,
                    "    ∂%s/∂%s = (1/√(σ² + ε)) × (ĝ − mean(ĝ) − x̂ × mean(ĝ × x̂)) = %s × (ĝ − ",
                    root, xn, tv_num(o, inv, n1, sizeof n1));
        tv_term(out, o, mg);
        gc_text_add(out, " − x̂ × ");
        tv_term(out, o, mgx);
        gc_text_add(out, ") = ");
        list(out, o, gr->data, g, c);
        gc_text_add(out, "\n");
    }
    tv_more(out, shown, g->count, g->bn ? "channels, each the same" : "rows, each the same");
}

/* ∂L/∂w = Σ ∂L/∂y × x̂ and ∂L/∂b = Σ ∂L/∂y, one parameter a line. */
static void norm_backward_wb(const View *v, Text *out, const Tensor *y, const Groups *g, int slot,
                             const Tensor *gr, const char *root, const char *yn)
{
    const TraceOptions *o = &v->o;
    const Tensor *p = y->inputs[slot];
    char pn[256], idx[96], n1[64];
    tv_name(v, p, slot == 1 ? "w" : "b", pn, sizeof pn);
    int64_t terms = g->bn ? g->m : g->count;
    if (terms > NORM_SMALL) return;
    int64_t shown = p->numel < GC_DETAIL_LINES ? p->numel : GC_DETAIL_LINES;
    for (int64_t j = 0; j < shown; j++) {
        gc_text_add(out, "  ∂%s/∂%s%s = Σ ∂%s/∂%s%s = ", root, pn,
                    tv_index(p->ndim, p->shape, j, idx, sizeof idx), root, yn,
                    slot == 1 ? " × x̂" : "");
        for (int64_t t = 0; t < terms; t++) {
            int64_t c = g->bn ? j : t, e = g->bn ? t : j; /* group and value */
            double mu, var, inv;
            stats(y, g, c, &mu, &var, &inv);
            if (t) gc_text_add(out, " + ");
            tv_term(out, o, y->grad->data[at(g, c, e)]);
            if (slot == 1) {
                gc_text_add(out, "×");
                tv_term(out, o, xhat(y, g, c, e, mu, inv));
            }
        }
        gc_text_add(out, " = %s\n", tv_num(o, gr->data[j], n1, sizeof n1));
    }
    tv_more(out, shown, p->numel, slot == 1 ? "weights, each the same" : "biases, each the same");
}

void gc_trace_norm_backward(const View *v, Text *out, int64_t ku, int slot, const Tensor *gr)
{
    const Tensor *y = v->order[ku];
    Groups g;
    groups_of(y, &g);
    if (!norm_small(y, &g) || !y->grad || slot > 2) return;
    char root[256], yn[256], wn[256];
    tv_label(v, v->n - 1, root, sizeof root);
    tv_name(v, y, "y", yn, sizeof yn), tv_name(v, y->inputs[1], "w", wn, sizeof wn);
    if (slot == 0)
        norm_backward_x(v, out, y, &g, gr, root, yn, wn);
    else
        norm_backward_wb(v, out, y, &g, slot, gr, root, yn);
}

/* ---- dropout ---------------------------------------------------------------------------- */

void gc_trace_dropout_forward(const View *v, Text *out, int64_t k)
{
    const Tensor *y = v->order[k], *x = y->inputs[0];
    const TraceOptions *o = &v->o;
    double p = y->args.scalar;
    if (!y->saved || y->numel == 0) return; /* an empty mask has nothing to show */
    if (p == 0) {
        gc_text_add(out, "  p = 0: every element is kept and scaled by 1, so dropout is the "
                         "identity here\n");
        return;
    }
    if (p >= 1) {
        gc_text_add(out, "  p = 1: every element is dropped (× 0)\n");
        return;
    }
    char xn[256], idx[96], n1[64], n2[64];
    tv_name(v, x, "x", xn, sizeof xn);
    tv_num(o, p, n1, sizeof n1), tv_num(o, 1 / (1 - p), n2, sizeof n2);
    int64_t kept = 0;
    for (int64_t i = 0; i < y->numel; i++) kept += y->saved->data[i] != 0;
    if (!tv_whole(o, y)) {
        gc_text_add(out,
                    "  mask m: %lld of %lld elements kept, each × 1/(1 − %s) = %s; the others "
                    "× 0\n",
                    (long long)kept, (long long)y->numel, n1, n2);
        return;
    }
    gc_text_add(out, "  mask m = ");
    gc_text_values(out, y->saved, NULL, o);
    gc_text_add(out, ": kept");
    for (int i = 0, n = 0; i < 2; i++) {
        if (i && kept) gc_text_add(out, " (each × 1/(1 − %s) = %s)", n1, n2);
        if (i) gc_text_add(out, "; dropped");
        n = 0;
        for (int64_t e = 0; e < y->numel; e++)
            if ((y->saved->data[e] != 0) == !i)
                gc_text_add(out, "%s %s%s", n++ ? "," : "", xn,
                            tv_index(x->ndim, x->shape, e, idx, sizeof idx));
        if (!n) gc_text_add(out, " none");
    }
    gc_text_add(out, kept < y->numel ? " (× 0)\n" : "\n");
}

void gc_trace_dropout_backward(const View *v, Text *out, int64_t ku)
{
    const Tensor *y = v->order[ku];
    const TraceOptions *o = &v->o;
    if (!y->saved || !y->grad || y->numel == 0 || !tv_whole(o, y) || y->args.scalar == 0) return;
    char root[256], yn[256], xn[256];
    tv_label(v, v->n - 1, root, sizeof root);
    tv_name(v, y, "y", yn, sizeof yn), tv_name(v, y->inputs[0], "x", xn, sizeof xn);
    gc_text_add(out, "  ∂%s/∂%s = ∂%s/∂%s × m = ", root, xn, root, yn);
    gc_text_values(out, y->grad, NULL, o);
    gc_text_add(out, " × ");
    gc_text_values(out, y->saved, NULL, o);
    gc_text_add(out, "\n");
}

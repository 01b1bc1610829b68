/*
 * explain_terms_nn.c - one element's gradient through one use, for the
 * losses, convolutions and shape ops, and for any other op by its backward
 * (the common part and the other families are in explain_terms.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/autograd.h"
#include "core/ops/conv.h"
#include "core/ops/loss.h"
#include "explain/explain_terms.h"

/* ---- losses: one term each, the element's own --------------------------------------------- */

static void loss_num(Use *s, double x)
{
    char b[64];
    gc_text_add(&s->local_text, x < 0 ? "(%s)" : "%s", tv_num(&s->v->o, x, b, sizeof b));
}

int et_loss_terms(Use *s)
{
    Tensor *u = et_user(s), *p = u->inputs[0], *t = u->inputs[1];
    const OpDef *op = u->op;
    Text *r = &s->rule, *lt = &s->local_text;
    char b[64];
    s->style = TS_GRAD_LOCAL;
    /* mean divides by the count; sum and none do not, and none's gradient
     * comes from the element's (or the sample's) own term */
    GcReduction how = (GcReduction)u->args.ints[0];
    int per_sample = op == &gc_ops[OP_CROSS_ENTROPY] || op == &gc_ops[OP_NLL];
    int64_t c = p->ndim ? p->shape[p->ndim - 1] : 1, row = per_sample ? s->e / c : s->e;
    int64_t q = how == GC_REDUCE_NONE && u->ndim ? row : 0;
    Pat pq;
    et_numbers(pq, u, q);
    et_g_times(s, pq);
    if (op == &gc_ops[OP_MSE] || op == &gc_ops[OP_BCE]) {
        double pi = p->data[s->e], ti = t->data[s->e], local;
        double n = how == GC_REDUCE_MEAN ? (double)p->numel : 1;
        if (op == &gc_ops[OP_MSE]) {
            local = (s->slot ? -2 : 2) * (pi - ti) / n;
            gc_text_add(r, "%s2×(", s->slot ? "−" : "");
            gc_text_add(lt, "%s2×(", s->slot ? "−" : "");
        } else if (s->slot == 0) {
            double denom = pi * (1 - pi) < 1e-12 ? 1e-12 : pi * (1 - pi);
            local = (pi - ti) / denom / n;
            gc_text_add(r, "(");
            gc_text_add(lt, "(");
        } else {
            double l1 = log(1 - pi) < -100 ? -100 : log(1 - pi),
                   l0 = log(pi) < -100 ? -100 : log(pi);
            local = (l1 - l0) / n;
            gc_text_add(r, "(ln(1 − ");
            et_ref(r, s->v, p, s->e);
            gc_text_add(r, ") − ln ");
            et_ref(r, s->v, p, s->e);
            gc_text_add(r, ")");
            gc_text_add(lt, "(ln(1 − %s) − ln ", tv_num(&s->v->o, pi, b, sizeof b));
            gc_text_add(lt, "%s)", b);
            if (n != 1) gc_text_add(r, "/%.0f", n), gc_text_add(lt, "/%.0f", n);
            return et_add(s, q, local, 0);
        }
        et_ref(r, s->v, p, s->e);
        gc_text_add(r, " − ");
        et_ref(r, s->v, t, s->e);
        loss_num(s, pi);
        gc_text_add(lt, " − ");
        loss_num(s, ti);
        if (op == &gc_ops[OP_MSE]) {
            gc_text_add(r, ")");
            gc_text_add(lt, ")");
            if (n != 1) gc_text_add(r, "/%.0f", n), gc_text_add(lt, "/%.0f", n);
        } else {
            gc_text_add(r, ")/(");
            et_ref(r, s->v, p, s->e);
            gc_text_add(r, "×(1 − ");
            et_ref(r, s->v, p, s->e);
            gc_text_add(r, ")");
            gc_text_add(lt, ")/(%s×(1 − %s)", tv_num(&s->v->o, pi, b, sizeof b), b);
            if (n != 1) gc_text_add(r, "×%.0f", n), gc_text_add(lt, "×%.0f", n);
            gc_text_add(r, ")");
            gc_text_add(lt, ")");
        }
        return et_add(s, q, local, 0);
    }
    if (s->slot) { /* labels are class numbers: they have no gradient */
        et_reset(r);
        gc_text_add(r, "labels have no gradient");
        return 0;
    }
    int64_t j = s->e % c, rows = p->ndim == 2 && how == GC_REDUCE_MEAN ? p->shape[0] : 1;
    int64_t label_of = (int64_t)t->data[row] - 1;
    Pat py;
    et_numbers(py, t, row);
    if (op == &gc_ops[OP_NLL]) {
        if (j != label_of) {
            et_reset(r);
            gc_text_add(r, "class %lld is not the label", (long long)j + 1);
            if (t->name) gc_text_add(r, " "), et_pref(r, s->v, t, py);
            gc_text_add(r, " = %lld", (long long)label_of + 1);
            return 0;
        }
        gc_text_add(r, "−1");
        if (rows != 1) gc_text_add(r, "/%lld", (long long)rows);
        gc_text_add(r, " (class %lld is the label", (long long)j + 1);
        if (t->name) gc_text_add(r, " "), et_pref(r, s->v, t, py);
        gc_text_add(r, ")");
        return et_add(s, q, -1 / (double)rows, 0);
    }
    double pj = u->saved->data[s->e];
    Pat pp;
    et_numbers(pp, p, s->e);
    gc_text_add(r, "(softmax(");
    et_label(r, s->v, p);
    gc_text_add(r, ")");
    et_pat(r, p->ndim, pp);
    gc_text_add(r, " − [");
    et_pref(r, s->v, t, py);
    gc_text_add(r, " = %lld])", (long long)j + 1);
    gc_text_add(lt, "(%s − %d)", tv_num(&s->v->o, pj, b, sizeof b), j == label_of);
    if (rows != 1)
        gc_text_add(r, "/%lld", (long long)rows), gc_text_add(lt, "/%lld", (long long)rows);
    return et_add(s, q, (pj - (j == label_of)) / (double)rows, 0);
}

/* ---- conv2d and conv1d ------------------------------------------------------------------- */

static int64_t y_at(const ConvGeometry *g, int64_t n, int64_t o, int64_t i, int64_t j)
{
    return ((n * g->O + o) * g->OH + i) * g->OW + j;
}

/* The input row read by output row `letter` at kernel row k: s×i + k×d − p (1-based). */
static void affine(char *buf, size_t size, const char *letter, int64_t fixed, int64_t s, int64_t k,
                   int64_t d, int64_t p)
{
    int64_t c = k * d - p + 1 - s; /* 1-based: s×i + c */
    if (!letter) {
        snprintf(buf, size, "%lld", (long long)(s * fixed + c));
        return;
    }
    char coef[24] = "";
    if (s != 1) snprintf(coef, sizeof coef, "%lld", (long long)s);
    if (c == 0)
        snprintf(buf, size, "%s%s", coef, letter);
    else
        snprintf(buf, size, "%s%s%s%lld", coef, letter, c > 0 ? "+" : "−", (long long)llabs(c));
}

/* y's pattern: [n,]o,[i,]j with letters for the positions summed over. */
static int y_pat(const ConvGeometry *g, Pat p, int64_t n, const char *o, char *letters)
{
    int d = 0, nl = 0;
    if (g->batched) {
        if (g->N > 1 && n < 0)
            snprintf(p[d++], sizeof p[0], "n"), letters[nl++] = 'n';
        else
            snprintf(p[d++], sizeof p[0], "%lld", (long long)(n < 0 ? 0 : n) + 1);
    }
    snprintf(p[d++], sizeof p[0], "%s", o);
    if (!g->one_d) {
        snprintf(p[d++], sizeof p[0], "%s", g->OH > 1 ? "i" : "1");
        if (g->OH > 1) letters[nl++] = 'i';
    }
    snprintf(p[d++], sizeof p[0], "%s", g->OW > 1 ? "j" : "1");
    if (g->OW > 1) letters[nl++] = 'j';
    letters[nl] = 0;
    return d;
}

int et_conv_terms(Use *s)
{
    Tensor *u = et_user(s), *x = u->inputs[0], *w = u->inputs[1];
    ConvGeometry g;
    gc_conv_geometry(u, &g);
    int64_t Og = g.O / g.G, Cg = g.C / g.G, idx[GC_MAXDIM];
    et_unravel(s->slot == 0 ? x : s->slot == 1 ? w : u->inputs[2], s->e, idx);
    Text *r = &s->rule;
    char letters[8], o[24];
    Pat py, px;
    if (s->slot == 0) { /* x[n,c,h,w]: every output whose window covers it */
        int64_t n = g.batched ? idx[0] : 0, c = idx[g.batched], h = g.one_d ? 0 : idx[x->ndim - 2];
        int64_t wi = idx[x->ndim - 1], grp = c / Cg;
        for (int64_t oc = grp * Og; oc < (grp + 1) * Og; oc++)
            for (int64_t kh = 0; kh < g.kH; kh++)
                for (int64_t kw = 0; kw < g.kW; kw++) {
                    int64_t th = h + g.pH - kh * g.dH, tw = wi + g.pW - kw * g.dW;
                    if (th < 0 || tw < 0 || th % g.sH || tw % g.sW) continue;
                    if (th / g.sH >= g.OH || tw / g.sW >= g.OW) continue;
                    int64_t wf = ((oc * Cg + c % Cg) * g.kH + kh) * g.kW + kw;
                    if (et_add(s, y_at(&g, n, oc, th / g.sH, tw / g.sW), w->data[wf], 0)) return -1;
                }
        s->style = TS_GRAD_LOCAL;
        y_pat(&g, py, n, "o", letters);
        gc_text_add(r, "Σ over the outputs (o,%s) whose window covers ", g.one_d ? "j" : "i,j");
        et_ref(r, s->v, x, s->e);
        gc_text_add(r, ": ");
        et_g_times(s, py);
        Pat pw;
        snprintf(pw[0], sizeof pw[0], "o");
        snprintf(pw[1], sizeof pw[1], "%lld", (long long)(c % Cg) + 1);
        snprintf(pw[2], sizeof pw[2], "%s", g.one_d ? "l" : "k");
        snprintf(pw[3], sizeof pw[3], "l");
        et_pref(r, s->v, w, pw);
        gc_text_add(r, ", (%s) where it sits in the window", g.one_d ? "l" : "k,l");
        return 0;
    }
    int64_t oc = idx[0];
    snprintf(o, sizeof o, "%lld", (long long)oc + 1);
    for (int64_t n = 0; n < g.N; n++)
        for (int64_t i = 0; i < g.OH; i++)
            for (int64_t j = 0; j < g.OW; j++) {
                if (s->slot == 2) {
                    if (et_add(s, y_at(&g, n, oc, i, j), 1, 0)) return -1;
                    continue;
                }
                int64_t c = oc / Og * Cg + idx[1], kh = g.one_d ? 0 : idx[2], kw = idx[w->ndim - 1];
                int64_t h = i * g.sH - g.pH + kh * g.dH, wi = j * g.sW - g.pW + kw * g.dW;
                if (h < 0 || h >= g.H || wi < 0 || wi >= g.W) continue; /* the padding's zeros */
                double xv = x->data[((n * g.C + c) * g.H + h) * g.W + wi];
                if (et_add(s, y_at(&g, n, oc, i, j), xv, 0)) return -1;
            }
    y_pat(&g, py, -1, o, letters);
    et_sigma(r, letters);
    if (s->slot == 2) {
        s->style = TS_GRAD;
        et_g_ref(s, py);
        return 0;
    }
    s->style = TS_GRAD_LOCAL;
    et_g_times(s, py);
    int d = 0, kh = g.one_d ? 0 : (int)idx[2];
    int64_t kw = idx[w->ndim - 1];
    if (g.batched) snprintf(px[d++], sizeof px[0], "%s", g.N > 1 ? "n" : "1");
    snprintf(px[d++], sizeof px[0], "%lld", (long long)(oc / Og * Cg + idx[1]) + 1);
    if (!g.one_d) affine(px[d], sizeof px[0], g.OH > 1 ? "i" : NULL, 1, g.sH, kh, g.dH, g.pH), d++;
    affine(px[d], sizeof px[0], g.OW > 1 ? "j" : NULL, 1, g.sW, kw, g.dW, g.pW);
    et_pref(r, s->v, x, px);
    if (g.pH || g.pW) gc_text_add(r, " (positions in the padding add 0: left out)");
    return 0;
}

/* ---- shape ops: each element goes to one place (or none) --------------------------------- */

int et_shape_terms(Use *s)
{
    Tensor *u = et_user(s), *x = u->inputs[s->slot];
    const OpDef *op = u->op;
    int64_t idx[GC_MAXDIM], q = -1;
    int dim = u->args.dim;
    et_unravel(x, s->e, idx);
    if (op == &gc_ops[OP_RESHAPE]) {
        q = s->e;
    } else if (op == &gc_ops[OP_TRANSPOSE]) {
        int64_t t = idx[dim];
        idx[dim] = idx[u->args.dim2], idx[u->args.dim2] = t;
        q = et_ravel(u, idx);
    } else if (op == &gc_ops[OP_SELECT]) {
        if (idx[dim] == u->args.start) {
            for (int d = dim; d + 1 < x->ndim; d++) idx[d] = idx[d + 1];
            q = et_ravel(u, idx);
        }
    } else if (op == &gc_ops[OP_NARROW]) {
        if (idx[dim] >= u->args.start && idx[dim] < u->args.start + u->args.length) {
            idx[dim] -= u->args.start;
            q = et_ravel(u, idx);
        }
    } else { /* cat: after the inputs before it along dim */
        for (int i = 0; i < s->slot; i++) idx[dim] += u->inputs[i]->shape[dim];
        q = et_ravel(u, idx);
    }
    if (q < 0) {
        et_ref(&s->rule, s->v, x, s->e);
        gc_text_add(&s->rule, " is not in the slice that %s takes", op->name);
        return 0;
    }
    Pat p;
    et_numbers(p, u, q);
    s->style = TS_GRAD;
    et_g_ref(s, p);
    return et_add(s, q, 1, 0);
}

/* ---- any other op: its backward, one output element at a time ---------------------------- */

/* The local partials are found one output element at a time, each a run of
 * the backward over the output and the input: up to this many (output ×
 * (output + input)) element visits; beyond, the share is taken whole. */
#define ONE_AT_A_TIME 8000000

int et_backward_terms(Use *s)
{
    Tensor *u = et_user(s), *x = u->inputs[s->slot];
    const char *name = u->hook ? u->hook->name : u->op->name;
    if (u->numel * (u->numel + x->numel) > ONE_AT_A_TIME) {
        Tensor *g = tv_vjp(u, s->slot, u->grad);
        if (!g) return -1;
        s->opaque = 1;
        s->value = g->data[s->e];
        gc_release(g);
        gc_text_add(&s->rule, "the share %s's backward gives (too big to write term by term)",
                    name);
        return 0;
    }
    Tensor *seed = gc_new_like(u);
    if (!seed) return -1;
    int rc = 0;
    for (int64_t q = 0; q < u->numel && !rc; q++) {
        seed->data[q] = 1;
        Tensor *g = tv_vjp(u, s->slot, seed);
        seed->data[q] = 0;
        if (!g || gc_interrupted()) {
            rc = -1;
            if (g) gc_release(g);
            break;
        }
        if (g->data[s->e] != 0) rc = et_add(s, q, g->data[s->e], 0);
        gc_release(g);
    }
    gc_release(seed);
    if (rc) return -1;
    s->style = TS_GRAD_LOCAL;
    if (s->n == 0) {
        gc_text_add(&s->rule, "%s passes no gradient to ", name);
        et_ref(&s->rule, s->v, x, s->e);
        return 0;
    }
    Text *r = &s->rule;
    if (s->n <= 3) { /* written out: ∂F/∂q[1,1,1,2] × ∂q[1,1,1,2]/∂x[…] + … */
        for (int64_t i = 0; i < s->n; i++) {
            Pat p;
            et_numbers(p, u, s->terms[i].q);
            if (i) gc_text_add(r, " + ");
            et_g_times(s, p);
            gc_text_add(r, "∂");
            et_pref(r, s->v, u, p);
            gc_text_add(r, "/∂");
            et_ref(r, s->v, x, s->e);
        }
    } else {
        et_sigma(r, "k");
        gc_text_add(r, "∂");
        et_root(r, s->v);
        gc_text_add(r, "/∂");
        et_label(r, s->v, u);
        gc_text_add(r, "[k] × ∂");
        et_label(r, s->v, u);
        gc_text_add(r, "[k]/∂");
        et_ref(r, s->v, x, s->e);
        gc_text_add(r, " over the elements k of ");
        et_label(r, s->v, u);
    }
    gc_text_add(r, " (%s's local partials, from its backward)", name);
    return 0;
}

/*
 * explain_element.c - the chain rule for one element: ∂L/∂W[1,2] as the
 * sum over the elements of each user's result that W[1,2] took part in of
 * (their gradient) × (the local partial), with the numbers; then, node by
 * node up to L, the upstream gradients those terms used, each written the
 * same way. The gradients are the ones backward computed (each node's
 * .grad), so every value printed is autograd's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/autograd.h"
#include "explain/explain.h"
#include "explain/explain_element.h"
#include "explain/explain_terms.h"

#define FOLD_AFTER     8  /* a sum of more terms shows the first few, then … */
#define SHOWN_TERMS    4  /* how many a folded sum shows */
#define SHOWN_ELEMENTS 4  /* upstream elements written out per node */
#define MAX_NEEDS      64 /* upstream elements remembered per node */
#define MAX_LINES      60 /* beyond, the chain up to L is cut short */

typedef struct Need {
    int64_t e[MAX_NEEDS];
    int n, more;
} Need;

typedef struct Walk {
    View v;
    Need **need; /* per node (made when first needed): the elements whose gradient a printed
                  * term used */
    Text out;
    int lines, mismatch;
} Walk;

static void need(Walk *w, int64_t k, int64_t e)
{
    if (!w->need[k] && !(w->need[k] = calloc(1, sizeof **w->need))) {
        w->out.failed = 1; /* reported as out of memory */
        return;
    }
    Need *n = w->need[k];
    for (int i = 0; i < n->n; i++)
        if (n->e[i] == e) return;
    if (n->n < MAX_NEEDS)
        n->e[n->n++] = e;
    else
        n->more = 1;
}

static void num(Text *out, const TraceOptions *o, double x) { tv_term(out, o, x); }

/* One term with its numbers: "0.5×(-0.3)", "0.2×0.3×(1 − 0.3)". */
static void write_term(Text *out, const Use *s, const Term *t, double g)
{
    const TraceOptions *o = &s->v->o;
    const Tensor *u = et_user(s);
    char b[64];
    int bare = s->bare;
    switch (s->style) {
    case TS_GRAD: /* alone, not in brackets: it is the value */
    case TS_NEG:
        g = bare ? 1 : g;
        g = s->style == TS_NEG ? -g : g;
        if (s->n == 1)
            gc_text_add(out, "%s", tv_num(o, g, b, sizeof b));
        else
            num(out, o, g);
        break;
    case TS_GRAD_LOCAL:
        if (!bare) num(out, o, g), gc_text_add(out, "×");
        if (s->local_text.len)
            gc_text_add(out, "%s", s->local_text.s);
        else if (bare && s->n == 1) /* alone: it is the value */
            gc_text_add(out, "%s", tv_num(o, t->local, b, sizeof b));
        else
            num(out, o, t->local);
        break;
    case TS_LOCAL_GRAD:
        if (bare && s->n == 1)
            gc_text_add(out, "%s", tv_num(o, t->local, b, sizeof b));
        else
            num(out, o, t->local);
        if (!bare) gc_text_add(out, "×"), num(out, o, g);
        break;
    case TS_GRAD_DIV:
        num(out, o, bare ? 1 : g);
        gc_text_add(out, "/%.0f", s->aux);
        break;
    case TS_SOFTMAX:
    case TS_LOG_SOFTMAX:
        if (!bare) num(out, o, g), gc_text_add(out, "×");
        if (s->style == TS_SOFTMAX) num(out, o, u->data[t->q]), gc_text_add(out, "×");
        double pj = s->style == TS_SOFTMAX ? u->data[s->j] : exp(u->data[s->j]);
        gc_text_add(out, "(%d − %s)", t->delta, tv_num(o, pj, b, sizeof b));
        break;
    }
}

/* Σ g × local over the use's terms; abs_sum gets Σ |g × local|. */
static double use_share(const Use *s, double *abs_sum)
{
    const Tensor *u = et_user(s);
    if (s->opaque) {
        *abs_sum += fabs(s->value);
        return s->value;
    }
    double share = 0;
    for (int64_t i = 0; i < s->n; i++) {
        double g = s->bare ? 1 : u->grad->data[s->terms[i].q];
        share += g * s->terms[i].local;
        *abs_sum += fabs(g * s->terms[i].local);
    }
    return share;
}

/* Sums of more terms than this fold; full=n (above its default) writes
 * sums of up to n terms in full, as it does tensors of up to n values. */
static int64_t fold_after(const TraceOptions *o)
{
    return o->full > GC_TRACE_SMALL ? o->full : FOLD_AFTER;
}

/* "rule = term + term + …" for one use, into out; returns the share and
 * notes the upstream elements of the terms shown. *ends_with_value
 * says whether out ends with the value already (then it is not written again). */
static double write_use(Walk *w, Use *s, Text *out, double *abs_sum, int *ends_with_value)
{
    const Tensor *u = et_user(s);
    const TraceOptions *o = &w->v.o;
    const char *rule = s->rule.s ? s->rule.s : "";
    char b[64];
    *ends_with_value = 0;
    if (s->opaque) {
        gc_text_add(out, "%s", rule);
        return s->value;
    }
    if (s->n == 0) {
        gc_text_add(out, "0 (%s)", rule);
        *ends_with_value = 1;
        return 0;
    }
    double share = use_share(s, abs_sum);
    int fold = s->n > fold_after(o);
    int64_t shown = fold ? SHOWN_TERMS : s->n;
    Text terms = { 0 };
    for (int64_t i = 0; i < shown; i++) {
        const Term *t = &s->terms[i];
        if (i) gc_text_add(&terms, " + ");
        write_term(&terms, s, t, s->bare ? 1 : u->grad->data[t->q]);
        if (s->ku != w->v.n - 1) need(w, s->ku, t->q);
    }
    if (fold) gc_text_add(&terms, " + … (%lld terms)", (long long)s->n);
    const char *value = tv_num(o, share, b, sizeof b), *ts = terms.s ? terms.s : "";
    gc_text_add(out, "%s", rule);
    if (strcmp(ts, rule)) gc_text_add(out, " = %s", ts);
    char bracketed[80];
    snprintf(bracketed, sizeof bracketed, "(%s)", value);
    *ends_with_value = !strcmp(ts, value) || !strcmp(rule, value) || !strcmp(ts, bracketed);
    if (terms.failed) out->failed = 1;
    free(terms.s);
    return share;
}

/* The uses of node k that carry a gradient: (user, slot) pairs, in a
 * malloc'd array (*puses); their count, or -1. */
static int64_t uses_of(Walk *w, int64_t k, int64_t e, Use **puses)
{
    View *v = &w->v;
    int64_t n = 0, max = v->ustart[k + 1] - v->ustart[k];
    Use *uses = *puses = calloc((size_t)max + 1, sizeof *uses);
    if (!uses) {
        gc_set_error("explain: out of memory");
        return -1;
    }
    for (int64_t i = v->ustart[k]; i < v->ustart[k + 1]; i++) {
        int64_t ku = v->user[i];
        Tensor *u = v->order[ku];
        if (!u->op || !u->grad || !u->requires_grad) continue;
        Use *s = &uses[n++];
        s->v = v, s->ku = ku, s->slot = v->uslot[i], s->e = e;
        s->bare = ku == v->n - 1 && u->numel == 1 && u->grad->data[0] == 1;
        if (et_terms(s)) {
            for (int64_t j = 0; j < n; j++) et_use_free(&uses[j]);
            free(uses);
            return -1;
        }
    }
    return n;
}

/* Whether the terms' total is the gradient backward stored, up to rounding
 * (abs_sum: the sum of the terms' sizes). */
static int agrees(double total, double g, double abs_sum)
{
    return fabs(total - g) <= 1e-9 * (abs_sum + fabs(g)) || (isnan(total) && isnan(g));
}

#define SHOWN_USES 6 /* a node used more often shows the first few uses' lines */

/* The line (or lines, one per use) of ∂L/∂t[e] for node k. */
static int write_element(Walk *w, int64_t k, int64_t e, const char *indent)
{
    View *v = &w->v;
    const TraceOptions *o = &v->o;
    Tensor *t = v->order[k];
    Use *uses;
    int64_t n = uses_of(w, k, e, &uses);
    if (n < 0) return -1;
    double abs_sum = 0, total = 0;
    Text *out = &w->out;
    char b[64], f[256];
    gc_text_add(out, "%s", indent);
    et_dref(out, v, t, e);
    gc_text_add(out, " = ");
    int done = 0;
    if (n == 1) {
        total = write_use(w, &uses[0], out, &abs_sum, &done);
    } else {
        Text parts = { 0 }, sum = { 0 };
        for (int64_t i = 0; i < n; i++) {
            double share = use_share(&uses[i], &abs_sum), ignored = 0;
            total += share;
            if (i < SHOWN_TERMS || n <= fold_after(o)) {
                if (i) gc_text_add(&sum, " + ");
                num(&sum, o, share);
            }
            if (i >= SHOWN_USES) continue;
            gc_text_add(&parts, "%s  via ", indent);
            if (!v->inl[uses[i].ku]) /* an inlined node's label is its formula */
                gc_text_add(&parts, "%s = ", tv_label(v, uses[i].ku, f, sizeof f));
            tv_formula(v, &parts, uses[i].ku, 0);
            int twice = 0; /* x×x: say which operand */
            for (int64_t j = 0; j < n; j++) twice |= j != i && uses[j].ku == uses[i].ku;
            if (twice) gc_text_add(&parts, " (as operand %d)", uses[i].slot + 1);
            gc_text_add(&parts, ": ");
            write_use(w, &uses[i], &parts, &ignored, &done);
            if (!done) gc_text_add(&parts, " = %s", tv_num(o, share, b, sizeof b));
            gc_text_add(&parts, "\n");
            w->lines++;
        }
        if (n > fold_after(o)) gc_text_add(&sum, " + … (%lld uses)", (long long)n);
        if (n > SHOWN_USES)
            gc_text_add(&parts, "%s  … and %lld more uses, each written the same way\n", indent,
                        (long long)(n - SHOWN_USES));
        double g = t->grad->data[e]; /* the sum, or the shares' total when it differs */
        int same = agrees(total, g, abs_sum);
        gc_text_add(out, "the sum over its %lld uses = %s = %s\n%s", (long long)n,
                    sum.s ? sum.s : "", tv_num(o, same ? g : total, b, sizeof b),
                    parts.s ? parts.s : "");
        if (parts.failed || sum.failed) out->failed = 1;
        free(parts.s), free(sum.s);
        w->lines++;
    }
    double g = t->grad->data[e];
    int same = agrees(total, g, abs_sum);
    if (n == 1) { /* the value, unless the text ends with it already */
        char b2[64];
        tv_num(o, same ? g : total, b, sizeof b);
        if (!done || (same && strcmp(b, tv_num(o, total, b2, sizeof b2))))
            gc_text_add(out, " = %s", b);
        gc_text_add(out, "\n");
        w->lines++;
    }
    if (!same) {
        w->mismatch = 1;
        char b2[64];
        gc_text_add(out, "%snote: %s.grad holds %s here, not %s", indent,
                    tv_label(v, k, f, sizeof f), tv_num(o, g, b, sizeof b),
                    tv_num(o, total, b2, sizeof b2));
        gc_text_add(out, t->op ? " (a later backward changed it?)\n"
                               : ": gradients accumulated over several backward calls "
                                 "(zero_grad() clears them)\n");
    }
    for (int64_t i = 0; i < n; i++) et_use_free(&uses[i]);
    free(uses);
    return 0;
}

static int cmp_index(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The upstream gradients the printed terms used, node by node up to the root. */
static int write_upstream(Walk *w, int64_t kv)
{
    View *v = &w->v;
    char b[256];
    int heading = 0;
    for (int64_t k = kv + 1; k < v->n - 1; k++) {
        Need *n = w->need[k];
        if (!n || !n->n) continue;
        if (w->lines >= MAX_LINES) {
            gc_text_add(&w->out, "  … (the chain goes on up to %s)\n",
                        tv_label(v, v->n - 1, b, sizeof b));
            return 0;
        }
        if (!heading++)
            gc_text_add(&w->out, "where, up the chain to %s:\n",
                        tv_label(v, v->n - 1, b, sizeof b));
        qsort(n->e, (size_t)n->n, sizeof n->e[0], cmp_index);
        int shown = n->n < SHOWN_ELEMENTS ? n->n : SHOWN_ELEMENTS;
        for (int i = 0; i < shown; i++)
            if (write_element(w, k, n->e[i], "  ")) return -1;
        if (n->n > shown || n->more)
            gc_text_add(
                &w->out,
                "  … and %s%d more elements of ∂%s/∂%s, found the same way (%s.grad holds them)\n",
                n->more ? "over " : "", n->n - shown, tv_label(v, v->n - 1, b, sizeof b),
                v->order[k]->name ? v->order[k]->name : "?",
                v->order[k]->name ? v->order[k]->name : "?");
    }
    return 0;
}

static int check_at(const Tensor *var, const int64_t *at, int nat, int64_t *flat)
{
    char shape[96], b[256] = "";
    const char *name = var->name ? var->name : "the tensor";
    gc_shape_str(var->ndim, var->shape, shape, sizeof shape);
    for (int i = 0; i < nat && i < GC_MAXDIM; i++)
        snprintf(b + strlen(b), sizeof b - strlen(b), "%s%lld", i ? ", " : "", (long long)at[i]);
    if (nat > GC_MAXDIM) snprintf(b + strlen(b), sizeof b - strlen(b), ", …");
    if (nat != var->ndim) {
        gc_set_error("explain: at={%s} gives %d ind%s, but %s has shape %s: give %d, one per dim "
                     "(1-based), e.g. at={%s}",
                     b, nat, nat == 1 ? "ex" : "ices", name, shape, var->ndim,
                     var->ndim == 0   ? ""
                     : var->ndim == 1 ? "1"
                     : var->ndim == 2 ? "1, 1"
                                      : "1, 1, 1, …");
        return -1;
    }
    *flat = 0;
    for (int d = 0; d < nat; d++) {
        if (at[d] < 1 || at[d] > var->shape[d]) {
            gc_set_error("explain: at={%s}: index %lld is out of range for dim %d of %s, shape %s "
                         "(indices are 1 to %lld)",
                         b, (long long)at[d], d + 1, name, shape, (long long)var->shape[d]);
            return -1;
        }
        *flat = *flat * var->shape[d] + at[d] - 1;
    }
    return 0;
}

char *gc_explain_at(Tensor *root, Tensor *var, const int64_t *at, int nat, const TraceOptions *o)
{
    if (gc_explain_check_root(root, "E:backward(); explain(E, w, {at={1, 1}})")) return NULL;
    int64_t e;
    if (check_at(var, at, nat, &e)) return NULL;
    Walk w;
    memset(&w, 0, sizeof w);
    if (tv_view_open(&w.v, root, o, "explain")) return NULL;
    if (tv_check_unchanged(&w.v, "explain")) {
        tv_view_close(&w.v);
        return NULL;
    }
    int64_t kv = tv_find(&w.v, var);
    const char *rn = root->name ? root->name : "the result",
               *vn = var->name ? var->name : "the tensor";
    if (kv < 0 || !var->requires_grad || kv == w.v.n - 1) {
        gc_set_error(kv == w.v.n - 1 ? "explain: %s is %s itself: ∂%s/∂%s = 1"
                                     : "explain: %s is not in the graph of %s (or does not require "
                                       "grad), so %s does not depend on it",
                     vn, rn, rn, rn);
        tv_view_close(&w.v);
        return NULL;
    }
    if (!var->grad) {
        gc_set_error("explain: %s has no gradient: the last backward did not reach it; run "
                     "%s:backward() again",
                     vn, rn);
        tv_view_close(&w.v);
        return NULL;
    }
    int rc = -1;
    if (!(w.need = calloc((size_t)w.v.n, sizeof *w.need))) {
        gc_set_error("explain: out of memory");
    } else if (!write_element(&w, kv, e, "") && !write_upstream(&w, kv)) {
        rc = 0;
    }
    for (int64_t k = 0; w.need && k < w.v.n; k++) free(w.need[k]);
    free(w.need);
    tv_view_close(&w.v);
    if (rc) {
        free(w.out.s);
        return NULL;
    }
    return gc_text_finish(&w.out, "explain");
}

/*
 * explain_terms.c - one element's gradient through one use, op by op: the
 * elements q of the user's result that the element took part in, the local
 * partial ∂u[q]/∂x[e] of each, and the sum written in symbols. One small
 * function per family of ops, side by side; an op without its own is
 * differentiated one output element at a time by its backward (small
 * results), or its share is taken whole from its backward.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/autograd.h"
#include "core/ops/matmul.h"
#include "explain/explain_terms.h"

/* ---- indices and references ---------------------------------------------------- */

void et_unravel(const Tensor *t, int64_t flat, int64_t *idx)
{
    tv_unravel(t->ndim, t->shape, flat, idx);
}

int64_t et_ravel(const Tensor *t, const int64_t *idx)
{
    int64_t flat = 0;
    for (int d = 0; d < t->ndim; d++) flat = flat * t->shape[d] + idx[d];
    return flat;
}

void et_label(Text *out, const View *v, const Tensor *t)
{
    char b[256];
    int64_t k = tv_find(v, t);
    gc_text_add(out, "%s",
                k >= 0 ? tv_label(v, k, b, sizeof b) : gc_trace_label(t, &v->o, b, sizeof b));
}

void et_pat(Text *out, int ndim, Pat p)
{
    gc_text_add(out, "[");
    for (int d = 0; d < ndim; d++) gc_text_add(out, "%s%s", d ? "," : "", p[d]);
    gc_text_add(out, "]");
}

/* t with the index pattern p: "X[n,1]" (a 0-d tensor has none). */
void et_pref(Text *out, const View *v, const Tensor *t, Pat p)
{
    et_label(out, v, t);
    if (t->ndim == 0 || (!t->name && tv_is_constant(t))) return; /* a number: no index */
    et_pat(out, t->ndim, p);
}

void et_numbers(Pat p, const Tensor *t, int64_t flat)
{
    int64_t idx[GC_MAXDIM];
    et_unravel(t, flat, idx);
    for (int d = 0; d < t->ndim; d++) snprintf(p[d], sizeof p[d], "%lld", (long long)idx[d] + 1);
}

void et_ref(Text *out, const View *v, const Tensor *t, int64_t flat)
{
    Pat p;
    et_numbers(p, t, flat);
    et_pref(out, v, t, p);
}

void et_root(Text *out, const View *v)
{
    char b[256];
    gc_text_add(out, "%s", tv_label(v, v->n - 1, b, sizeof b));
}

void et_dref(Text *out, const View *v, const Tensor *t, int64_t flat)
{
    gc_text_add(out, "∂");
    et_root(out, v);
    gc_text_add(out, "/∂");
    et_ref(out, v, t, flat);
}

Tensor *et_user(const Use *s) { return s->v->order[s->ku]; }

void et_reset(Text *t)
{
    t->len = 0;
    if (t->s) t->s[0] = 0;
}

/* "∂L/∂u[p]", or "1" when u is the root itself (its gradient is 1). */
void et_g_ref(Use *s, Pat p)
{
    if (s->bare) {
        gc_text_add(&s->rule, "1");
        return;
    }
    gc_text_add(&s->rule, "∂");
    et_root(&s->rule, s->v);
    gc_text_add(&s->rule, "/∂");
    et_pref(&s->rule, s->v, et_user(s), p);
}

/* "∂L/∂u[p] × ", or nothing when u is the root. */
void et_g_times(Use *s, Pat p)
{
    if (s->bare) return;
    et_g_ref(s, p);
    gc_text_add(&s->rule, " × ");
}

/* "Σₙⱼ " over the letters given. */
void et_sigma(Text *out, const char *letters)
{
    static const char *const sub[][2] = { { "n", "ₙ" }, { "i", "ᵢ" }, { "j", "ⱼ" },
                                          { "k", "ₖ" }, { "l", "ₗ" }, { "m", "ₘ" } };
    if (!*letters) return;
    gc_text_add(out, "Σ");
    for (const char *c = letters; *c; c++) {
        const char *s = NULL;
        for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++)
            if (*c == sub[i][0][0]) s = sub[i][1];
        if (s)
            gc_text_add(out, "%s", s);
        else
            gc_text_add(out, "_%c", *c);
    }
    gc_text_add(out, " ");
}

int et_add(Use *s, int64_t q, double local, int delta)
{
    if (s->n == s->cap) {
        int64_t cap = s->cap ? 2 * s->cap : 16;
        Term *t = realloc(s->terms, (size_t)cap * sizeof *t);
        if (!t) {
            gc_set_error("explain: out of memory");
            return -1;
        }
        s->terms = t, s->cap = cap;
    }
    s->terms[s->n++] = (Term){ q, local, delta };
    return 0;
}

/* ---- elementwise ops, broadcasting included ------------------------------------- */

/* Flat index in t of the element that output index idx of out reads. */
static int64_t broadcast_index(const Tensor *t, const Tensor *out, const int64_t *idx)
{
    int off = out->ndim - t->ndim;
    int64_t flat = 0;
    for (int d = 0; d < t->ndim; d++)
        flat = flat * t->shape[d] + (t->shape[d] == 1 ? 0 : idx[d + off]);
    return flat;
}

/* The pattern of t's index for the output pattern po (broadcast dims are 1). */
static void broadcast_pat(Pat p, const Tensor *t, const Tensor *out, Pat po)
{
    int off = out->ndim - t->ndim;
    for (int d = 0; d < t->ndim; d++)
        snprintf(p[d], sizeof p[d], "%s", t->shape[d] == 1 ? "1" : po[d + off]);
}

static int elementwise_terms(Use *s)
{
    Tensor *u = et_user(s), *x = u->inputs[s->slot];
    Tensor *other = u->ninputs > 1 ? u->inputs[1 - s->slot] : NULL;
    const OpDef *op = u->op;
    int64_t ex[GC_MAXDIM], idx[GC_MAXDIM];
    et_unravel(x, s->e, ex);
    Pat pu, po;
    char letters[GC_MAXDIM + 1] = "";
    int nl = 0, off = u->ndim - x->ndim;
    for (int d = 0; d < u->ndim; d++) {
        int dx = d - off;
        if (dx >= 0 && !(x->shape[dx] == 1 && u->shape[d] != 1))
            snprintf(pu[d], sizeof pu[d], "%lld", (long long)(dx >= 0 ? ex[dx] : 0) + 1);
        else if (u->shape[d] == 1)
            snprintf(pu[d], sizeof pu[d], "1");
        else {
            char c = "nmlkij"[nl < 6 ? nl : 5];
            letters[nl++] = c;
            snprintf(pu[d], sizeof pu[d], "%c", c);
        }
    }
    letters[nl] = 0;
    for (int64_t q = 0; q < u->numel; q++) {
        et_unravel(u, q, idx);
        if (broadcast_index(x, u, idx) != s->e) continue;
        double a = u->inputs[0]->data[broadcast_index(u->inputs[0], u, idx)];
        double b = u->ninputs > 1 ? u->inputs[1]->data[broadcast_index(u->inputs[1], u, idx)] : 0;
        double y = u->data[q], arg = u->args.scalar;
        double local = s->slot == 0 ? op->df_da(a, b, y, arg) : op->df_db(a, b, y, arg);
        if (et_add(s, q, local, 0)) return -1;
    }
    Text *r = &s->rule;
    if (op == &gc_ops[OP_ADD] || (op == &gc_ops[OP_SUB] && s->slot == 0)) {
        s->style = TS_GRAD;
        et_sigma(r, letters);
        et_g_ref(s, pu);
    } else if (op == &gc_ops[OP_SUB] || op == &gc_ops[OP_NEG]) {
        s->style = TS_NEG;
        gc_text_add(r, "−");
        et_sigma(r, letters);
        et_g_ref(s, pu);
    } else if (op == &gc_ops[OP_MUL]) {
        s->style = TS_GRAD_LOCAL;
        et_sigma(r, letters);
        et_g_times(s, pu);
        broadcast_pat(po, other, u, pu);
        et_pref(r, s->v, other, po);
    } else if (u->ninputs == 1) {
        s->style = TS_GRAD_LOCAL;
        et_g_times(s, pu);
        gc_text_add(r, "%s′(", op->call ? op->call : op->name);
        et_ref(r, s->v, x, s->e);
        gc_text_add(r, ")");
    } else {
        s->style = TS_GRAD_LOCAL;
        et_sigma(r, letters);
        et_g_times(s, pu);
        Pat pa, pb;
        broadcast_pat(pa, u->inputs[0], u, pu);
        broadcast_pat(pb, u->inputs[1], u, pu);
        if (op == &gc_ops[OP_DIV] && s->slot == 0) { /* 1/b */
            gc_text_add(r, "1/");
            et_pref(r, s->v, u->inputs[1], pb);
        } else if (op == &gc_ops[OP_DIV]) { /* −a/b² */
            gc_text_add(r, "(−");
            et_pref(r, s->v, u->inputs[0], pa);
            gc_text_add(r, "/");
            et_pref(r, s->v, u->inputs[1], pb);
            gc_text_add(r, "²)");
        } else if (op == &gc_ops[OP_POW] && s->slot == 0) { /* b×a^(b−1) */
            et_pref(r, s->v, u->inputs[1], pb);
            gc_text_add(r, "×");
            et_pref(r, s->v, u->inputs[0], pa);
            gc_text_add(r, "^(");
            et_pref(r, s->v, u->inputs[1], pb);
            gc_text_add(r, " − 1)");
        } else {
            gc_text_add(r, "∂(%s)/∂%c", op->formula, s->slot ? 'b' : 'a');
        }
    }
    return 0;
}

/* ---- reductions: sum, mean, max, min ---------------------------------------------- */

static int reduce_terms(Use *s)
{
    Tensor *u = et_user(s), *x = u->inputs[0];
    int64_t outer = 1, n = x->numel, inner = 1;
    int all = u->args.dim == GC_ALL_DIMS;
    if (!all) gc_split_at(x, u->args.dim, &outer, &n, &inner);
    int64_t q = all ? 0 : s->e / (n * inner) * inner + s->e % inner, pos = s->e / inner % n;
    Pat pu;
    et_numbers(pu, u, q);
    const OpDef *op = u->op;
    Text *r = &s->rule;
    if (op == &gc_ops[OP_SUM] || op == &gc_ops[OP_MEAN]) {
        int mean = op == &gc_ops[OP_MEAN];
        s->style = mean ? TS_GRAD_DIV : TS_GRAD;
        s->aux = (double)n;
        et_g_ref(s, pu);
        if (mean) gc_text_add(r, "/%lld", (long long)n);
        return et_add(s, q, mean ? 1 / (double)n : 1, 0);
    }
    const char *what = op == &gc_ops[OP_MAX] ? "max" : "min";
    char b[64];
    if (all) { /* ties share the gradient evenly */
        double y = u->data[0], ties = 0;
        for (int64_t k = 0; k < x->numel; k++)
            ties += x->data[k] == y || (isnan(y) && isnan(x->data[k]));
        if (!(x->data[s->e] == y || (isnan(y) && isnan(x->data[s->e])))) {
            et_ref(r, s->v, x, s->e);
            char b2[64];
            gc_text_add(r, " = %s is not the %s, %s", tv_num(&s->v->o, x->data[s->e], b, sizeof b),
                        what, tv_num(&s->v->o, y, b2, sizeof b2));
            return 0;
        }
        s->style = ties > 1 ? TS_GRAD_DIV : TS_GRAD;
        s->aux = ties;
        et_g_ref(s, pu);
        if (ties > 1)
            gc_text_add(r, "/%.0f (%.0f elements tie for the %s)", ties, ties, what);
        else {
            gc_text_add(r, " (");
            et_ref(r, s->v, x, s->e);
            gc_text_add(r, " is the %s)", what);
        }
        return et_add(s, 0, 1 / ties, 0);
    }
    int64_t best = (int64_t)u->saved->data[q] - 1;
    if (best != pos) { /* only the first winner along the dim gets it */
        et_ref(r, s->v, x, s->e);
        gc_text_add(r, " is not the %s along dim %d: ", what, u->args.dim + 1);
        et_ref(r, s->v, x, s->e + (best - pos) * inner);
        gc_text_add(r, " is");
        return 0;
    }
    s->style = TS_GRAD;
    et_g_ref(s, pu);
    gc_text_add(r, " (");
    et_ref(r, s->v, x, s->e);
    gc_text_add(r, " is the %s along dim %d)", what, u->args.dim + 1);
    return et_add(s, q, 1, 0);
}

/* ---- softmax and log_softmax along a dim -------------------------------------------- */

static int softmax_terms(Use *s)
{
    Tensor *u = et_user(s), *x = u->inputs[0];
    int dim = u->args.dim, log_form = u->op == &gc_ops[OP_LOG_SOFTMAX];
    int64_t outer, n, inner;
    gc_split_at(x, dim, &outer, &n, &inner);
    int64_t pos = s->e / inner % n, base = s->e - pos * inner;
    s->j = s->e;
    for (int64_t i = 0; i < n; i++) {
        int64_t q = base + i * inner;
        double pj = log_form ? exp(u->data[s->e]) : u->data[s->e];
        double local = log_form ? (i == pos) - pj : u->data[q] * ((i == pos) - pj);
        if (et_add(s, q, local, i == pos)) return -1;
    }
    Pat pi, pj;
    et_numbers(pi, u, s->e);
    et_numbers(pj, u, s->e);
    snprintf(pi[dim], sizeof pi[dim], "i");
    Text *r = &s->rule;
    s->style = log_form ? TS_LOG_SOFTMAX : TS_SOFTMAX;
    et_sigma(r, "i");
    et_g_times(s, pi);
    if (!log_form) et_pref(r, s->v, u, pi), gc_text_add(r, "×");
    gc_text_add(r, "([i = %lld] − ", (long long)pos + 1);
    if (log_form) gc_text_add(r, "e^");
    et_pref(r, s->v, u, pj);
    gc_text_add(r, ")");
    return 0;
}

/* ---- matrix products, vectors and batches included ------------------------------------ */

typedef struct Mm {
    int64_t m, k, n, nbatch;
    int bdim;
    int64_t batch[GC_MAXDIM];
} Mm;

static void mm_of(const Tensor *u, Mm *p)
{
    const Tensor *a = u->inputs[0], *b = u->inputs[1];
    p->m = a->ndim == 1 ? 1 : a->shape[a->ndim - 2];
    p->k = a->shape[a->ndim - 1];
    p->n = b->ndim == 1 ? 1 : b->shape[b->ndim - 1];
    p->bdim = u->ndim - (a->ndim > 1) - (b->ndim > 1);
    p->nbatch = 1;
    for (int i = 0; i < p->bdim; i++) p->nbatch *= (p->batch[i] = u->shape[i]);
}

static int64_t mm_offset(const Tensor *t, const Mm *p, int64_t index)
{
    return gc_matmul_batch_offset(t, p->bdim, p->batch, index);
}

static int matmul_terms(Use *s)
{
    Tensor *u = et_user(s), *x = u->inputs[s->slot], *a = u->inputs[0], *b = u->inputs[1];
    Tensor *other = u->inputs[1 - s->slot];
    Mm p;
    mm_of(u, &p);
    int64_t size = s->slot ? p.k * p.n : p.m * p.k, mat = s->e % size, own = s->e - mat;
    int64_t row = s->slot ? mat / p.n : mat / p.k, col = s->slot ? mat % p.n : mat % p.k;
    for (int64_t t = 0; t < p.nbatch; t++) {
        if (mm_offset(x, &p, t) != own) continue;
        int64_t oo = mm_offset(other, &p, t);
        if (s->slot == 0) /* A[i,k]: Σⱼ ∂L/∂C[i,j] × B[k,j] */
            for (int64_t j = 0; j < p.n; j++) {
                if (et_add(s, t * p.m * p.n + row * p.n + j, b->data[oo + col * p.n + j], 0))
                    return -1;
            }
        else /* B[k,j]: Σᵢ A[i,k] × ∂L/∂C[i,j] */
            for (int64_t i = 0; i < p.m; i++)
                if (et_add(s, t * p.m * p.n + i * p.n + col, a->data[oo + i * p.k + row], 0))
                    return -1;
    }
    /* The patterns: batch dims that x broadcasts over, and the summed row or column. */
    Pat pu, px, po;
    et_numbers(px, x, s->e);
    char letters[GC_MAXDIM + 2] = "";
    int nl = 0, nx = x->ndim > 2 ? x->ndim - 2 : 0, no = other->ndim > 2 ? other->ndim - 2 : 0;
    for (int i = 0; i < p.bdim; i++) {
        int ix = nx - p.bdim + i;
        if (ix >= 0 && x->shape[ix] != 1)
            snprintf(pu[i], sizeof pu[i], "%s", px[ix]);
        else if (p.batch[i] == 1)
            snprintf(pu[i], sizeof pu[i], "1");
        else {
            char c = nl ? 'l' : 'm';
            letters[nl++] = c;
            snprintf(pu[i], sizeof pu[i], "%c", c);
        }
    }
    const char *sum = s->slot ? "n" : "j";
    int d = p.bdim;
    if (a->ndim > 1) snprintf(pu[d++], sizeof pu[0], "%s", s->slot ? sum : px[x->ndim - 2]);
    if (b->ndim > 1) snprintf(pu[d++], sizeof pu[0], "%s", s->slot ? px[x->ndim - 1] : sum);
    if ((s->slot ? a : b)->ndim > 1) letters[nl++] = sum[0];
    letters[nl] = 0;
    for (int i = 0; i < no; i++) {
        int iu = p.bdim - no + i;
        snprintf(po[i], sizeof po[i], "%s", other->shape[i] == 1 ? "1" : pu[iu]);
    }
    if (s->slot == 0) { /* B[…, k, j] */
        snprintf(po[no], sizeof po[0], "%lld", (long long)col + 1);
        if (b->ndim > 1) snprintf(po[no + 1], sizeof po[0], "%s", sum);
    } else { /* A[…, i, k] */
        if (a->ndim > 1) snprintf(po[no], sizeof po[0], "%s", sum);
        snprintf(po[no + (a->ndim > 1)], sizeof po[0], "%lld", (long long)row + 1);
    }
    Text *r = &s->rule;
    et_sigma(r, letters);
    if (s->slot == 0) {
        s->style = TS_GRAD_LOCAL;
        et_g_times(s, pu);
        et_pref(r, s->v, other, po);
    } else {
        s->style = TS_LOCAL_GRAD;
        et_pref(r, s->v, other, po);
        if (!s->bare) {
            gc_text_add(r, " × ∂");
            et_root(r, s->v);
            gc_text_add(r, "/∂");
            et_pref(r, s->v, u, pu);
        }
    }
    return 0;
}

/* ---- which function writes a use's terms ------------------------------------------------- */

int et_terms(Use *s)
{
    const Tensor *u = et_user(s);
    const OpDef *op = u->op;
    int rc;
    if (op->elementwise && op->df_da && (u->ninputs == 1 || op->df_db))
        rc = elementwise_terms(s);
    else if (op == &gc_ops[OP_SUM] || op == &gc_ops[OP_MEAN] || op == &gc_ops[OP_MAX] ||
             op == &gc_ops[OP_MIN])
        rc = reduce_terms(s);
    else if (op == &gc_ops[OP_SOFTMAX] || op == &gc_ops[OP_LOG_SOFTMAX])
        rc = softmax_terms(s);
    else if (op == &gc_ops[OP_MATMUL])
        rc = matmul_terms(s);
    else if (op == &gc_ops[OP_MSE] || op == &gc_ops[OP_BCE] || op == &gc_ops[OP_CROSS_ENTROPY] ||
             op == &gc_ops[OP_NLL])
        rc = et_loss_terms(s);
    else if (op == &gc_ops[OP_CONV])
        rc = et_conv_terms(s);
    else if (op == &gc_ops[OP_TRANSPOSE] || op == &gc_ops[OP_RESHAPE] || op == &gc_ops[OP_SELECT] ||
             op == &gc_ops[OP_NARROW] || op == &gc_ops[OP_CAT])
        rc = et_shape_terms(s);
    else
        rc = et_backward_terms(s);
    if (!rc && (s->rule.failed || s->local_text.failed)) {
        gc_set_error("explain: out of memory");
        rc = -1;
    }
    return rc;
}

void et_use_free(Use *s)
{
    free(s->terms), free(s->rule.s), free(s->local_text.s);
    s->terms = NULL, s->rule.s = NULL, s->local_text.s = NULL;
}

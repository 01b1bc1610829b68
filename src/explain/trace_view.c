/*
 * trace_view.c - the View of a graph that every trace printer reads, the
 * numbers as a hand calculation writes them, and the formula of a node
 * ("w1×x1 + b1", or with numbers "0.15×0.05 + 0.35").
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ops/loss.h"
#include "core/autograd.h"
#include "explain/print.h"
#include "explain/trace_view.h"

/* ---- numbers -------------------------------------------------------------- */

/* Rounds v to n significant digits, as a hand calculation writes it down. */
double gc_trace_round(const TraceOptions *o, double v)
{
    if (o->round <= 0 || !isfinite(v) || v == 0) return v;
    char buf[64];
    snprintf(buf, sizeof buf, "%.*e", o->round - 1, v);
    return strtod(buf, NULL);
}

const char *tv_num(const TraceOptions *o, double v, char *buf, size_t size)
{
    return gc_format_number(rnd(o, v), o->precision, buf, size);
}

/* A negative term in a sum is written (-0.019), as in the worked examples. */
void tv_term(Text *out, const TraceOptions *o, double v)
{
    char b[64];
    gc_text_add(out, v < 0 ? "(%s)" : "%s", tv_num(o, v, b, sizeof b));
}

/* A long name cut to fit buf may end inside a UTF-8 character: drop that part. */
static void whole_chars(char *buf)
{
    size_t n = strlen(buf), start = n;
    while (start > 0 && ((unsigned char)buf[start - 1] & 0xC0) == 0x80) start--;
    if (start-- == 0) return;
    unsigned char lead = (unsigned char)buf[start];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (n - start < need) buf[start] = 0;
}

const char *gc_trace_label(const Tensor *t, const TraceOptions *o, char *buf, size_t size)
{
    if (t->name)
        snprintf(buf, size, "%s", t->name), whole_chars(buf);
    else if (!t->op && !t->requires_grad && t->numel == 1)
        tv_num(o, t->data[0], buf, size);
    else
        snprintf(buf, size, "?");
    return buf;
}

/* ---- the view of a graph ---------------------------------------------------- */

static int id_order(const void *a, const void *b)
{
    uint64_t x = (*(Tensor *const *)a)->id, y = (*(Tensor *const *)b)->id;
    return x < y ? -1 : x > y;
}

Tensor **gc_trace_order(Tensor *root, int64_t *count)
{
    Tensor **order = gc_topo_order(root, count);
    if (order) qsort(order, (size_t)*count, sizeof *order, id_order);
    return order;
}

static int pair_cmp(const void *a, const void *b)
{
    const Tensor *x = ((const Pair *)a)->t, *y = ((const Pair *)b)->t;
    return x < y ? -1 : x > y;
}

int64_t tv_find(const View *v, const Tensor *t)
{
    Pair key = { t, 0 };
    Pair *p = bsearch(&key, v->sorted, (size_t)v->n, sizeof *p, pair_cmp);
    return p ? p->i : -1;
}

int tv_is_constant(const Tensor *t) { return !t->op && !t->requires_grad && t->numel == 1; }
int tv_is_elementwise(const Tensor *t) { return t->op && t->op->elementwise; }

int tv_inlinable(const View *v, int64_t k)
{
    const Tensor *t = v->order[k];
    if (!t->op || t->name || t->numel != 1 || k == v->n - 1) return 0;
    if (v->ustart[k + 1] - v->ustart[k] != 1) return 0;
    return t->op->inlinable;
}

void tv_view_close(View *v)
{
    free(v->order), free(v->sorted), free(v->ustart), free(v->user), free(v->uslot);
    free(v->inl), free(v->hand), free(v->hgrad);
    memset(v, 0, sizeof *v);
}

int tv_view_open(View *v, Tensor *root, const TraceOptions *o, const char *who)
{
    memset(v, 0, sizeof *v);
    v->o = *o;
    if (!(v->order = gc_trace_order(root, &v->n))) return -1;
    int64_t n = v->n, edges = 0;
    for (int64_t k = 0; k < n; k++) edges += v->order[k]->ninputs;
    v->sorted = malloc((size_t)n * sizeof *v->sorted);
    v->ustart = calloc((size_t)n + 1, sizeof *v->ustart);
    v->user = malloc((size_t)(edges + 1) * sizeof *v->user);
    v->uslot = malloc((size_t)(edges + 1) * sizeof *v->uslot);
    v->inl = calloc((size_t)n, 1);
    v->hand = malloc((size_t)n * sizeof *v->hand);
    v->hgrad = malloc((size_t)n * sizeof *v->hgrad);
    if (!v->sorted || !v->ustart || !v->user || !v->uslot || !v->inl || !v->hand || !v->hgrad) {
        tv_view_close(v);
        gc_set_error("%s: out of memory", who);
        return -1;
    }
    for (int64_t k = 0; k < n; k++) v->sorted[k] = (Pair){ v->order[k], k };
    qsort(v->sorted, (size_t)n, sizeof *v->sorted, pair_cmp);
    /* Edges grouped by the input they lead to (counting sort). */
    for (int64_t k = 0; k < n; k++)
        for (int i = 0; i < v->order[k]->ninputs; i++)
            v->ustart[tv_find(v, v->order[k]->inputs[i]) + 1]++;
    for (int64_t k = 0; k < n; k++) v->ustart[k + 1] += v->ustart[k];
    int64_t *fill = malloc((size_t)n * sizeof *fill);
    if (!fill) {
        tv_view_close(v);
        gc_set_error("%s: out of memory", who);
        return -1;
    }
    memcpy(fill, v->ustart, (size_t)n * sizeof *fill);
    for (int64_t k = 0; k < n; k++)
        for (int i = 0; i < v->order[k]->ninputs; i++) {
            int64_t j = tv_find(v, v->order[k]->inputs[i]);
            v->user[fill[j]] = k, v->uslot[fill[j]++] = i;
        }
    free(fill);
    /* The values as the trace computes them: rounded at every step. */
    for (int64_t k = 0; k < n; k++) {
        Tensor *t = v->order[k];
        v->inl[k] = (unsigned char)tv_inlinable(v, k);
        v->hgrad[k] = NAN;
        v->hand[k] = NAN;
        if (t->numel != 1) continue;
        double x = t->data[0];
        if (tv_is_elementwise(t) && t->inputs[0]->numel == 1 &&
            (t->ninputs < 2 || t->inputs[1]->numel == 1)) {
            double a = v->hand[tv_find(v, t->inputs[0])];
            double b = t->ninputs > 1 ? v->hand[tv_find(v, t->inputs[1])] : 0;
            x = t->op->f(a, b, t->args.scalar);
        }
        v->hand[k] = rnd(o, x);
    }
    return 0;
}

/* ---- formulas ------------------------------------------------------------------ */

static int tv_precedence(const Tensor *t)
{
    return t->op->precedence ? t->op->precedence : OP_PREC_CALL;
}

void tv_formula(const View *v, Text *out, int64_t k, int numbers);

/* An operand: inside its user's formula when inlined, else a name or value. */
static void tv_operand(const View *v, Text *out, const Tensor *t, int numbers, int outer, int right)
{
    char b[256]; /* a name, as wide as labels elsewhere */
    int64_t k = tv_find(v, t);
    if (k >= 0 && v->inl[k]) {
        int p = tv_precedence(t), paren = p < outer || (right && p == outer && outer < 9);
        if (paren) gc_text_add(out, "(");
        tv_formula(v, out, k, numbers);
        if (paren) gc_text_add(out, ")");
    } else if (numbers && t->numel == 1) {
        double x = k >= 0 ? v->hand[k] : t->data[0];
        if (outer >= 9 && t->ndim > 0) /* a call's argument keeps its shape: f([0.1]) */
            tv_shaped_num(out, &v->o, t, x);
        else
            gc_text_add(out, x < 0 && outer < 9 ? "(%s)" : "%s", tv_num(&v->o, x, b, sizeof b));
    } else if (numbers && tv_whole(&v->o, t)) {
        gc_text_values(out, t, NULL, &v->o);
    } else {
        gc_text_add(out, "%s", gc_trace_label(t, &v->o, b, sizeof b));
    }
}

/* Node k's op with its operands: "w1×x1 + b1", or with numbers "0.15×0.05 + 0.35". */
void tv_formula(const View *v, Text *out, int64_t k, int numbers)
{
    const Tensor *t = v->order[k];
    const OpDef *op = t->op;
    Tensor *a = t->inputs[0], *b = t->ninputs > 1 ? t->inputs[1] : NULL;
    int p = tv_precedence(t);
    const char *infix = op->infix;
    if (infix && b) {
        tv_operand(v, out, a, numbers, p, 0);
        gc_text_add(out, "%s", infix);
        tv_operand(v, out, b, numbers, p == OP_PREC_POW ? OP_PREC_POW + 1 : p, 1);
        return;
    }
    if (op == &gc_ops[OP_NEG]) {
        gc_text_add(out, "−");
        tv_operand(v, out, a, numbers, OP_PREC_POW, 0);
        return;
    }
    if (op == &gc_ops[OP_TRANSPOSE] && t->ndim <= 2) {
        tv_operand(v, out, a, numbers, 10, 0);
        gc_text_add(out, "ᵀ");
        return;
    }
    const char *fn = t->hook ? t->hook->name : op->call ? op->call : op->name;
    gc_text_add(out, "%s(", fn);
    for (int i = 0; i < t->ninputs; i++) {
        if (i) gc_text_add(out, ", ");
        tv_operand(v, out, t->inputs[i], numbers, 9, 0);
    }
    const OpArgs *g = &t->args;
    if (op == &gc_ops[OP_SELECT])
        gc_text_add(out, ", dim=%d, i=%lld", g->dim + 1, (long long)g->start + 1);
    else if (op == &gc_ops[OP_NARROW])
        gc_text_add(out, ", dim=%d, from %lld, %lld long", g->dim + 1, (long long)g->start + 1,
                    (long long)g->length);
    else if ((op == &gc_ops[OP_SUM] || op == &gc_ops[OP_MEAN] || op == &gc_ops[OP_MAX] ||
              op == &gc_ops[OP_MIN] || op == &gc_ops[OP_SOFTMAX] ||
              op == &gc_ops[OP_LOG_SOFTMAX]) &&
             g->dim != GC_ALL_DIMS && g->dim >= 0)
        gc_text_add(out, ", dim=%d", g->dim + 1);
    else if (op == &gc_ops[OP_LEAKY_RELU])
        gc_text_add(out, ", %g", g->scalar);
    else if ((op == &gc_ops[OP_MSE] || op == &gc_ops[OP_BCE] || op == &gc_ops[OP_CROSS_ENTROPY] ||
              op == &gc_ops[OP_NLL]) &&
             g->ints[0] != GC_REDUCE_MEAN) /* the default, mean, goes unsaid */
        gc_text_add(out, ", reduction=%s", g->ints[0] == GC_REDUCE_SUM ? "sum" : "none");
    gc_text_add(out, ")");
}

/* Operand slot of u in words ("first factor", "denominator"), for telling
 * apart two uses of one node by the same op. */
static const char *tv_slot_name(const Tensor *u, int slot)
{
    static const struct {
        int op;
        const char *name[2];
    } two[] = {
        { OP_ADD, { "first term", "second term" } },
        { OP_SUB, { "first term", "subtracted term" } },
        { OP_MUL, { "first factor", "second factor" } },
        { OP_DIV, { "numerator", "denominator" } },
        { OP_POW, { "base", "exponent" } },
        { OP_MATMUL, { "left factor", "right factor" } },
    };
    static const char *const nth[] = { "first operand", "second operand", "third operand" };
    for (size_t i = 0; i < sizeof two / sizeof two[0] && slot < 2; i++)
        if (u->op == &gc_ops[two[i].op]) return two[i].name[slot];
    return slot < 3 ? nth[slot] : "a later operand";
}

void tv_slot_note(Text *out, const Tensor *u, int slot)
{
    int same = 0;
    for (int i = 0; i < u->ninputs; i++) same += u->inputs[i] == u->inputs[slot];
    if (same > 1) gc_text_add(out, ", %s", tv_slot_name(u, slot));
}

/* One use of a node, as a path through it is named: "t3 = a×x" for a named
 * user, "a + 1" for one written inside its user, and the slot when the user
 * takes the node more than once ("t1×t1, first factor"). */
void tv_use(const View *v, Text *out, int64_t user, int slot)
{
    char b[256];
    if (!v->inl[user]) gc_text_add(out, "%s = ", tv_label(v, user, b, sizeof b));
    tv_formula(v, out, user, 0);
    tv_slot_note(out, v->order[user], slot);
}

/* The name of node k in a ∂-fraction: its name, or its formula in brackets. */
const char *tv_label(const View *v, int64_t k, char *buf, size_t size)
{
    if (!v->inl[k]) return gc_trace_label(v->order[k], &v->o, buf, size);
    Text t = { 0 };
    gc_text_add(&t, "(");
    tv_formula(v, &t, k, 0);
    gc_text_add(&t, ")");
    snprintf(buf, size, "%s", t.failed ? "?" : t.s);
    whole_chars(buf);
    free(t.s);
    return buf;
}

/* ---- values of a tensor as a trace prints them ------------------------------- */

const char *tv_name(const View *v, const Tensor *t, const char *fallback, char *buf, size_t size)
{
    int64_t k = tv_find(v, t);
    const char *s = k >= 0 ? tv_label(v, k, buf, size) : gc_trace_label(t, &v->o, buf, size);
    if (!strcmp(s, "?")) snprintf(buf, size, "%s", fallback);
    return buf;
}

void tv_unravel(int ndim, const int64_t *shape, int64_t flat, int64_t *idx)
{
    for (int d = ndim - 1; d >= 0; d--) {
        int64_t s = shape[d] ? shape[d] : 1;
        idx[d] = flat % s;
        flat /= s;
    }
}

const char *tv_index(int ndim, const int64_t *shape, int64_t flat, char *buf, size_t size)
{
    int64_t at[GC_MAXDIM];
    tv_unravel(ndim, shape, flat, at);
    size_t len = 0;
    buf[0] = 0;
    for (int d = 0; d < ndim && len < size; d++) {
        int n = snprintf(buf + len, size - len, "%s%lld%s", d ? "," : "[", (long long)at[d] + 1,
                         d == ndim - 1 ? "]" : "");
        if (n < 0) break;
        len += (size_t)n;
    }
    return buf;
}

int tv_whole(const TraceOptions *o, const Tensor *t)
{
    return t->numel <= (o->full ? o->full : GC_TRACE_SMALL);
}

void tv_more(Text *out, int64_t shown, int64_t total, const char *what)
{
    if (total > shown) gc_text_add(out, "  … and %lld more %s\n", (long long)(total - shown), what);
}

void tv_shaped_num(Text *out, const TraceOptions *o, const Tensor *t, double x)
{
    char b[64];
    for (int d = 0; d < t->ndim; d++) gc_text_add(out, "[");
    gc_text_add(out, "%s", tv_num(o, x, b, sizeof b));
    for (int d = 0; d < t->ndim; d++) gc_text_add(out, "]");
}

static void nested(Text *out, const Tensor *t, const double *data, const TraceOptions *o, int dim,
                   int64_t offset, int64_t stride)
{
    char b[64];
    if (dim == t->ndim) {
        gc_text_add(out, "%s", tv_num(o, data[offset], b, sizeof b));
        return;
    }
    int64_t n = t->shape[dim], inner = n ? stride / n : 0;
    gc_text_add(out, "[");
    for (int64_t k = 0; k < n; k++) {
        if (k) gc_text_add(out, ", ");
        nested(out, t, data, o, dim + 1, offset + k * inner, inner);
    }
    gc_text_add(out, "]");
}

void gc_text_values(Text *out, const Tensor *t, const double *data, const TraceOptions *o)
{
    char b1[64], b2[64], b3[96];
    if (!data) data = t->data;
    if (tv_whole(o, t)) {
        nested(out, t, data, o, 0, 0, t->numel);
        return;
    }
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    for (int64_t i = 0; i < t->numel; i++) {
        lo = data[i] < lo ? data[i] : lo;
        hi = data[i] > hi ? data[i] : hi;
        sum += data[i];
    }
    gc_text_add(out, "shape %s: min %s, mean ", gc_shape_str(t->ndim, t->shape, b3, sizeof b3),
                tv_num(o, lo, b1, sizeof b1));
    double mean = sum / (double)t->numel;
    if (fabs(mean) <= 1e-12 * fmax(fabs(lo), fabs(hi)))
        mean = 0; /* rounding noise of a zero mean */
    gc_text_add(out, "%s, max %s", tv_num(o, mean, b1, sizeof b1), tv_num(o, hi, b2, sizeof b2));
}

int tv_check_unchanged(const View *v, const char *who)
{
    char b[256];
    for (int64_t k = 0; k < v->n; k++) {
        const Tensor *t = v->order[k];
        for (int i = 0; t->op && t->input_versions && i < t->ninputs; i++)
            if (t->inputs[i]->version != t->input_versions[i]) {
                int64_t ki = tv_find(v, t->inputs[i]);
                gc_set_error("%s: %s was changed in place after the forward pass used it, so "
                             "its gradients no longer match its values; run the forward pass and "
                             "backward again",
                             who, ki >= 0 ? tv_label(v, ki, b, sizeof b) : "an input");
                return -1;
            }
    }
    return 0;
}

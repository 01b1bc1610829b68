/*
 * trace.c - the forward trace, the backward trace and explain: the
 * computation a root tensor came from, written out the way a learner works
 * it by hand.
 *
 * All three read one View of the graph: the nodes in the order they ran
 * (gc_topo_order), for each node the edges to the nodes that use it, and
 * the scalar values as the trace computes them, so that with rounding on
 * every printed number is exactly what hand arithmetic gives.
 *
 * A local derivative is one link of the chain rule. For scalar elementwise
 * ops it is the op table's df_da/df_db at the printed values; for any other
 * op the trace runs the op's own backward kernel on a copy of the node
 * whose inputs carry fresh gradients (a vector-Jacobian product), so every
 * op the engine knows can be traced without a second copy of its maths.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/autograd.h"
#include "explain/print.h"
#include "explain/trace.h"

#define MAX_PATHS 16 /* explain writes out at most this many paths */

/* ---- numbers -------------------------------------------------------------- */

/* Rounds v to n significant digits, as a hand calculation writes it down. */
double gc_trace_round(const TraceOptions *o, double v)
{
    if (o->round <= 0 || !isfinite(v) || v == 0) return v;
    char buf[64];
    snprintf(buf, sizeof buf, "%.*e", o->round - 1, v);
    return strtod(buf, NULL);
}

#define rnd gc_trace_round /* short, as it appears in every formula below */

static const char *num(const TraceOptions *o, double v, char *buf, size_t size)
{
    return gc_format_number(rnd(o, v), o->precision, buf, size);
}

/* A negative term in a sum is written (-0.019), as in the worked examples. */
static void term(Text *out, const TraceOptions *o, double v)
{
    char b[64];
    gc_text_add(out, v < 0 ? "(%s)" : "%s", num(o, v, b, sizeof b));
}

const char *gc_trace_label(const Tensor *t, const TraceOptions *o, char *buf, size_t size)
{
    if (t->name)
        snprintf(buf, size, "%s", t->name);
    else if (!t->op && !t->requires_grad && t->numel == 1)
        num(o, t->data[0], buf, size);
    else
        snprintf(buf, size, "?");
    return buf;
}

/* ---- names the trace gave: they stay unnamed for explain ------------------ */

static uint64_t *auto_ids;
static int64_t nauto, capauto;

static int id_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int is_auto_named(const Tensor *t)
{
    return t->name && t->name[0] == 't' && nauto &&
           bsearch(&t->id, auto_ids, (size_t)nauto, sizeof *auto_ids, id_cmp);
}

static int remember_auto(uint64_t id)
{
    if (nauto == capauto) {
        int64_t cap = capauto ? capauto * 2 : 64;
        uint64_t *grown = realloc(auto_ids, (size_t)cap * sizeof *grown);
        if (!grown) return -1;
        auto_ids = grown, capauto = cap;
    }
    int64_t k = nauto++;
    while (k > 0 && auto_ids[k - 1] > id) auto_ids[k] = auto_ids[k - 1], k--;
    auto_ids[k] = id;
    return 0;
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

typedef struct Pair {
    const Tensor *t;
    int64_t i;
} Pair;

typedef struct View {
    Tensor **order; /* inputs before users */
    int64_t n;
    Pair *sorted;    /* for finding a tensor's index */
    int64_t *ustart; /* users of node k: user[ustart[k] .. ustart[k+1]) */
    int64_t *user;
    int *uslot;           /* which input of the user node k is */
    unsigned char *inl;   /* written inside its user's formula */
    double *hand, *hgrad; /* scalar values and gradients as printed */
    TraceOptions o;
} View;

static int pair_cmp(const void *a, const void *b)
{
    const Tensor *x = ((const Pair *)a)->t, *y = ((const Pair *)b)->t;
    return x < y ? -1 : x > y;
}

static int64_t find(const View *v, const Tensor *t)
{
    Pair key = { t, 0 };
    Pair *p = bsearch(&key, v->sorted, (size_t)v->n, sizeof *p, pair_cmp);
    return p ? p->i : -1;
}

static int is_constant(const Tensor *t) { return !t->op && !t->requires_grad && t->numel == 1; }
static int is_elementwise(const Tensor *t) { return t->op && t->op->f; }

static int inlinable(const View *v, int64_t k)
{
    const Tensor *t = v->order[k];
    if (!t->op || t->name || t->numel != 1 || k == v->n - 1) return 0;
    if (v->ustart[k + 1] - v->ustart[k] != 1) return 0;
    const OpDef *op = t->op;
    return op == &gc_ops[OP_ADD] || op == &gc_ops[OP_SUB] || op == &gc_ops[OP_MUL] ||
           op == &gc_ops[OP_DIV] || op == &gc_ops[OP_NEG] || op == &gc_ops[OP_POW];
}

static void view_close(View *v)
{
    free(v->order), free(v->sorted), free(v->ustart), free(v->user), free(v->uslot);
    free(v->inl), free(v->hand), free(v->hgrad);
    memset(v, 0, sizeof *v);
}

static int view_open(View *v, Tensor *root, const TraceOptions *o, const char *who)
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
        view_close(v);
        gc_set_error("%s: out of memory", who);
        return -1;
    }
    for (int64_t k = 0; k < n; k++) v->sorted[k] = (Pair){ v->order[k], k };
    qsort(v->sorted, (size_t)n, sizeof *v->sorted, pair_cmp);
    /* Edges grouped by the input they lead to (counting sort). */
    for (int64_t k = 0; k < n; k++)
        for (int i = 0; i < v->order[k]->ninputs; i++)
            v->ustart[find(v, v->order[k]->inputs[i]) + 1]++;
    for (int64_t k = 0; k < n; k++) v->ustart[k + 1] += v->ustart[k];
    int64_t *fill = malloc((size_t)n * sizeof *fill);
    if (!fill) {
        view_close(v);
        gc_set_error("%s: out of memory", who);
        return -1;
    }
    memcpy(fill, v->ustart, (size_t)n * sizeof *fill);
    for (int64_t k = 0; k < n; k++)
        for (int i = 0; i < v->order[k]->ninputs; i++) {
            int64_t j = find(v, v->order[k]->inputs[i]);
            v->user[fill[j]] = k, v->uslot[fill[j]++] = i;
        }
    free(fill);
    /* The values as the trace computes them: rounded at every step. */
    for (int64_t k = 0; k < n; k++) {
        Tensor *t = v->order[k];
        v->inl[k] = (unsigned char)inlinable(v, k);
        v->hgrad[k] = NAN;
        v->hand[k] = NAN;
        if (t->numel != 1) continue;
        double x = t->data[0];
        if (is_elementwise(t) && t->inputs[0]->numel == 1 &&
            (t->ninputs < 2 || t->inputs[1]->numel == 1)) {
            double a = v->hand[find(v, t->inputs[0])];
            double b = t->ninputs > 1 ? v->hand[find(v, t->inputs[1])] : 0;
            x = t->op->f(a, b, t->args.scalar);
        }
        v->hand[k] = rnd(o, x);
    }
    return 0;
}

int gc_trace_name_nodes(Tensor *root)
{
    View v;
    TraceOptions o = { 6, 0 };
    if (view_open(&v, root, &o, "trace")) return -1;
    long next = 1;
    for (int64_t k = 0; k < v.n; k++) { /* continue after the largest t<k> */
        const char *name = v.order[k]->name;
        char *end;
        if (name && name[0] == 't' && name[1] >= '0' && name[1] <= '9') {
            long x = strtol(name + 1, &end, 10);
            if (!*end && x >= next) next = x + 1;
        }
    }
    int rc = 0;
    for (int64_t k = 0; k < v.n && !rc; k++) {
        Tensor *t = v.order[k];
        if (t->name || v.inl[k] || is_constant(t)) continue;
        char name[32];
        snprintf(name, sizeof name, "t%ld", next++);
        rc = gc_set_name(t, name) || remember_auto(t->id);
    }
    view_close(&v);
    if (rc) gc_set_error("trace: out of memory");
    return rc ? -1 : 0;
}

/* ---- formulas ------------------------------------------------------------------ */

static int precedence(const Tensor *t)
{
    const OpDef *op = t->op;
    if (op == &gc_ops[OP_ADD] || op == &gc_ops[OP_SUB]) return 1;
    if (op == &gc_ops[OP_MUL] || op == &gc_ops[OP_DIV]) return 2;
    if (op == &gc_ops[OP_NEG]) return 3;
    if (op == &gc_ops[OP_POW]) return 4;
    return 9;
}

static void formula(const View *v, Text *out, int64_t k, int numbers);

/* An operand: inside its user's formula when inlined, else a name or value. */
static void operand(const View *v, Text *out, const Tensor *t, int numbers, int outer, int right)
{
    char b[64];
    int64_t k = find(v, t);
    if (k >= 0 && v->inl[k]) {
        int p = precedence(t), paren = p < outer || (right && p == outer && outer < 9);
        if (paren) gc_text_add(out, "(");
        formula(v, out, k, numbers);
        if (paren) gc_text_add(out, ")");
    } else if (numbers && t->numel == 1) {
        double x = k >= 0 ? v->hand[k] : t->data[0];
        gc_text_add(out, x < 0 && outer < 9 ? "(%s)" : "%s", num(&v->o, x, b, sizeof b));
    } else if (numbers && t->numel <= GC_TRACE_SMALL) {
        gc_text_values(out, t, NULL, &v->o);
    } else {
        gc_text_add(out, "%s", gc_trace_label(t, &v->o, b, sizeof b));
    }
}

/* Node k's op with its operands: "w1·x1 + b1", or with numbers "0.15×0.05 + 0.35". */
static void formula(const View *v, Text *out, int64_t k, int numbers)
{
    const Tensor *t = v->order[k];
    const OpDef *op = t->op;
    Tensor *a = t->inputs[0], *b = t->ninputs > 1 ? t->inputs[1] : NULL;
    int p = precedence(t);
    const char *infix = op == &gc_ops[OP_ADD]      ? " + "
                        : op == &gc_ops[OP_SUB]    ? " − "
                        : op == &gc_ops[OP_MUL]    ? (numbers ? "×" : "·")
                        : op == &gc_ops[OP_DIV]    ? " / "
                        : op == &gc_ops[OP_POW]    ? "^"
                        : op == &gc_ops[OP_MATMUL] ? " @ "
                                                   : NULL;
    if (infix && b) {
        operand(v, out, a, numbers, p, 0);
        gc_text_add(out, "%s", infix);
        operand(v, out, b, numbers, p == 4 ? 5 : p, 1);
        return;
    }
    if (op == &gc_ops[OP_NEG]) {
        gc_text_add(out, "−");
        operand(v, out, a, numbers, 4, 0);
        return;
    }
    if (op == &gc_ops[OP_TRANSPOSE] && t->ndim <= 2) {
        operand(v, out, a, numbers, 10, 0);
        gc_text_add(out, "ᵀ");
        return;
    }
    const char *fn = op == &gc_ops[OP_LOG]          ? "ln"
                     : op == &gc_ops[OP_SIGMOID]    ? "σ"
                     : op == &gc_ops[OP_SQRT]       ? "√"
                     : op == &gc_ops[OP_LEAKY_RELU] ? "leaky_relu"
                                                    : op->name;
    gc_text_add(out, "%s(", fn);
    for (int i = 0; i < t->ninputs; i++) {
        if (i) gc_text_add(out, ", ");
        operand(v, out, t->inputs[i], numbers, 9, 0);
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
    gc_text_add(out, ")");
}

/* The name of node k in a ∂-fraction: its name, or its formula in brackets. */
static const char *label(const View *v, int64_t k, char *buf, size_t size)
{
    if (!v->inl[k]) return gc_trace_label(v->order[k], &v->o, buf, size);
    Text t = { 0 };
    gc_text_add(&t, "(");
    formula(v, &t, k, 0);
    gc_text_add(&t, ")");
    snprintf(buf, size, "%s", t.failed ? "?" : t.s);
    free(t.s);
    return buf;
}

char *gc_trace_forward(Tensor *root, const TraceOptions *o)
{
    View v;
    if (view_open(&v, root, o, "trace")) return NULL;
    Text out = { 0 };
    char b[256];
    for (int64_t k = 0; k < v.n; k++) {
        Tensor *t = v.order[k];
        if (v.inl[k] || is_constant(t)) continue;
        gc_text_add(&out, "%s = ", label(&v, k, b, sizeof b));
        if (t->op) {
            size_t start = out.len;
            formula(&v, &out, k, 0);
            size_t mid = out.len;
            gc_text_add(&out, " = ");
            formula(&v, &out, k, 1);
            /* Nothing was substituted (all big tensors): say it once. */
            if (!out.failed && out.len - mid - 3 == mid - start &&
                !memcmp(out.s + start, out.s + mid + 3, mid - start))
                out.len = mid, out.s[mid] = 0;
            gc_text_add(&out, " = ");
        }
        if (t->numel == 1)
            gc_text_add(&out, "%s", num(o, v.hand[k], b, sizeof b));
        else
            gc_text_values(&out, t, NULL, o);
        gc_text_add(&out, "\n");
    }
    view_close(&v);
    return gc_text_finish(&out, "trace");
}

/* ---- local derivatives ------------------------------------------------------------ */

/* d(loss)/d(input slot of u) given d(loss)/d(u) = seed, computed by u's own
 * backward kernel on a copy whose inputs carry fresh gradients. A new
 * tensor of the input's shape, or NULL (gc_error set). */
static Tensor *vjp(Tensor *u, int slot, Tensor *seed)
{
    Tensor probe = *u, *fake = calloc((size_t)u->ninputs, sizeof *fake);
    Tensor **in = calloc((size_t)u->ninputs, sizeof *in);
    if (!fake || !in) {
        free(fake), free(in);
        gc_set_error("trace: out of memory");
        return NULL;
    }
    for (int i = 0; i < u->ninputs; i++) {
        fake[i] = *u->inputs[i];
        fake[i].grad = NULL;
        fake[i].requires_grad = i == slot;
        in[i] = &fake[i];
    }
    probe.inputs = in;
    probe.grad = seed;
    int rc = u->op->backward(&probe);
    Tensor *g = fake[slot].grad;
    for (int i = 0; i < u->ninputs; i++)
        if (i != slot && fake[i].grad) gc_release(fake[i].grad);
    if (!rc && !g) g = gc_new_like(u->inputs[slot]); /* the kernel had nothing to add */
    if (rc && g) gc_release(g), g = NULL;
    free(fake), free(in);
    return g;
}

static Tensor *filled_like(const Tensor *t, double x)
{
    Tensor *s = gc_new_like(t);
    if (s)
        for (int64_t i = 0; i < s->numel; i++) s->data[i] = x;
    return s;
}

/* The op table's derivative for one input: "∂/∂b = a" out of "∂/∂a = b;  ∂/∂b = a"; the
 * parts separated by ';' go to the inputs in order (the last part to any further input). */
static void derivative_text(Text *out, const OpDef *op, int slot)
{
    const char *d = op->derivative, *semi;
    for (int k = 0; k < slot && (semi = strchr(d, ';')); k++) {
        d = semi + 1;
        while (*d == ' ') d++;
    }
    semi = strchr(d, ';');
    gc_text_add(out, "%.*s", semi ? (int)(semi - d) : (int)strlen(d), d);
}

/* ---- the backward trace -------------------------------------------------------------- */

/* One block: how node k's gradient is made from the gradients of its users. */
static int backward_block(View *v, int64_t k, Text *out)
{
    Tensor *t = v->order[k];
    const TraceOptions *o = &v->o;
    char root[256], me[256], un[256], b1[64], b3[64];
    label(v, v->n - 1, root, sizeof root);
    label(v, k, me, sizeof me);
    if (k == v->n - 1) {
        gc_text_add(out, "%s\n  ∂%s/∂%s = ", me, root, me);
        if (t->numel == 1) {
            v->hgrad[k] = t->grad ? rnd(o, t->grad->data[0]) : 1;
            gc_text_add(out, "%s   (the start of the backward pass)\n",
                        num(o, v->hgrad[k], b1, sizeof b1));
        } else {
            gc_text_values(out, t, t->grad ? t->grad->data : NULL, o);
            gc_text_add(out, "   (the gradient given to backward)\n");
        }
        return 0;
    }
    int64_t first = v->ustart[k], last = v->ustart[k + 1], used = 0;
    for (int64_t e = first; e < last; e++)
        if (v->order[v->user[e]]->grad) used++;
    gc_text_add(out, "%s\n", me);
    double total = 0;
    Tensor *sum = NULL;
    int many = used > 1;
    double terms[64];
    int nterms = 0;
    for (int64_t e = last - 1; e >= first; e--) {
        int64_t ku = v->user[e];
        Tensor *u = v->order[ku];
        int slot = v->uslot[e];
        if (!u->grad || !u->requires_grad) continue;
        label(v, ku, un, sizeof un);
        gc_text_add(out, "  ∂%s/∂%s: %s ", un, me, u->op->name);
        derivative_text(out, u->op, slot);
        if (t->numel == 1 && u->numel == 1) {
            double local;
            if (is_elementwise(u)) {
                double a = v->hand[find(v, u->inputs[0])];
                double b = u->ninputs > 1 ? v->hand[find(v, u->inputs[1])] : 0;
                local = (slot ? u->op->df_db : u->op->df_da)(a, b, v->hand[ku], u->args.scalar);
            } else {
                Tensor *one = filled_like(u, 1), *g = one ? vjp(u, slot, one) : NULL;
                gc_release(one);
                if (!g) return -1;
                local = g->data[0];
                gc_release(g);
            }
            local = rnd(o, local);
            double c = rnd(o, v->hgrad[ku] * local);
            gc_text_add(out, " = %s\n  ", num(o, local, b1, sizeof b1));
            if (many)
                gc_text_add(out, "via %s: ", un);
            else
                gc_text_add(out, "∂%s/∂%s = ", root, me);
            gc_text_add(out, "∂%s/∂%s × ∂%s/∂%s = %s × ", root, un, un, me,
                        num(o, v->hgrad[ku], b1, sizeof b1));
            term(out, o, local);
            gc_text_add(out, " = %s\n", num(o, c, b3, sizeof b3));
            total += c;
            if (nterms < 64) terms[nterms++] = c;
            continue;
        }
        /* Tensors: the product is a vector-Jacobian product; show the result. */
        Tensor *seed = u->numel == 1 ? filled_like(u, v->hgrad[ku]) : u->grad;
        Tensor *g = seed ? vjp(u, slot, seed) : NULL;
        if (seed && seed != u->grad) gc_release(seed);
        if (!g) {
            gc_release(sum);
            return -1;
        }
        seed = u->grad;
        gc_text_add(out, "\n  %s%s%s", many ? "via " : "", many ? un : "", many ? ": " : "");
        if (is_elementwise(u) && u->numel != t->numel) {
            char shape[96], ushape[96];
            /* The product before the sum, element by element of u. */
            Tensor *prod = gc_new_like(u), *ta = u->inputs[0], *tb = u->inputs[1];
            if (prod && seed) {
                ScalarGrad df = slot ? u->op->df_db : u->op->df_da;
                const double *gu = u->numel == 1 ? NULL : u->grad->data;
                GC_BROADCAST_LOOP(u, ta, tb,
                                  prod->data[i] =
                                      (gu ? gu[i] : v->hgrad[ku]) *
                                      df(ta->data[ia], tb->data[ib], u->data[i], u->args.scalar));
            }
            gc_text_add(out, "∂%s/∂%s × ∂%s/∂%s = ", root, un, un, me);
            if (prod) gc_text_values(out, prod, NULL, o);
            gc_release(prod);
            gc_text_add(
                out,
                " has %s's shape %s;\n    summed over the broadcast dims to %s's shape %s: ", un,
                gc_shape_str(u->ndim, u->shape, ushape, sizeof ushape), me,
                gc_shape_str(t->ndim, t->shape, shape, sizeof shape));
        }
        gc_text_add(out, "∂%s/∂%s %s ", root, me, many ? "gets" : "=");
        gc_text_values(out, t, g->data, o);
        gc_text_add(out, "\n");
        if (t->numel == 1) { /* a scalar fed a tensor op: one number */
            double c = rnd(o, g->data[0]);
            total += c;
            if (nterms < 64) terms[nterms++] = c;
            gc_release(g);
        } else if (!sum) {
            sum = g;
        } else {
            for (int64_t i = 0; i < sum->numel; i++) sum->data[i] += g->data[i];
            gc_release(g);
        }
    }
    if (t->numel == 1) {
        v->hgrad[k] = rnd(o, total);
        if (many) {
            gc_text_add(out, "  ∂%s/∂%s = ", root, me);
            for (int i = 0; i < nterms; i++) {
                if (i) gc_text_add(out, " + ");
                term(out, o, terms[i]);
            }
            gc_text_add(out, " = %s\n", num(o, v->hgrad[k], b1, sizeof b1));
        }
    } else if (sum) {
        if (many) {
            gc_text_add(out, "  ∂%s/∂%s = sum of the %lld parts = ", root, me, (long long)used);
            gc_text_values(out, t, sum->data, o);
            gc_text_add(out, "\n");
        }
        gc_release(sum);
    }
    return 0;
}

int gc_trace_backward_blocks(Tensor *root, const TraceOptions *o, char ***blocks, int64_t *count)
{
    *blocks = NULL, *count = 0;
    if (!root->grad) {
        gc_set_error("the tensor has no gradient yet: call backward() on it first");
        return -1;
    }
    View v;
    if (view_open(&v, root, o, "trace")) return -1;
    char **list = calloc((size_t)v.n, sizeof *list);
    int64_t n = 0;
    if (!list) {
        view_close(&v);
        gc_set_error("trace: out of memory");
        return -1;
    }
    for (int64_t k = v.n - 1; k >= 0; k--) {
        Tensor *t = v.order[k];
        if (!t->requires_grad || is_constant(t)) continue;
        Text out = { 0 };
        if (backward_block(&v, k, &out)) {
            free(out.s);
            goto fail;
        }
        if (!(list[n] = gc_text_finish(&out, "trace"))) goto fail;
        n++;
    }
    view_close(&v);
    *blocks = list, *count = n;
    return 0;
fail:
    gc_trace_free_blocks(list, n);
    view_close(&v);
    return -1;
}

void gc_trace_free_blocks(char **blocks, int64_t count)
{
    for (int64_t i = 0; i < count; i++) free(blocks[i]);
    free(blocks);
}

char *gc_trace_backward(Tensor *root, const TraceOptions *o)
{
    char **blocks;
    int64_t n;
    if (gc_trace_backward_blocks(root, o, &blocks, &n)) return NULL;
    Text out = { 0 };
    for (int64_t i = 0; i < n; i++) gc_text_add(&out, "%s", blocks[i]);
    gc_trace_free_blocks(blocks, n);
    return gc_text_finish(&out, "trace");
}

/* ---- explain: the chain rule from the root down to one variable ---------------------- */

typedef struct Edge {
    int64_t user;
    int slot;
} Edge;

/* Named nodes mark the links of the chain; the trace's own t1, t2 do not. */
static int is_link(const View *v, int64_t k, int64_t var)
{
    const Tensor *t = v->order[k];
    return k == v->n - 1 || k == var || (t->name && !v->inl[k] && !is_auto_named(t));
}

/* Pushes a gradient down the edges path[from..to): g at the user of
 * path[from] in, the gradient at the input of path[to-1] out. Takes g. */
static Tensor *push_down(View *v, const Edge *path, int from, int to, Tensor *g)
{
    for (int e = from; e < to && g; e++) {
        Tensor *next = vjp(v->order[path[e].user], path[e].slot, g);
        gc_release(g);
        g = next;
    }
    return g;
}

static int64_t input_index(const View *v, const Edge *e)
{
    return find(v, v->order[e->user]->inputs[e->slot]);
}

/* One path: its chain of factors and their product (added to total). */
static int explain_path(View *v, const Edge *path, int len, int64_t var, Text *out, double *pv,
                        Tensor **ptotal)
{
    const TraceOptions *o = &v->o;
    char a[256], b[256], c[64];
    int64_t links[256];
    int at[256], nl = 0, scalar_links = 1;
    links[nl] = v->n - 1, at[nl++] = 0;
    int every = 0; /* no named node between: every node is a link */
    for (int e = 0; e < len - 1; e++) every |= is_link(v, input_index(v, &path[e]), var);
    every = !every && len > 1;
    for (int e = 0; e < len && nl < 255; e++) {
        int64_t k = input_index(v, &path[e]);
        if (every || is_link(v, k, var)) {
            if (v->order[links[nl - 1]]->numel != 1) scalar_links = 0;
            links[nl] = k, at[nl++] = e + 1;
        }
    }
    label(v, v->n - 1, a, sizeof a);
    label(v, var, b, sizeof b);
    gc_text_add(out, "∂%s/∂%s = ", a, b);
    for (int i = 1; i < nl && nl > 2; i++) { /* one factor would just repeat the left side */
        label(v, links[i - 1], a, sizeof a);
        label(v, links[i], b, sizeof b);
        gc_text_add(out, "%s∂%s/∂%s", i > 1 ? (scalar_links ? " × " : " · ") : "", a, b);
    }
    Tensor *g = NULL;
    if (scalar_links) { /* a product of numbers (the last may be a tensor) */
        double product = 1;
        Text nums = { 0 };
        for (int i = 1; i < nl; i++) {
            Tensor *one = filled_like(v->order[links[i - 1]], 1);
            Tensor *f = one ? push_down(v, path, at[i - 1], at[i], one) : NULL;
            if (!f) {
                free(nums.s);
                gc_release(g);
                return -1;
            }
            if (i > 1) gc_text_add(&nums, " × ");
            if (f->numel == 1) {
                double x = rnd(o, f->data[0]);
                product = rnd(o, product * x);
                gc_text_add(&nums, x < 0 && i > 1 ? "(%s)" : "%s", num(o, x, c, sizeof c));
                gc_release(f);
            } else {
                gc_text_values(&nums, f, NULL, o);
                g = f;
            }
        }
        if (nl > 2) gc_text_add(out, " = %s", nums.failed ? "?" : nums.s);
        free(nums.s);
        if (g)
            for (int64_t i = 0; i < g->numel; i++) g->data[i] = rnd(o, product * g->data[i]);
        else if (!(g = filled_like(v->order[var], product)))
            return -1;
    } else { /* tensors between the links: gradients, link by link */
        gc_text_add(out, "\n");
        Tensor *one = filled_like(v->order[v->n - 1], 1);
        g = one;
        for (int i = 1; i < nl && g; i++) {
            g = push_down(v, path, at[i - 1], at[i], g);
            if (!g) break;
            label(v, v->n - 1, a, sizeof a);
            label(v, links[i], b, sizeof b);
            if (i < nl - 1) {
                gc_text_add(out, "    ∂%s/∂%s (this path) = ", a, b);
                gc_text_values(out, v->order[links[i]], g->data, o);
                gc_text_add(out, "\n");
            }
        }
        if (!g) return -1;
        gc_text_add(out, "   ");
    }
    gc_text_add(out, nl > 2 ? " = " : "");
    gc_text_values(out, g, NULL, o);
    gc_text_add(out, "\n");
    if (g->numel == 1) *pv = g->data[0];
    if (!*ptotal)
        *ptotal = g;
    else {
        for (int64_t i = 0; i < g->numel; i++)
            (*ptotal)->data[i] = rnd(o, (*ptotal)->data[i] + g->data[i]);
        gc_release(g);
    }
    return 0;
}

char *gc_explain(Tensor *root, Tensor *var, const TraceOptions *o)
{
    if (!root->grad) {
        gc_set_error("explain: the tensor has no gradient yet: call backward() on it first, "
                     "e.g. E:backward(); explain(E)");
        return NULL;
    }
    if (root->numel != 1) {
        gc_set_error("explain: the chain rule is explained for a one-element result; this one "
                     "has %lld elements",
                     (long long)root->numel);
        return NULL;
    }
    View v;
    if (view_open(&v, root, o, "explain")) return NULL;
    int64_t kv = find(&v, var);
    char a[256], b[256];
    if (kv < 0 || !var->requires_grad) {
        view_close(&v);
        gc_set_error("explain: %s is not in the graph of %s (or does not require grad), so %s does "
                     "not depend on it",
                     var->name ? var->name : "the variable", root->name ? root->name : "the result",
                     root->name ? root->name : "the result");
        return NULL;
    }
    /* paths[k]: how many paths lead from node k down to var (saturating). */
    double *paths = v.hgrad;
    for (int64_t k = 0; k < v.n; k++) {
        Tensor *t = v.order[k];
        paths[k] = k == kv;
        for (int i = 0; i < t->ninputs && k != kv; i++)
            if (t->inputs[i]->requires_grad) paths[k] += paths[find(&v, t->inputs[i])];
    }
    double npaths = paths[v.n - 1];
    Text out = { 0 };
    Tensor *total = NULL;
    double pv[MAX_PATHS];
    int written = 0, rc = 0;
    /* Depth-first over the edges that reach var. */
    Edge *path = malloc((size_t)(v.n + 1) * sizeof *path);
    int *next = calloc((size_t)v.n + 1, sizeof *next);
    int64_t *node = malloc((size_t)(v.n + 1) * sizeof *node);
    if (!path || !next || !node) {
        rc = -1;
        gc_set_error("explain: out of memory");
        goto done;
    }
    int depth = 0;
    node[0] = v.n - 1;
    while (depth >= 0 && written < MAX_PATHS && !rc) {
        int64_t k = node[depth];
        if (k == kv) {
            if (npaths > 1) gc_text_add(&out, "path %d: ", written + 1);
            rc = explain_path(&v, path, depth, kv, &out, &pv[written], &total);
            written++;
            depth--;
            continue;
        }
        Tensor *t = v.order[k];
        int i = next[depth]++;
        if (i >= t->ninputs) {
            depth--;
            continue;
        }
        int64_t j = find(&v, t->inputs[i]);
        if (!t->inputs[i]->requires_grad || paths[j] == 0) continue;
        path[depth] = (Edge){ k, i };
        node[++depth] = j;
        next[depth] = 0;
    }
    label(&v, v.n - 1, a, sizeof a);
    label(&v, kv, b, sizeof b);
    if (!rc && npaths > 1) {
        gc_text_add(&out, "∂%s/∂%s = ", a, b);
        if (var->numel == 1 && written == npaths) {
            for (int i = 0; i < written; i++) {
                if (i) gc_text_add(&out, " + ");
                term(&out, o, pv[i]);
            }
            gc_text_add(&out, " = ");
            gc_text_values(&out, total, NULL, o);
        } else if (written == npaths) {
            gc_text_add(&out, "the sum of the %d paths = ", written);
            gc_text_values(&out, total, NULL, o);
        } else {
            gc_text_add(&out, "the sum of all %.0f paths (%d shown) = ", npaths, written);
            gc_text_values(&out, var, var->grad ? var->grad->data : NULL, o);
        }
        gc_text_add(&out, "\n");
    }
    if (!rc && total && var->grad && o->round == 0 && written == npaths) {
        int same = 1; /* gradients accumulated over several backward calls differ */
        for (int64_t i = 0; i < var->numel; i++)
            same &= fabs(var->grad->data[i] - total->data[i]) <= 1e-9 * (1 + fabs(total->data[i]));
        if (!same) {
            gc_text_add(&out, "note: %s.grad holds ", b);
            gc_text_values(&out, var, var->grad->data, o);
            gc_text_add(&out,
                        ", accumulated over several backward calls (zero_grad() clears it)\n");
        }
    }
done:
    gc_release(total);
    free(path), free(next), free(node);
    view_close(&v);
    if (rc) {
        free(out.s);
        return NULL;
    }
    return gc_text_finish(&out, "explain");
}

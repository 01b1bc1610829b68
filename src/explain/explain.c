/*
 * explain.c - the chain rule from a root down to one variable: one product
 * of local derivatives per path, named by the nodes it passes, with its
 * numbers, and their sum.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/autograd.h"
#include "explain/explain.h"
#include "explain/trace_view.h"

#define MAX_PATHS 16 /* explain writes out at most this many paths */

/* ---- explain: the chain rule from the root down to one variable ---------------------- */

typedef struct Edge {
    int64_t user;
    int slot;
} Edge;

/* Named nodes mark the links of the chain; the trace's own t1, t2 do not. */
static int is_link(const View *v, int64_t k, int64_t var)
{
    const Tensor *t = v->order[k];
    return k == v->n - 1 || k == var || (t->name && !v->inl[k] && !t->name_from_trace);
}

/* Pushes a gradient down the edges path[from..to): g at the user of
 * path[from] in, the gradient at the input of path[to-1] out. Takes g. */
static Tensor *push_down(View *v, const Edge *path, int from, int to, Tensor *g)
{
    for (int e = from; e < to && g; e++) {
        Tensor *next = tv_vjp(v->order[path[e].user], path[e].slot, g);
        gc_release(g);
        g = next;
    }
    return g;
}

static int64_t input_index(const View *v, const Edge *e)
{
    return tv_find(v, v->order[e->user]->inputs[e->slot]);
}

/* Whether the edge into var is a product of two matrices, whose gradient
 * explain writes out as the product the backward computes. */
static int matmul_step(const View *v, const Edge *e, Text *out)
{
    (void)out;
    const Tensor *u = v->order[e->user];
    return u->op == &gc_ops[OP_MATMUL] && u->inputs[0]->ndim == 2 && u->inputs[1]->ndim == 2;
}

/* "= Xᵀ @ ∂L/∂Z = [[…]]ᵀ @ [[…]]" (or "∂L/∂Z @ Wᵀ"): the gradient of one
 * operand of the matrix product u, from g at u. Takes g; the result is
 * what matmul's backward computes. */
static Tensor *matmul_text(View *v, const Edge *e, Tensor *g, Text *out)
{
    Tensor *u = v->order[e->user];
    const Tensor *other = u->inputs[1 - e->slot];
    char root[256], un[256], on[256];
    tv_label(v, v->n - 1, root, sizeof root);
    tv_label(v, e->user, un, sizeof un);
    int64_t ko = tv_find(v, other);
    if (ko >= 0)
        tv_label(v, ko, on, sizeof on);
    else
        snprintf(on, sizeof on, "?");
    if (e->slot == 0) {
        gc_text_add(out, "    = ∂%s/∂%s @ %sᵀ = ", root, un, on);
        gc_text_values(out, u, g->data, &v->o);
        gc_text_add(out, " @ ");
        gc_text_values(out, other, NULL, &v->o);
        gc_text_add(out, "ᵀ\n");
    } else {
        gc_text_add(out, "    = %sᵀ @ ∂%s/∂%s = ", on, root, un);
        gc_text_values(out, other, NULL, &v->o);
        gc_text_add(out, "ᵀ @ ");
        gc_text_values(out, u, g->data, &v->o);
        gc_text_add(out, "\n");
    }
    Tensor *next = tv_vjp(u, e->slot, g);
    gc_release(g);
    return next;
}

/* Names the uses a path goes through, at every node it reaches that is
 * used more than once: " (via t3 = a×x; via t1×t1, second factor)". */
static void path_uses(const View *v, const Edge *path, int len, Text *out)
{
    int n = 0;
    for (int e = 0; e < len; e++) {
        int64_t j = input_index(v, &path[e]);
        if (v->ustart[j + 1] - v->ustart[j] < 2) continue;
        gc_text_add(out, n++ ? "; via " : " (via ");
        tv_use(v, out, path[e].user, path[e].slot);
    }
    if (n) gc_text_add(out, ")");
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
    tv_label(v, v->n - 1, a, sizeof a);
    tv_label(v, var, b, sizeof b);
    if (!scalar_links) { /* the gradients link by link, in the order backward makes them */
        gc_text_add(out, "∂%s/∂%s", a, b);
        for (int i = 1; i < nl - 1; i++)
            gc_text_add(out, "%s%s", i > 1 ? ", " : " through ",
                        tv_label(v, links[i], a, sizeof a));
        gc_text_add(out, ":");
    } else {
        gc_text_add(out, "∂%s/∂%s = ", a, b);
    }
    for (int i = 1; i < nl && nl > 2 && scalar_links; i++) { /* one factor would repeat the left */
        tv_label(v, links[i - 1], a, sizeof a);
        tv_label(v, links[i], b, sizeof b);
        gc_text_add(out, "%s∂%s/∂%s", i > 1 ? " × " : "", a, b);
    }
    Tensor *g = NULL;
    if (scalar_links) { /* a product of numbers (the last may be a tensor) */
        double product = 1;
        Text nums = { 0 };
        for (int i = 1; i < nl; i++) {
            Tensor *one = tv_filled_like(v->order[links[i - 1]], 1);
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
                gc_text_add(&nums, x < 0 && i > 1 ? "(%s)" : "%s", tv_num(o, x, c, sizeof c));
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
        else if (!(g = tv_filled_like(v->order[var], product)))
            return -1;
    } else { /* tensors between the links: gradients, link by link */
        gc_text_add(out, "\n");
        Tensor *one = tv_filled_like(v->order[v->n - 1], 1);
        g = one;
        for (int i = 1; i < nl && g; i++) {
            if (i == nl - 1 && at[i] == len && matmul_step(v, &path[len - 1], out)) {
                /* the last link is a matrix product: show the product it computes */
                g = push_down(v, path, at[i - 1], len - 1, g);
                if (!g) break;
                g = matmul_text(v, &path[len - 1], g, out);
                break;
            }
            g = push_down(v, path, at[i - 1], at[i], g);
            if (!g) break;
            tv_label(v, v->n - 1, a, sizeof a);
            tv_label(v, links[i], b, sizeof b);
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

int gc_explain_check_root(const Tensor *root, const char *example)
{
    if (!root->grad) {
        gc_set_error("explain: the tensor has no gradient yet: call backward() on it first, "
                     "e.g. %s",
                     example);
        return -1;
    }
    if (root->numel != 1) {
        gc_set_error("explain: the chain rule is explained for a one-element result; this one "
                     "has %lld elements",
                     (long long)root->numel);
        return -1;
    }
    return 0;
}

char *gc_explain(Tensor *root, Tensor *var, const TraceOptions *o)
{
    if (gc_explain_check_root(root, "E:backward(); explain(E)")) return NULL;
    View v;
    if (tv_view_open(&v, root, o, "explain")) return NULL;
    if (tv_check_unchanged(&v, "explain")) {
        tv_view_close(&v);
        return NULL;
    }
    int64_t kv = tv_find(&v, var);
    char a[256], b[256];
    if (kv < 0 || !var->requires_grad) {
        tv_view_close(&v);
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
            if (t->inputs[i]->requires_grad) paths[k] += paths[tv_find(&v, t->inputs[i])];
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
            if (npaths > 1) {
                gc_text_add(&out, "path %d", written + 1);
                path_uses(&v, path, depth, &out);
                gc_text_add(&out, ": ");
            }
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
        int64_t j = tv_find(&v, t->inputs[i]);
        if (!t->inputs[i]->requires_grad || paths[j] == 0) continue;
        path[depth] = (Edge){ k, i };
        node[++depth] = j;
        next[depth] = 0;
    }
    tv_label(&v, v.n - 1, a, sizeof a);
    tv_label(&v, kv, b, sizeof b);
    if (!rc && npaths > 1) {
        gc_text_add(&out, "∂%s/∂%s = ", a, b);
        if (var->numel == 1 && written == npaths) {
            for (int i = 0; i < written; i++) {
                if (i) gc_text_add(&out, " + ");
                tv_term(&out, o, pv[i]);
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
    tv_view_close(&v);
    if (rc) {
        free(out.s);
        return NULL;
    }
    return gc_text_finish(&out, "explain");
}

/*
 * trace_backward.c - the backward trace: node by node from the root down,
 * each local derivative with its formula and numbers, and the sums over
 * the paths a gradient arrives by.
 *
 * A local derivative is one link of the chain rule. For scalar elementwise
 * ops it is the op table's df_da/df_db at the printed values; for any other
 * op the trace runs the op's own backward kernel on a copy of the node
 * whose inputs carry fresh gradients (a vector-Jacobian product), so every
 * op the engine knows can be traced without a second copy of its maths.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/autograd.h"
#include "core/ops/loss.h"
#include "explain/trace_backward.h"
#include "explain/trace_images.h"
#include "explain/trace_view.h"

/* ---- local derivatives ------------------------------------------------------------ */

/* d(loss)/d(input slot of u) given d(loss)/d(u) = seed, computed by u's own
 * backward kernel on a copy whose inputs carry fresh gradients. A new
 * tensor of the input's shape, or NULL (gc_error set). */
Tensor *tv_vjp(Tensor *u, int slot, Tensor *seed)
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

Tensor *tv_filled_like(const Tensor *t, double x)
{
    Tensor *s = gc_new_like(t);
    if (s)
        for (int64_t i = 0; i < s->numel; i++) s->data[i] = x;
    return s;
}

/* The op table's derivative for one input: "∂/∂b = a" out of "∂/∂a = b;  ∂/∂b = a". */
static void derivative_text(Text *out, const OpDef *op, int slot)
{
    /* input k gets the k-th ';'-separated part (the last part, any further input) */
    const char *d = op->derivative, *semi;
    for (int k = 0; k < slot && (semi = strchr(d, ';')); k++) {
        d = semi + 1;
        while (*d == ' ') d++;
    }
    semi = strchr(d, ';');
    gc_text_add(out, "%.*s", semi ? (int)(semi - d) : (int)strlen(d), d);
}

/* The op table writes a loss's derivative for its default mean; a loss
 * summed, or kept per term, has no 1/n. */
static void reduction_note(const Tensor *u, Text *out)
{
    OpCode code = (OpCode)(u->op - gc_ops);
    if (code != OP_MSE && code != OP_BCE && code != OP_CROSS_ENTROPY && code != OP_NLL) return;
    if (u->args.ints[0] == GC_REDUCE_SUM)
        gc_text_add(out, ", without the 1/n (reduction = \"sum\")");
    else if (u->args.ints[0] == GC_REDUCE_NONE)
        gc_text_add(out,
                    ", without the 1/n and times each term's own gradient (reduction = \"none\")");
}

/* Whether that derivative is the constant 1 (add's, sub's first): its line says nothing. */
static int derivative_is_one(const OpDef *op, int slot)
{
    Text d = { 0 };
    derivative_text(&d, op, slot);
    int one = d.s && d.len >= 4 && !strcmp(d.s + d.len - 4, " = 1");
    free(d.s);
    return one;
}

/* The local derivative of scalar node ku in its input slot, at the printed values. */
static int local_derivative(View *v, int64_t ku, int slot, double *local)
{
    Tensor *u = v->order[ku];
    if (tv_is_elementwise(u)) {
        double a = v->hand[tv_find(v, u->inputs[0])];
        double b = u->ninputs > 1 ? v->hand[tv_find(v, u->inputs[1])] : 0;
        *local = (slot ? u->op->df_db : u->op->df_da)(a, b, v->hand[ku], u->args.scalar);
    } else {
        Tensor *one = tv_filled_like(u, 1), *g = one ? tv_vjp(u, slot, one) : NULL;
        gc_release(one);
        if (!g) return -1;
        *local = g->data[0];
        gc_release(g);
    }
    *local = rnd(&v->o, *local);
    return 0;
}

static int letter(unsigned char c) { return (c < 0x80 && isalnum(c)) || c == '_'; }

/* The derivative of elementwise node ku for its input slot, written with
 * ku's own operands where the op table writes a and b: "w1" for mul's
 * ∂/∂b = a at w1×x1. Sets *named when an operand went in; returns 0 when
 * it cannot (not elementwise, or an operand without a name). */
static int named_derivative(View *v, int64_t ku, int slot, Text *out, int *named)
{
    const Tensor *u = v->order[ku];
    char lab[2][256];
    *named = 0;
    if (!tv_is_elementwise(u)) return 0;
    for (int i = 0; i < u->ninputs && i < 2; i++) {
        int64_t j = tv_find(v, u->inputs[i]);
        if (j < 0) return 0;
        tv_label(v, j, lab[i], sizeof lab[i]);
        if (!strcmp(lab[i], "?")) return 0;
        size_t len = strlen(lab[i]);
        if (lab[i][0] == '-' && len + 3 <= sizeof lab[i]) { /* a negative constant: (-0.2) */
            memmove(lab[i] + 1, lab[i], len);
            lab[i][0] = '(', lab[i][len + 1] = ')', lab[i][len + 2] = 0;
        }
    }
    Text d = { 0 };
    derivative_text(&d, u->op, slot);
    const char *rhs = d.s ? strstr(d.s, "= ") : NULL;
    if (!rhs) {
        free(d.s);
        return 0;
    }
    for (const char *p = rhs + 2; *p; p++) {
        int which = *p == 'a' ? 0 : *p == 'b' ? 1 : -1;
        if (which >= 0 && which < u->ninputs && (p == d.s || !letter((unsigned char)p[-1])) &&
            !letter((unsigned char)p[1])) {
            gc_text_add(out, "%s", lab[which]);
            *named = 1;
        } else {
            gc_text_add(out, "%c", *p);
        }
    }
    free(d.s);
    return 1;
}

/* One link of the chain, unless it is the constant 1: "∂(w1×x1)/∂x1 = w1 =
 * -3" with the node's own operands, or "∂y/∂x: softmax ∂/∂xᵢ = … = 0.2"
 * with the op table's letters. value is NULL for a tensor. */
static void local_line(View *v, int64_t ku, int slot, int64_t k, const double *value, Text *out)
{
    char un[256], me[256], b[64];
    const Tensor *u = v->order[ku];
    if (derivative_is_one(u->op, slot)) return;
    gc_text_add(out, "  ∂%s/∂%s", tv_label(v, ku, un, sizeof un), tv_label(v, k, me, sizeof me));
    const char *num = value ? tv_num(&v->o, *value, b, sizeof b) : NULL;
    Text f = { 0 };
    int named;
    if (named_derivative(v, ku, slot, &f, &named) && f.s) {
        /* a constant ("−1") or a number put in ("0.5") is not repeated */
        gc_text_add(out, " = %s", f.s);
        if (num && named && strcmp(f.s, num)) gc_text_add(out, " = %s", num);
    } else {
        gc_text_add(out, ": %s ", u->op->name);
        derivative_text(out, u->op, slot);
        reduction_note(u, out);
        if (num) gc_text_add(out, " = %s", num);
    }
    free(f.s);
    gc_text_add(out, "\n");
}

/* "via w5×out_h1: ", the use of a node that has several: its user's name,
 * or the formula of a user written inside another, and the slot when the
 * user takes the node twice. */
static void via(View *v, int64_t ku, int slot, Text *out)
{
    char un[256];
    gc_text_add(out, "via ");
    if (v->inl[ku])
        tv_formula(v, out, ku, 0);
    else
        gc_text_add(out, "%s", tv_label(v, ku, un, sizeof un));
    tv_slot_note(out, v->order[ku], slot);
    gc_text_add(out, ": ");
}

/* One use of scalar node k by scalar node ku: the local derivatives from
 * the named node above down to k (the unnamed ones between are written
 * inside its formula, as the forward trace writes them), then their product
 * with the gradient there. Returns the contribution in *c. */
static int scalar_use(View *v, int64_t k, int64_t ku, int slot, int many, Text *out, double *c)
{
    const TraceOptions *o = &v->o;
    char root[256], top[256], me[256], b1[64];
    int64_t chain[64];
    int slots[64], m = 0;
    chain[0] = ku, slots[0] = slot;
    while (v->inl[chain[m]] && m < 63) { /* an inlined node has exactly one user */
        int64_t e = v->ustart[chain[m]];
        chain[m + 1] = v->user[e], slots[m + 1] = v->uslot[e];
        m++;
    }
    double locals[64];
    for (int i = m; i >= 0; i--) {
        if (local_derivative(v, chain[i], slots[i], &locals[i])) return -1;
        local_line(v, chain[i], slots[i], i ? chain[i - 1] : k, &locals[i], out);
    }
    tv_label(v, v->n - 1, root, sizeof root);
    tv_label(v, chain[m], top, sizeof top);
    tv_label(v, k, me, sizeof me);
    gc_text_add(out, "  ");
    if (many)
        via(v, ku, slot, out);
    else
        gc_text_add(out, "∂%s/∂%s = ", root, me);
    gc_text_add(out, "∂%s/∂%s × ∂%s/∂%s = %s", root, top, top, me,
                tv_num(o, v->hgrad[chain[m]], b1, sizeof b1));
    int shown = 0;
    for (int i = m; i >= 0; i--) /* the 1s of sums are left out of the product */
        if (locals[i] != 1 || (i == 0 && !shown)) {
            gc_text_add(out, " × ");
            tv_term(out, o, locals[i]);
            shown++;
        }
    *c = rnd(o, v->hgrad[ku] * locals[0]);
    gc_text_add(out, " = ");
    if (many)
        gc_text_add(out, "%s", tv_num(o, *c, b1, sizeof b1));
    else
        tv_shaped_num(out, o, v->order[k], *c);
    gc_text_add(out, "\n");
    return 0;
}

/* ---- the backward trace -------------------------------------------------------------- */

/* One block: how node k's gradient is made from the gradients of its users. */
static int backward_block(View *v, int64_t k, Text *out)
{
    Tensor *t = v->order[k];
    const TraceOptions *o = &v->o;
    char root[256], me[256], un[256], b1[64];
    tv_label(v, v->n - 1, root, sizeof root);
    tv_label(v, k, me, sizeof me);
    if (k == v->n - 1) {
        gc_text_add(out, "%s\n  ∂%s/∂%s = ", me, root, me);
        if (t->numel == 1) {
            v->hgrad[k] = t->grad ? rnd(o, t->grad->data[0]) : 1;
            gc_text_add(out, "%s   (the start of the backward pass)\n",
                        tv_num(o, v->hgrad[k], b1, sizeof b1));
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
        tv_label(v, ku, un, sizeof un);
        if (t->numel == 1 && u->numel == 1) {
            double c;
            if (scalar_use(v, k, ku, slot, many, out, &c)) return -1;
            total += c;
            if (nterms < 64) terms[nterms++] = c;
            continue;
        }
        local_line(v, ku, slot, k, NULL, out);
        /* Tensors: the product is a vector-Jacobian product; show the result. */
        Tensor *seed = u->numel == 1 ? tv_filled_like(u, v->hgrad[ku]) : u->grad;
        Tensor *g = seed ? tv_vjp(u, slot, seed) : NULL;
        if (seed && seed != u->grad) gc_release(seed);
        if (!g) {
            gc_release(sum);
            return -1;
        }
        seed = u->grad;
        gc_text_add(out, "  ");
        if (many) via(v, ku, slot, out);
        if (tv_is_elementwise(u) && u->numel != t->numel) {
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
        gc_trace_detail_backward(v, out, ku, slot, g);
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
                tv_term(out, o, terms[i]);
            }
            gc_text_add(out, " = ");
            tv_shaped_num(out, o, t, v->hgrad[k]);
            gc_text_add(out, "\n");
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

int gc_trace_backward_blocks(Tensor *root, const TraceOptions *o, char ***blocks,
                             const Tensor ***nodes, int64_t *count)
{
    *blocks = NULL, *count = 0;
    if (nodes) *nodes = NULL;
    if (!root->grad) {
        gc_set_error("the tensor has no gradient yet: call backward() on it first");
        return -1;
    }
    View v;
    if (tv_view_open(&v, root, o, "trace")) return -1;
    if (tv_check_unchanged(&v, "the backward trace")) {
        tv_view_close(&v);
        return -1;
    }
    char **list = calloc((size_t)v.n, sizeof *list);
    const Tensor **which = nodes ? malloc((size_t)v.n * sizeof *which + 1) : NULL;
    int64_t n = 0;
    if (!list || (nodes && !which)) {
        free(list), free(which);
        tv_view_close(&v);
        gc_set_error("trace: out of memory");
        return -1;
    }
    for (int64_t k = v.n - 1; k >= 0; k--) {
        Tensor *t = v.order[k];
        if (!t->requires_grad || tv_is_constant(t)) continue;
        Text out = { 0 };
        if (backward_block(&v, k, &out)) {
            free(out.s);
            goto fail;
        }
        if (v.inl[k]) { /* written inside the step of the named node it leads to */
            free(out.s);
            continue;
        }
        if (!(list[n] = gc_text_finish(&out, "trace"))) goto fail;
        if (which) which[n] = t;
        n++;
    }
    tv_view_close(&v);
    *blocks = list, *count = n;
    if (nodes) *nodes = which;
    return 0;
fail:
    free(which);
    gc_trace_free_blocks(list, n);
    tv_view_close(&v);
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
    if (gc_trace_backward_blocks(root, o, &blocks, NULL, &n)) return NULL;
    Text out = { 0 };
    for (int64_t i = 0; i < n; i++) gc_text_add(&out, "%s", blocks[i]);
    gc_trace_free_blocks(blocks, n);
    return gc_text_finish(&out, "trace");
}

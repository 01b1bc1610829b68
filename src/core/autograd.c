/*
 * autograd.c - recording ops as they run, and walking the graph backward.
 *
 * gc_apply runs one op of the table and, when an input requires a gradient,
 * keeps the op and its inputs in the result: that is the whole graph.
 * gc_backward sorts the graph so every node comes after its inputs, then
 * visits it in reverse, letting each op add its inputs' gradients
 * (the chain rule: d loss/d input += d loss/d out * d out/d input).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/autograd.h"
#include "core/inplace.h"
#include "core/tensor.h"

int gc_no_grad_depth = 0;
static uint64_t walk_epoch = 0;

int gc_needs_grad(const Tensor *t) { return t->requires_grad; }

Tensor *gc_grad_of(Tensor *t)
{
    if (!t->grad) t->grad = gc_new_like(t);
    return t->grad;
}

/* Turns a computed result into a plain leaf: its inputs are not needed.
 * (saved stays: max and min hand their positions to the caller from it.) */
static void forget_inputs(Tensor *out)
{
    for (int i = 0; i < out->ninputs; i++) gc_release(out->inputs[i]);
    out->ninputs = 0;
    out->op = NULL;
}

Tensor *gc_apply(OpCode code, int ninputs, Tensor **inputs, const OpArgs *args)
{
    const OpDef *op = &gc_ops[code];
    Tensor probe;
    memset(&probe, 0, sizeof probe);
    probe.op = op;
    probe.ninputs = ninputs;
    probe.inputs = inputs;
    if (args) probe.args = *args;
    if (op->shape(&probe)) return NULL;

    Tensor *out = gc_new_node(probe.ndim, probe.shape, ninputs, 0); /* forward writes it all */
    if (!out) return NULL;
    out->op = op;
    out->args = probe.args;
    out->args.shape = NULL; /* pointed into the caller's frame */
    int record = 0;
    for (int i = 0; i < ninputs; i++) {
        out->inputs[i] = inputs[i];
        out->input_versions[i] = inputs[i]->version;
        gc_retain(inputs[i]);
        out->ninputs++;
        record |= inputs[i]->requires_grad;
    }
    int failed = op->forward(out) || gc_interrupted();
    out->args.source = NULL; /* the caller's, read by forward only */
    if (failed) {
        gc_release(out);
        return NULL;
    }
    if (record && gc_no_grad_depth == 0 && op->backward)
        out->requires_grad = 1;
    else
        forget_inputs(out);
    return out;
}

/* ---- graph walks ---------------------------------------------------------- */

Tensor **gc_topo_order(Tensor *root, int64_t *count)
{
    /* Depth-first, post-order, with an explicit stack: no recursion limit. */
    typedef struct {
        Tensor *t;
        int next;
    } Frame;
    int64_t cap = 64, depth = 0, n = 0, ocap = 64;
    Frame *stack = malloc((size_t)cap * sizeof *stack);
    Tensor **order = malloc((size_t)ocap * sizeof *order);
    if (!stack || !order) goto nomem;
    uint64_t epoch = ++walk_epoch;
    root->visit = epoch;
    stack[depth++] = (Frame){ root, 0 };
    while (depth > 0) {
        Frame *f = &stack[depth - 1];
        if (f->next < f->t->ninputs) {
            Tensor *child = f->t->inputs[f->next++];
            if (child->visit == epoch) continue;
            child->visit = epoch;
            if (depth == cap) {
                Frame *grown = realloc(stack, (size_t)(cap *= 2) * sizeof *stack);
                if (!grown) goto nomem;
                stack = grown;
            }
            stack[depth++] = (Frame){ child, 0 };
        } else {
            if (n == ocap) {
                Tensor **grown = realloc(order, (size_t)(ocap *= 2) * sizeof *order);
                if (!grown) goto nomem;
                order = grown;
            }
            order[n++] = f->t;
            depth--;
        }
    }
    free(stack);
    *count = n;
    return order;
nomem:
    free(stack);
    free(order);
    gc_set_error("backward: out of memory while sorting the graph");
    return NULL;
}

static const char *label(const Tensor *t, char *buf, size_t size)
{
    char shape[96];
    if (t->name)
        snprintf(buf, size, "'%s'", t->name);
    else
        snprintf(buf, size, "a tensor of shape %s",
                 gc_shape_str(t->ndim, t->shape, shape, sizeof shape));
    return buf;
}

/* A value that backward needs must not have changed since it was used. */
static int check_versions(Tensor **order, int64_t n)
{
    char who[160];
    for (int64_t k = 0; k < n; k++) {
        Tensor *t = order[k];
        if (!t->op) continue;
        for (int i = 0; i < t->ninputs; i++) {
            if (t->inputs[i]->version != t->input_versions[i]) {
                gc_set_error("backward: %s was changed in place after %s used it; "
                             "run the forward pass again, then backward",
                             label(t->inputs[i], who, sizeof who), t->op->name);
                return -1;
            }
        }
        if (t->version != t->saved_version) {
            gc_set_error("backward: the result of %s (%s) was changed in place; "
                         "run the forward pass again, then backward",
                         t->op->name, label(t, who, sizeof who));
            return -1;
        }
    }
    return 0;
}

int gc_backward(Tensor *root, const Tensor *seed, Tensor ***accumulated, int64_t *naccumulated)
{
    char b1[96], b2[96];
    if (accumulated) {
        *accumulated = NULL;
        *naccumulated = 0;
    }
    if (!root->requires_grad) {
        gc_set_error("backward: this tensor does not require grad; create the inputs "
                     "with var(...) or tensor(..., {requires_grad=true})");
        return -1;
    }
    if (!seed && root->numel != 1) {
        gc_set_error("backward: the tensor has %lld elements (shape %s); backward() without "
                     "a gradient needs a one-element result: reduce it with sum() or mean(), "
                     "or pass a gradient of the same shape",
                     (long long)root->numel, gc_shape_str(root->ndim, root->shape, b1, sizeof b1));
        return -1;
    }
    /* Same shape, or one number for a one-element result: a [3, 2] gradient
     * for a [2, 3] result would silently pair the wrong elements. */
    if (seed && !gc_same_shape(seed, root) && !(seed->numel == 1 && root->numel == 1)) {
        gc_set_error("backward: the gradient has shape %s but the tensor has shape %s",
                     gc_shape_str(seed->ndim, seed->shape, b1, sizeof b1),
                     gc_shape_str(root->ndim, root->shape, b2, sizeof b2));
        return -1;
    }
    int64_t n;
    Tensor **order = gc_topo_order(root, &n);
    if (!order) return -1;
    if (check_versions(order, n)) {
        free(order);
        return -1;
    }

    /* Results get fresh gradients. Leaves accumulate: the gradients they
     * held are set aside while this pass fills new ones, then the new are
     * added into the old, so an interrupted pass leaves them as they were. */
    Tensor **held = NULL, **held_grads = NULL;
    int64_t nheld = 0;
    for (int64_t k = 0; k < n; k++) {
        Tensor *t = order[k];
        if (t->op) {
            gc_zero_grad(t);
        } else if (t->requires_grad && t->grad) {
            if (!held && !(held = malloc((size_t)n * sizeof *held))) goto nomem;
            if (!held_grads && !(held_grads = malloc((size_t)n * sizeof *held_grads))) goto nomem;
            held[nheld] = t;
            held_grads[nheld++] = t->grad;
            t->grad = NULL;
        }
    }
    /* The root's gradient is the seed, written (not added to zeros): the
     * first gradient of a node needs no zero fill. */
    Tensor *g = root->grad = gc_new_node(root->ndim, root->shape, 0, 0);
    if (!g) goto fail;
    if (seed)
        memcpy(g->data, seed->data, (size_t)root->numel * sizeof *g->data);
    else
        for (int64_t i = 0; i < root->numel; i++) g->data[i] = 1.0;

    for (int64_t k = n - 1; k >= 0; k--) {
        Tensor *t = order[k];
        if (!t->op || !t->grad) continue;
        if (t->op->backward(t) || gc_interrupted()) goto fail;
    }
    for (int64_t i = 0; i < nheld; i++) {
        Tensor *leaf = held[i], *fresh = leaf->grad;
        leaf->grad = held_grads[i]; /* the same tensor as before, in place */
        if (fresh) {
            for (int64_t j = 0; j < fresh->numel; j++) leaf->grad->data[j] += fresh->data[j];
            gc_release(fresh);
        }
    }
    free(order);
    free(held_grads);
    if (accumulated) {
        *accumulated = held;
        *naccumulated = nheld;
    } else
        free(held);
    return 0;
nomem:
    gc_set_error("backward: out of memory");
fail: /* gc_error() says why: out of memory, or interrupted */
    for (int64_t k = 0; k < n; k++) gc_zero_grad(order[k]); /* no half-done gradients */
    for (int64_t i = 0; i < nheld; i++) held[i]->grad = held_grads[i];
    free(order);
    free(held);
    free(held_grads);
    return -1;
}

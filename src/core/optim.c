/*
 * optim.c - SGD, RMSprop, Adam, Adagrad and AdamW: the checks, the state,
 * and the traced update, one element at a time, so that each update reads
 * as the equations of the course and can be printed as such. Elements that
 * are not printed go through the same arithmetic in optim_loops.c.
 *
 * The arithmetic follows PyTorch's torch.optim (their defaults, their
 * state, the order of their steps); where that differs from the way the
 * formulas are often written by hand, the help of optim.SGD, optim.RMSprop
 * and optim.Adam (loptim.c) says how.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/autograd.h"
#include "core/inplace.h"
#include "core/number.h"
#include "core/optim.h"

/* Elements traced in full per parameter; the rest are counted. */
#define TRACE_FULL  6 /* tensors up to this size are traced whole */
#define TRACE_SHOWN 4 /* larger ones show their first few elements */

OptimConfig gc_optim_defaults(OptimKind kind)
{
    OptimConfig c = {
        .kind = kind, .lr = NAN, .alpha = 0.99, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8
    };
    if (kind == GC_RMSPROP || kind == GC_ADAGRAD) c.lr = 0.01;
    if (kind == GC_ADAM || kind == GC_ADAMW) c.lr = 0.001;
    if (kind == GC_ADAGRAD) c.eps = 1e-10;
    if (kind == GC_ADAMW) c.weight_decay = 0.01;
    return c;
}

const char *gc_optim_name(OptimKind kind)
{
    static const char *const names[] = { [GC_SGD] = "SGD",
                                         [GC_RMSPROP] = "RMSprop",
                                         [GC_ADAM] = "Adam",
                                         [GC_ADAGRAD] = "Adagrad",
                                         [GC_ADAMW] = "AdamW" };
    return names[kind];
}

int gc_optim_check(const OptimConfig *c, const char *who)
{
    const char *bad = NULL;
    double value = 0;
    if (isnan(c->lr)) {
        gc_set_error("%s: the learning rate lr is required, e.g. {lr = 0.1}", who);
        return -1;
    }
    if (!(c->lr >= 0))
        bad = "lr (the learning rate) must be >= 0", value = c->lr;
    else if (!(c->weight_decay >= 0))
        bad = "weight_decay must be >= 0", value = c->weight_decay;
    else if (!(c->momentum >= 0))
        bad = "momentum must be >= 0", value = c->momentum;
    else if (!(c->eps >= 0))
        bad = "eps must be >= 0", value = c->eps;
    else if (!(c->alpha >= 0))
        bad = "alpha must be >= 0", value = c->alpha;
    else if (!(c->beta1 >= 0 && c->beta1 < 1))
        bad = "betas[1] must be in [0, 1)", value = c->beta1;
    else if (!(c->beta2 >= 0 && c->beta2 < 1))
        bad = "betas[2] must be in [0, 1)", value = c->beta2;
    else if (!(c->lr_decay >= 0))
        bad = "lr_decay must be >= 0", value = c->lr_decay;
    else if (!(c->initial_accumulator_value >= 0))
        bad = "initial_accumulator_value must be >= 0", value = c->initial_accumulator_value;
    if (bad) {
        char num[32];
        gc_set_error("%s: %s, got %s", who, bad, gc_format_number(value, 17, num, sizeof num));
        return -1;
    }
    if (c->nesterov && (c->momentum <= 0 || c->dampening != 0)) {
        gc_set_error("%s: nesterov needs a momentum > 0 and dampening = 0 (as in PyTorch)", who);
        return -1;
    }
    return 0;
}

Optimizer *gc_optim_new(const OptimConfig *c, int n, Tensor **params, const char *who)
{
    if (gc_optim_check(c, who)) return NULL;
    if (n <= 0) {
        gc_set_error("%s: the list of parameters is empty", who);
        return NULL;
    }
    for (int k = 0; k < n; k++) {
        char name[80] = "";
        if (params[k]->name) snprintf(name, sizeof name, " (%s)", params[k]->name);
        if (params[k]->op) {
            gc_set_error("%s: parameter %d%s is not a leaf (it was computed by %s); optimize the "
                         "tensors you created with var() or requires_grad=true",
                         who, k + 1, name, params[k]->op->name);
            return NULL;
        }
        if (!params[k]->requires_grad) {
            gc_set_error("%s: parameter %d%s does not require a gradient, so it would never "
                         "move; make it with var() or set requires_grad = true",
                         who, k + 1, name);
            return NULL;
        }
        for (int j = 0; j < k; j++) { /* listed twice, it would take two steps per step */
            if (params[j] == params[k]) {
                gc_set_error("%s: parameter %d%s is the same tensor as parameter %d; list each "
                             "parameter once",
                             who, k + 1, name, j + 1);
                return NULL;
            }
        }
    }
    Optimizer *o = calloc(1, sizeof *o);
    if (o) {
        o->params = calloc((size_t)n, sizeof *o->params);
        o->buf = calloc((size_t)n, sizeof *o->buf);
        o->sq = calloc((size_t)n, sizeof *o->sq);
        o->steps = calloc((size_t)n, sizeof *o->steps);
    }
    if (!o || !o->params || !o->buf || !o->sq || !o->steps) {
        gc_optim_free(o);
        gc_set_error("%s: out of memory", who);
        return NULL;
    }
    o->c = *c;
    o->n = n;
    for (int k = 0; k < n; k++) {
        gc_retain(params[k]);
        o->params[k] = params[k];
    }
    return o;
}

void gc_optim_free(Optimizer *o)
{
    if (!o) return;
    for (int k = 0; k < o->n; k++) {
        if (o->params) gc_release(o->params[k]);
        if (o->buf && o->buf[k]) gc_release(o->buf[k]);
        if (o->sq && o->sq[k]) gc_release(o->sq[k]);
    }
    free(o->params), free(o->buf), free(o->sq), free(o->steps);
    free(o);
}

void gc_optim_zero_grad(Optimizer *o)
{
    for (int k = 0; k < o->n; k++) gc_zero_grad(o->params[k]);
}

/* ---- the trace --------------------------------------------------------------- */

/* A number as text at the print precision. Several can appear in one
 * printf, so they rotate through a few buffers. */
static const char *num(double v)
{
    static char ring[16][40];
    static int next = 0;
    char *buf = ring[next++ % 16];
    return gc_format_number(v, gc_print_precision, buf, sizeof ring[0]);
}

/* An operand inside an expression: negatives get brackets, 0.9×(−0.2). */
static const char *arg(double v)
{
    static char ring[16][44];
    static int next = 0;
    char *buf = ring[next++ % 16];
    if (v < 0)
        snprintf(buf, sizeof ring[0], "(%s)", num(v));
    else
        snprintf(buf, sizeof ring[0], "%s", num(v));
    return buf;
}

static void say_(FILE *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
}
/* The numbers of a trace are formatted only when there is one: a step of
 * thousands of elements is otherwise slowed down by formatting. */
#define say(out, ...) ((out) ? say_((out), __VA_ARGS__) : (void)0)

/* "w[2][1]": the element at flat position i, with Lua's 1-based indices. */
static void element_label(const Tensor *t, const char *name, int64_t i, char *buf, size_t size)
{
    size_t len = (size_t)snprintf(buf, size, "%s", name);
    int64_t stride = t->numel;
    for (int d = 0; d < t->ndim && len < size; d++) {
        stride /= t->shape[d];
        len += (size_t)snprintf(buf + len, size - len, "[%lld]",
                                (long long)(i / stride % t->shape[d] + 1));
    }
}

/* ---- one update per element -------------------------------------------------------- */

/* Each function updates element i of parameter k (w = its value, g = its
 * gradient) and its state, writing the equations to out when it is not
 * NULL. el is the element's label for the trace. */

static void sgd_element(Optimizer *o, int k, int64_t i, FILE *out, const char *el)
{
    const OptimConfig *c = &o->c;
    double *w = &o->params[k]->data[i], g = o->params[k]->grad->data[i];
    say(out, "  %s: g = %s\n", el, num(g));
    if (c->weight_decay != 0) {
        double g2 = g + c->weight_decay * *w;
        say(out, "    g = g + λ×w = %s + %s×%s = %s\n", num(g), arg(c->weight_decay), arg(*w),
            num(g2));
        g = g2;
    }
    const char *step = "g";
    if (c->momentum != 0) {
        double *v = &o->buf[k]->data[i];
        if (o->steps[k] == 1) { /* PyTorch starts the buffer at g, undamped */
            *v = g;
            say(out, "    v = g = %s   (the first step starts v at g)\n", num(*v));
        } else {
            double v2 = c->momentum * *v + (1 - c->dampening) * g;
            if (c->dampening == 0)
                say(out, "    v = μ×v + g = %s×%s + %s = %s\n", arg(c->momentum), arg(*v), arg(g),
                    num(v2));
            else
                say(out, "    v = μ×v + (1−dampening)×g = %s×%s + %s×%s = %s\n", arg(c->momentum),
                    arg(*v), arg(1 - c->dampening), arg(g), num(v2));
            *v = v2;
        }
        if (c->nesterov) {
            double g2 = g + c->momentum * *v;
            say(out, "    g = g + μ×v = %s + %s×%s = %s   (nesterov)\n", num(g), arg(c->momentum),
                arg(*v), num(g2));
            g = g2;
        } else {
            g = *v;
            step = "v";
        }
    }
    double w2 = *w - c->lr * g;
    say(out, "    %s ← %s − lr×%s = %s − %s×%s = %s\n", el, el, step, num(*w), arg(c->lr), arg(g),
        num(w2));
    *w = w2;
}

static void rmsprop_element(Optimizer *o, int k, int64_t i, FILE *out, const char *el)
{
    const OptimConfig *c = &o->c;
    double *w = &o->params[k]->data[i], g = o->params[k]->grad->data[i];
    double *v = &o->sq[k]->data[i];
    say(out, "  %s: g = %s\n", el, num(g));
    if (c->weight_decay != 0) {
        double g2 = g + c->weight_decay * *w;
        say(out, "    g = g + λ×w = %s + %s×%s = %s\n", num(g), arg(c->weight_decay), arg(*w),
            num(g2));
        g = g2;
    }
    double v2 = c->alpha * *v + (1 - c->alpha) * (g * g);
    say(out, "    s = α×s + (1−α)×g² = %s×%s + %s×%s = %s\n", arg(c->alpha), arg(*v),
        arg(1 - c->alpha), arg(g * g), num(v2));
    *v = v2;
    double denom = sqrt(*v) + c->eps, w2;
    if (c->momentum > 0) {
        double *b = &o->buf[k]->data[i];
        double b2 = c->momentum * *b + g / denom;
        say(out, "    buf = μ×buf + g/(√s + ε) = %s×%s + %s/(√%s + %s) = %s\n", arg(c->momentum),
            arg(*b), arg(g), arg(*v), arg(c->eps), num(b2));
        *b = b2;
        w2 = *w - c->lr * b2;
        say(out, "    %s ← %s − lr×buf = %s − %s×%s = %s\n", el, el, num(*w), arg(c->lr), arg(b2),
            num(w2));
    } else {
        w2 = *w - c->lr * (g / denom);
        say(out, "    %s ← %s − lr×g/(√s + ε) = %s − %s×%s/(√%s + %s) = %s\n", el, el, num(*w),
            arg(c->lr), arg(g), arg(*v), arg(c->eps), num(w2));
    }
    *w = w2;
}

static void adam_element(Optimizer *o, int k, int64_t i, FILE *out, const char *el)
{
    const OptimConfig *c = &o->c;
    double *w = &o->params[k]->data[i], g = o->params[k]->grad->data[i];
    double *m = &o->buf[k]->data[i], *v = &o->sq[k]->data[i];
    double t = (double)o->steps[k];
    say(out, "  %s: g = %s\n", el, num(g));
    if (c->weight_decay != 0) { /* L2 in the gradient, as torch.optim.Adam (not AdamW) */
        double g2 = g + c->weight_decay * *w;
        say(out, "    g = g + λ×w = %s + %s×%s = %s\n", num(g), arg(c->weight_decay), arg(*w),
            num(g2));
        g = g2;
    }
    double m2 = c->beta1 * *m + (1 - c->beta1) * g;
    say(out, "    m = β1×m + (1−β1)×g = %s×%s + %s×%s = %s\n", arg(c->beta1), arg(*m),
        arg(1 - c->beta1), arg(g), num(m2));
    *m = m2;
    double v2 = c->beta2 * *v + (1 - c->beta2) * (g * g);
    say(out, "    v = β2×v + (1−β2)×g² = %s×%s + %s×%s = %s\n", arg(c->beta2), arg(*v),
        arg(1 - c->beta2), arg(g * g), num(v2));
    *v = v2;
    /* bias correction: m and v start at 0, so early averages are too small */
    double mhat = *m / (1 - pow(c->beta1, t)), vhat = *v / (1 - pow(c->beta2, t));
    say(out, "    m̂ = m/(1−β1^t) = %s/(1−%s^%s) = %s\n", arg(*m), arg(c->beta1), num(t), num(mhat));
    say(out, "    v̂ = v/(1−β2^t) = %s/(1−%s^%s) = %s\n", arg(*v), arg(c->beta2), num(t), num(vhat));
    double w2 = *w - c->lr * mhat / (sqrt(vhat) + c->eps);
    say(out, "    %s ← %s − lr×m̂/(√v̂ + ε) = %s − %s×%s/(√%s + %s) = %s\n", el, el, num(*w),
        arg(c->lr), arg(mhat), arg(vhat), arg(c->eps), num(w2));
    *w = w2;
}

static void adagrad_element(Optimizer *o, int k, int64_t i, FILE *out, const char *el)
{
    const OptimConfig *c = &o->c;
    double *w = &o->params[k]->data[i], g = o->params[k]->grad->data[i];
    double *s = &o->sq[k]->data[i];
    say(out, "  %s: g = %s\n", el, num(g));
    if (c->weight_decay != 0) {
        double g2 = g + c->weight_decay * *w;
        say(out, "    g = g + λ×w = %s + %s×%s = %s\n", num(g), arg(c->weight_decay), arg(*w),
            num(g2));
        g = g2;
    }
    double clr = c->lr / (1 + (double)(o->steps[k] - 1) * c->lr_decay);
    if (c->lr_decay != 0)
        say(out, "    lr_t = lr/(1 + (t−1)×lr_decay) = %s/(1 + %s×%s) = %s\n", arg(c->lr),
            num((double)(o->steps[k] - 1)), arg(c->lr_decay), num(clr));
    double s2 = *s + g * g;
    say(out, "    sum = sum + g² = %s + %s = %s\n", num(*s), arg(g * g), num(s2));
    *s = s2;
    double w2 = *w - clr * g / (sqrt(*s) + c->eps);
    say(out, "    %s ← %s − %s×g/(√sum + ε) = %s − %s×%s/(√%s + %s) = %s\n", el, el,
        c->lr_decay != 0 ? "lr_t" : "lr", num(*w), arg(clr), arg(g), arg(*s), arg(c->eps), num(w2));
    *w = w2;
}

/* AdamW, in torch.optim.AdamW's order: the decay shrinks w first, and the
 * bias corrections go into a step size and the denominator. */
static void adamw_element(Optimizer *o, int k, int64_t i, FILE *out, const char *el)
{
    const OptimConfig *c = &o->c;
    double *w = &o->params[k]->data[i], g = o->params[k]->grad->data[i];
    double *m = &o->buf[k]->data[i], *v = &o->sq[k]->data[i];
    double t = (double)o->steps[k];
    say(out, "  %s: g = %s\n", el, num(g));
    double shrink = 1 - c->lr * c->weight_decay, w1 = *w * shrink;
    if (c->weight_decay != 0)
        say(out, "    %s ← %s×(1 − lr×λ) = %s×%s = %s   (decoupled weight decay)\n", el, el,
            arg(*w), arg(shrink), num(w1));
    *w = w1;
    double m2 = c->beta1 * *m + (1 - c->beta1) * g;
    say(out, "    m = β1×m + (1−β1)×g = %s×%s + %s×%s = %s\n", arg(c->beta1), arg(*m),
        arg(1 - c->beta1), arg(g), num(m2));
    *m = m2;
    double v2 = c->beta2 * *v + (1 - c->beta2) * g * g;
    say(out, "    v = β2×v + (1−β2)×g² = %s×%s + %s×%s = %s\n", arg(c->beta2), arg(*v),
        arg(1 - c->beta2), arg(g * g), num(v2));
    *v = v2;
    double step = c->lr / (1 - pow(c->beta1, t)), root = sqrt(1 - pow(c->beta2, t));
    say(out, "    step = lr/(1−β1^t) = %s/(1−%s^%s) = %s\n", arg(c->lr), arg(c->beta1), num(t),
        num(step));
    double denom = sqrt(*v) / root + c->eps;
    say(out, "    denom = √v/√(1−β2^t) + ε = √%s/√(1−%s^%s) + %s = %s\n", arg(*v), arg(c->beta2),
        num(t), arg(c->eps), num(denom));
    double w2 = *w - step * *m / denom;
    say(out, "    %s ← %s − step×m/denom = %s − %s×%s/%s = %s\n", el, el, num(*w), arg(step),
        arg(*m), arg(denom), num(w2));
    *w = w2;
}

/* The untraced update of elements [from, to) of parameter k. */
static void loop(Optimizer *o, int k, int64_t from, int64_t to)
{
    gc_optim_loop(&o->c, o->steps[k], o->params[k]->data, o->params[k]->grad->data,
                  o->buf[k] ? o->buf[k]->data : NULL, o->sq[k] ? o->sq[k]->data : NULL, from, to);
}

/* Allocates the state parameter k needs on its first step. */
static int make_state(Optimizer *o, int k)
{
    const OptimConfig *c = &o->c;
    const Tensor *p = o->params[k];
    int adam_like = c->kind == GC_ADAM || c->kind == GC_ADAMW;
    int wants_buf = adam_like || (c->kind != GC_ADAGRAD && c->momentum != 0);
    int wants_sq = c->kind != GC_SGD;
    if (wants_buf && !o->buf[k] && !(o->buf[k] = gc_new_like(p))) return -1;
    if (wants_sq && !o->sq[k]) {
        if (!(o->sq[k] = gc_new_like(p))) return -1;
        if (c->kind == GC_ADAGRAD) gc_fill_(o->sq[k], c->initial_accumulator_value);
    }
    return 0;
}

int gc_optim_step(Optimizer *o, FILE *out)
{
    const OptimConfig *c = &o->c;
    static void (*const updates[])(Optimizer *, int, int64_t, FILE *, const char *) = {
        [GC_SGD] = sgd_element,         [GC_RMSPROP] = rmsprop_element, [GC_ADAM] = adam_element,
        [GC_ADAGRAD] = adagrad_element, [GC_ADAMW] = adamw_element,
    };
    void (*update)(Optimizer *, int, int64_t, FILE *, const char *) = updates[c->kind];
    int adam_like = c->kind == GC_ADAM || c->kind == GC_ADAMW;
    if (!out) { /* no text: straight to the loops */
        for (int k = 0; k < o->n; k++) {
            Tensor *p = o->params[k];
            if (!p->grad) continue;
            if (make_state(o, k)) return -1;
            o->steps[k]++;
            loop(o, k, 0, p->numel);
            p->version++;
        }
        return 0;
    }
    say(out, "%s step: lr = %s", gc_optim_name(c->kind), num(c->lr));
    if ((c->kind == GC_SGD || c->kind == GC_RMSPROP) && c->momentum != 0)
        say(out, ", μ = %s", num(c->momentum));
    if (c->kind == GC_SGD && c->dampening != 0) say(out, ", dampening = %s", num(c->dampening));
    if (c->kind == GC_SGD && c->nesterov) say(out, ", nesterov");
    if (c->kind == GC_RMSPROP) say(out, ", α = %s", num(c->alpha));
    if (adam_like) say(out, ", β1 = %s, β2 = %s", num(c->beta1), num(c->beta2));
    if (c->kind == GC_ADAGRAD && c->lr_decay != 0) say(out, ", lr_decay = %s", num(c->lr_decay));
    if (c->kind != GC_SGD) say(out, ", ε = %s", num(c->eps));
    if (c->weight_decay != 0) say(out, ", λ (weight_decay) = %s", num(c->weight_decay));
    say(out, "\n");

    for (int k = 0; k < o->n; k++) {
        Tensor *p = o->params[k];
        char name[64], el[160];
        if (p->name)
            snprintf(name, sizeof name, "%s", p->name);
        else
            snprintf(name, sizeof name, "p%d", k + 1);
        if (!p->grad) { /* as PyTorch: no gradient, no update, no state change */
            say(out, "%s: no gradient, skipped\n", name);
            continue;
        }
        if (make_state(o, k)) return -1;
        o->steps[k]++;
        if (adam_like || (c->kind == GC_ADAGRAD && c->lr_decay != 0))
            say(out, "%s (t = %lld)\n", name, (long long)o->steps[k]);
        int64_t shown = p->numel <= TRACE_FULL ? p->numel : TRACE_SHOWN;
        for (int64_t i = 0; i < shown; i++) {
            element_label(p, name, i, el, sizeof el);
            update(o, k, i, out, el);
        }
        loop(o, k, shown, p->numel); /* the rest, unprinted */
        if (p->numel > TRACE_FULL)
            say(out, "  … and %lld more elements of %s, updated the same way\n",
                (long long)(p->numel - TRACE_SHOWN), name);
        p->version++; /* as sub_ does: a graph that used the old values is stale */
    }
    if (out) fflush(out);
    return 0;
}

/*
 * optim_loops.c - each optimizer's update as one loop over elements, with
 * the options' branches outside it, so the compiler vectorises it.
 */
#include <math.h>

#include "core/optim_loops.h"
#include "core/parallel.h"

typedef struct Job {
    const OptimConfig *c;
    double *restrict w;
    const double *restrict g;
    double *restrict buf, *restrict sq;
    int64_t t;
} Job;

GC_CLONES static void sgd(void *ctx, int64_t from, int64_t to)
{
    const Job *j = ctx;
    const OptimConfig *c = j->c;
    double *restrict w = j->w, *restrict v = j->buf;
    const double *restrict g = j->g;
    double lr = c->lr, wd = c->weight_decay, mu = c->momentum, keep = 1 - c->dampening;
    if (mu == 0 && wd == 0) {
        for (int64_t i = from; i < to; i++) w[i] = w[i] - lr * g[i];
    } else if (mu == 0) {
        for (int64_t i = from; i < to; i++) w[i] = w[i] - lr * (g[i] + wd * w[i]);
    } else if (j->t == 1) { /* the buffer starts at g */
        for (int64_t i = from; i < to; i++) {
            double gi = wd != 0 ? g[i] + wd * w[i] : g[i];
            v[i] = gi;
            w[i] = w[i] - lr * (c->nesterov ? gi + mu * v[i] : v[i]);
        }
    } else {
        for (int64_t i = from; i < to; i++) {
            double gi = wd != 0 ? g[i] + wd * w[i] : g[i];
            v[i] = mu * v[i] + keep * gi;
            w[i] = w[i] - lr * (c->nesterov ? gi + mu * v[i] : v[i]);
        }
    }
}

GC_CLONES static void rmsprop(void *ctx, int64_t from, int64_t to)
{
    const Job *j = ctx;
    const OptimConfig *c = j->c;
    double *restrict w = j->w, *restrict v = j->sq, *restrict b = j->buf;
    const double *restrict g = j->g;
    double lr = c->lr, wd = c->weight_decay, mu = c->momentum, alpha = c->alpha, eps = c->eps;
    double rest = 1 - alpha;
    for (int64_t i = from; i < to; i++) {
        double gi = wd != 0 ? g[i] + wd * w[i] : g[i];
        v[i] = alpha * v[i] + rest * (gi * gi);
        double denom = sqrt(v[i]) + eps;
        if (mu > 0) {
            b[i] = mu * b[i] + gi / denom;
            w[i] = w[i] - lr * b[i];
        } else {
            w[i] = w[i] - lr * (gi / denom);
        }
    }
}

GC_CLONES static void adam(void *ctx, int64_t from, int64_t to)
{
    const Job *j = ctx;
    const OptimConfig *c = j->c;
    double *restrict w = j->w, *restrict m = j->buf, *restrict v = j->sq;
    const double *restrict g = j->g;
    double lr = c->lr, wd = c->weight_decay, b1 = c->beta1, b2 = c->beta2, eps = c->eps;
    double r1 = 1 - b1, r2 = 1 - b2, t = (double)j->t;
    double bc1 = 1 - pow(b1, t), bc2 = 1 - pow(b2, t);
    for (int64_t i = from; i < to; i++) {
        double gi = wd != 0 ? g[i] + wd * w[i] : g[i];
        m[i] = b1 * m[i] + r1 * gi;
        v[i] = b2 * v[i] + r2 * (gi * gi);
        double mhat = m[i] / bc1, vhat = v[i] / bc2;
        w[i] = w[i] - lr * mhat / (sqrt(vhat) + eps);
    }
}

GC_CLONES static void adagrad(void *ctx, int64_t from, int64_t to)
{
    const Job *j = ctx;
    const OptimConfig *c = j->c;
    double *restrict w = j->w, *restrict s = j->sq;
    const double *restrict g = j->g;
    double wd = c->weight_decay, eps = c->eps;
    double clr = c->lr / (1 + (double)(j->t - 1) * c->lr_decay);
    for (int64_t i = from; i < to; i++) {
        double gi = wd != 0 ? g[i] + wd * w[i] : g[i];
        s[i] = s[i] + gi * gi;
        w[i] = w[i] - clr * gi / (sqrt(s[i]) + eps);
    }
}

GC_CLONES static void adamw(void *ctx, int64_t from, int64_t to)
{
    const Job *j = ctx;
    const OptimConfig *c = j->c;
    double *restrict w = j->w, *restrict m = j->buf, *restrict v = j->sq;
    const double *restrict g = j->g;
    double b1 = c->beta1, b2 = c->beta2, eps = c->eps, r1 = 1 - b1, r2 = 1 - b2;
    double t = (double)j->t, shrink = 1 - c->lr * c->weight_decay;
    double step = c->lr / (1 - pow(b1, t)), root = sqrt(1 - pow(b2, t));
    for (int64_t i = from; i < to; i++) {
        double gi = g[i];
        w[i] = w[i] * shrink;
        m[i] = b1 * m[i] + r1 * gi;
        v[i] = b2 * v[i] + r2 * gi * gi;
        w[i] = w[i] - step * m[i] / (sqrt(v[i]) / root + eps);
    }
}

typedef struct Shifted {
    Job job;
    int64_t from;
    void (*run)(void *, int64_t, int64_t);
} Shifted;

static void shifted(void *ctx, int64_t from, int64_t to)
{
    Shifted *s = ctx;
    s->run(&s->job, s->from + from, s->from + to);
}

void gc_optim_loop(const OptimConfig *c, int64_t t, double *w, const double *g, double *buf,
                   double *sq, int64_t from, int64_t to)
{
    static void (*const runs[])(void *, int64_t, int64_t) = {
        [GC_SGD] = sgd,         [GC_RMSPROP] = rmsprop, [GC_ADAM] = adam,
        [GC_ADAGRAD] = adagrad, [GC_ADAMW] = adamw,
    };
    Shifted s = { { c, w, g, buf, sq, t }, from, runs[c->kind] };
    /* SGD is a multiply-add per element; the others divide and take roots */
    int64_t min = c->kind == GC_SGD ? GC_PARALLEL_MIN : GC_PARALLEL_HEAVY;
    if (to > from) gc_parallel_all(to - from, GC_BLOCK, min, shifted, &s);
}

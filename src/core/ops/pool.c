/*
 * pool.c - max_pool2d and avg_pool2d, as PyTorch computes them.
 *
 * Window (oh, ow) covers rows oh×sH − pH .. + kH − 1 and the same for
 * columns. max_pool2d keeps, in saved, the position in its plane of the
 * first largest value of each window (a nan wins), and backward sends the
 * window's gradient there. avg_pool2d divides by the window's size counted
 * with its padding (count_include_pad = True, PyTorch's default), so each
 * input of the window gets ∂L/∂y / that size.
 * args.ints: kernel h, w; stride h, w; padding h, w.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/autograd.h"
#include "core/ops/pool.h"
#include "core/parallel.h"

typedef struct Pool {
    int64_t planes, H, W, OH, OW, kH, kW, sH, sW, pH, pW;
} Pool;

static int layout(const Tensor *out, Pool *p, int complain)
{
    const Tensor *x = out->inputs[0];
    const int32_t *a = out->args.ints;
    const char *who = out->op->name;
    char b1[96] = "";
    if (complain) gc_shape_str(x->ndim, x->shape, b1, sizeof b1);
    if (x->ndim != 4 && x->ndim != 3) {
        if (complain) gc_set_error("%s: x must be [N, C, H, W] or [C, H, W], got %s", who, b1);
        return -1;
    }
    p->H = x->shape[x->ndim - 2], p->W = x->shape[x->ndim - 1];
    p->planes = x->ndim == 4 ? x->shape[0] * x->shape[1] : x->shape[0];
    p->kH = a[0], p->kW = a[1], p->sH = a[2], p->sW = a[3], p->pH = a[4], p->pW = a[5];
    if (complain) {
        if (p->kH < 1 || p->kW < 1 || p->sH < 1 || p->sW < 1 || p->pH < 0 || p->pW < 0) {
            gc_set_error("%s: kernel and stride must be at least 1 and padding at least 0, got "
                         "kernel %lld×%lld, stride %lld, %lld, padding %lld, %lld",
                         who, (long long)p->kH, (long long)p->kW, (long long)p->sH,
                         (long long)p->sW, (long long)p->pH, (long long)p->pW);
            return -1;
        }
        if (2 * p->pH > p->kH || 2 * p->pW > p->kW) {
            gc_set_error("%s: padding %lld, %lld must be at most half of the kernel %lld×%lld", who,
                         (long long)p->pH, (long long)p->pW, (long long)p->kH, (long long)p->kW);
            return -1;
        }
        if (p->kH > p->H + 2 * p->pH || p->kW > p->W + 2 * p->pW) {
            gc_set_error("%s: the kernel %lld×%lld is larger than the padded input of x %s "
                         "(%lld×%lld with padding %lld, %lld)",
                         who, (long long)p->kH, (long long)p->kW, b1, (long long)(p->H + 2 * p->pH),
                         (long long)(p->W + 2 * p->pW), (long long)p->pH, (long long)p->pW);
            return -1;
        }
    }
    p->OH = (p->H + 2 * p->pH - p->kH) / p->sH + 1;
    p->OW = (p->W + 2 * p->pW - p->kW) / p->sW + 1;
    return 0;
}

int gc_pool_shape(Tensor *out)
{
    const Tensor *x = out->inputs[0];
    Pool p;
    if (layout(out, &p, 1)) return -1;
    out->ndim = x->ndim;
    memcpy(out->shape, x->shape, sizeof out->shape);
    out->shape[x->ndim - 2] = p.OH;
    out->shape[x->ndim - 1] = p.OW;
    return 0;
}

static inline int64_t lo(int64_t v) { return v < 0 ? 0 : v; }
static inline int64_t hi(int64_t v, int64_t n) { return v > n ? n : v; }

/* The planes (images × channels) are independent: blocks of whole planes run on the thread
 * pool, each plane computed the same way on any thread. */
typedef struct PoolJob {
    Pool p;
    const double *x, *g;
    double *y, *where, *gx;
} PoolJob;

static void run_planes(PoolJob *j, void (*fn)(void *ctx, int64_t from, int64_t to))
{
    const Pool *p = &j->p;
    int64_t per = p->OH * p->OW * p->kH * p->kW + p->H * p->W; /* reads and writes of a plane */
    int64_t block = per > 0 && GC_BLOCK / per > 1 ? GC_BLOCK / per : 1;
    int64_t min = per > 0 && GC_PARALLEL_MIN / per > 2 ? GC_PARALLEL_MIN / per : 2;
    gc_parallel_for(p->planes, block, min, fn, j);
}

/* Each window's largest value and where it is in the plane: the first largest, or the last
 * nan (as PyTorch: a value replaces the best so far when larger or nan). The choice is made
 * with bit masks, not branches: on real data a branch here is mispredicted half the time. */
static void max_planes(void *ctx, int64_t from, int64_t to)
{
    const PoolJob *j = ctx;
    const Pool *p = &j->p;
    for (int64_t c = from; c < to; c++) {
        const double *plane = j->x + c * p->H * p->W;
        double *y = j->y + c * p->OH * p->OW, *at = j->where + c * p->OH * p->OW;
        for (int64_t oh = 0; oh < p->OH; oh++) {
            int64_t h0 = lo(oh * p->sH - p->pH), h1 = hi(oh * p->sH - p->pH + p->kH, p->H);
            for (int64_t ow = 0; ow < p->OW; ow++) {
                int64_t w0 = lo(ow * p->sW - p->pW), w1 = hi(ow * p->sW - p->pW + p->kW, p->W);
                double best = -INFINITY;
                uint64_t bits, vbits;
                memcpy(&bits, &best, sizeof bits);
                int64_t where = h0 * p->W + w0;
                for (int64_t i = h0; i < h1; i++) {
                    const double *r = plane + i * p->W;
                    for (int64_t jj = w0; jj < w1; jj++) {
                        double v = r[jj];
                        uint64_t take = -(uint64_t)((v > best) | (v != v));
                        memcpy(&vbits, &v, sizeof vbits);
                        bits = (bits & ~take) | (vbits & take);
                        memcpy(&best, &bits, sizeof best);
                        where = (int64_t)(((uint64_t)where & ~take) |
                                          ((uint64_t)(i * p->W + jj) & take));
                    }
                }
                y[oh * p->OW + ow] = best;
                at[oh * p->OW + ow] = (double)where;
            }
        }
    }
}

/* Each window's mean, the window's size counted with its padding. */
static void avg_planes(void *ctx, int64_t from, int64_t to)
{
    const PoolJob *j = ctx;
    const Pool *p = &j->p;
    for (int64_t c = from; c < to; c++) {
        const double *plane = j->x + c * p->H * p->W;
        double *y = j->y + c * p->OH * p->OW;
        for (int64_t oh = 0; oh < p->OH; oh++)
            for (int64_t ow = 0; ow < p->OW; ow++) {
                int64_t h0 = oh * p->sH - p->pH, w0 = ow * p->sW - p->pW;
                int64_t h1 = hi(h0 + p->kH, p->H + p->pH), w1 = hi(w0 + p->kW, p->W + p->pW);
                int64_t size = (h1 - h0) * (w1 - w0);
                h0 = lo(h0), w0 = lo(w0), h1 = hi(h1, p->H), w1 = hi(w1, p->W);
                double s = 0;
                for (int64_t i = h0; i < h1; i++)
                    for (int64_t jj = w0; jj < w1; jj++) s += plane[i * p->W + jj];
                y[oh * p->OW + ow] = s / (double)size;
            }
    }
}

int gc_pool_forward(Tensor *out)
{
    int is_max = out->op == &gc_ops[OP_MAX_POOL2D];
    PoolJob j = { .x = out->inputs[0]->data, .y = out->data };
    layout(out, &j.p, 0);
    if (is_max) {
        /* every index is written below: no zero-fill */
        if (!(out->saved = gc_new_node(out->ndim, out->shape, 0, 0))) return -1;
        j.where = out->saved->data;
    }
    run_planes(&j, is_max ? max_planes : avg_planes);
    return 0; /* gc_apply reports an interrupt */
}

/* Each window's gradient goes to where its largest value was. */
static void max_back_planes(void *ctx, int64_t from, int64_t to)
{
    const PoolJob *j = ctx;
    const Pool *p = &j->p;
    int64_t ohw = p->OH * p->OW;
    for (int64_t c = from; c < to; c++) {
        double *gx = j->gx + c * p->H * p->W;
        const double *g = j->g + c * ohw, *at = j->where + c * ohw;
        for (int64_t i = 0; i < ohw; i++) gx[(int64_t)at[i]] += g[i];
    }
}

/* Each window's gradient, shared evenly by its inputs (the padding counted). */
static void avg_back_planes(void *ctx, int64_t from, int64_t to)
{
    const PoolJob *j = ctx;
    const Pool *p = &j->p;
    for (int64_t c = from; c < to; c++) {
        double *gx = j->gx + c * p->H * p->W;
        const double *g = j->g + c * p->OH * p->OW;
        for (int64_t oh = 0; oh < p->OH; oh++)
            for (int64_t ow = 0; ow < p->OW; ow++) {
                int64_t h0 = oh * p->sH - p->pH, w0 = ow * p->sW - p->pW;
                int64_t h1 = hi(h0 + p->kH, p->H + p->pH), w1 = hi(w0 + p->kW, p->W + p->pW);
                double share = g[oh * p->OW + ow] / (double)((h1 - h0) * (w1 - w0));
                h0 = lo(h0), w0 = lo(w0), h1 = hi(h1, p->H), w1 = hi(w1, p->W);
                for (int64_t i = h0; i < h1; i++)
                    for (int64_t jj = w0; jj < w1; jj++) gx[i * p->W + jj] += share;
            }
    }
}

int gc_pool_backward(Tensor *out)
{
    Tensor *x = out->inputs[0];
    int is_max = out->op == &gc_ops[OP_MAX_POOL2D];
    if (!gc_needs_grad(x)) return 0;
    if (!gc_grad_of(x)) return -1;
    PoolJob j = { .g = out->grad->data, .gx = x->grad->data };
    layout(out, &j.p, 0);
    if (is_max) j.where = out->saved->data;
    run_planes(&j, is_max ? max_back_planes : avg_back_planes);
    return gc_interrupted() ? -1 : 0;
}

Tensor *gc_pool2d(OpCode op, Tensor *x, const int64_t kernel[2], const int64_t stride[2],
                  const int64_t padding[2])
{
    OpArgs args = { 0 };
    const int64_t *v[3] = { kernel, stride, padding };
    for (int i = 0; i < 3; i++)
        for (int d = 0; d < 2; d++) {
            if (v[i][d] < -1000000 || v[i][d] > 1000000) {
                gc_set_error("%s: kernel, stride and padding must be small whole numbers, got %lld",
                             gc_ops[op].name, (long long)v[i][d]);
                return NULL;
            }
            args.ints[2 * i + d] = (int32_t)v[i][d];
        }
    return gc_apply(op, 1, &x, &args);
}

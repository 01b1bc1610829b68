/*
 * conv.c - conv2d and conv1d (conv1d is conv2d with a height of 1).
 *
 * Each image of the batch and each group is lowered to one matrix product:
 * im2col copies every receptive field of x into a column of
 * cols [C/groups×kH×kW, OH×OW], so that
 *   y[n, group]  = W[group] [O/groups, C/groups×kH×kW] @ cols  (+ b)
 *   ∂L/∂W[group] += ∂L/∂y @ colsᵀ
 *   ∂L/∂cols      = W[group]ᵀ @ ∂L/∂y, added back into ∂L/∂x by col2im.
 * args.ints: stride h, w; padding h, w; dilation h, w; groups; 1 for conv1d.
 */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "core/autograd.h"
#include "core/ops/conv.h"
#include "core/parallel.h"

typedef ConvGeometry Geometry;

static const char *name_of(const Tensor *out) { return out->args.ints[7] ? "conv1d" : "conv2d"; }

/* Reads the shapes; complain sets gc_error on a bad combination. */
static int geometry(const Tensor *out, Geometry *g, int complain)
{
    const Tensor *x = out->inputs[0], *w = out->inputs[1];
    const int32_t *a = out->args.ints;
    int one_d = a[7], full = one_d ? 3 : 4;
    const char *who = name_of(out);
    char b1[96] = "", b2[96] = "", b3[96];
    if (complain) { /* forward and backward only read the sizes */
        gc_shape_str(x->ndim, x->shape, b1, sizeof b1);
        gc_shape_str(w->ndim, w->shape, b2, sizeof b2);
    }
    if (x->ndim != full && x->ndim != full - 1) {
        if (complain)
            gc_set_error(one_d ? "%s: x must be [N, C, L] or [C, L], got %s"
                               : "%s: x must be [N, C, H, W] or [C, H, W], got %s",
                         who, b1);
        return -1;
    }
    if (w->ndim != full) {
        if (complain)
            gc_set_error(one_d ? "%s: w must be [out_channels, in_channels/groups, k], got %s"
                               : "%s: w must be [out_channels, in_channels/groups, kH, kW], got %s",
                         who, b2);
        return -1;
    }
    g->batched = x->ndim == full;
    g->one_d = one_d;
    int off = g->batched ? 0 : 1; /* x->shape[d - off] is size d of [N, C, H, W] */
    g->N = g->batched ? x->shape[0] : 1;
    g->C = x->shape[1 - off];
    g->H = one_d ? 1 : x->shape[2 - off];
    g->W = x->shape[full - 1 - off];
    g->O = w->shape[0];
    g->kH = one_d ? 1 : w->shape[2];
    g->kW = w->shape[full - 1];
    g->sH = a[0], g->sW = a[1], g->pH = a[2], g->pW = a[3], g->dH = a[4], g->dW = a[5];
    g->G = a[6];
    if (!complain) {
        g->OH = (g->H + 2 * g->pH - g->dH * (g->kH - 1) - 1) / g->sH + 1;
        g->OW = (g->W + 2 * g->pW - g->dW * (g->kW - 1) - 1) / g->sW + 1;
        return 0;
    }
    if (g->sH < 1 || g->sW < 1 || g->dH < 1 || g->dW < 1 || g->pH < 0 || g->pW < 0) {
        gc_set_error("%s: stride and dilation must be at least 1 and padding at least 0, got "
                     "stride %lld, %lld, padding %lld, %lld, dilation %lld, %lld",
                     who, (long long)g->sH, (long long)g->sW, (long long)g->pH, (long long)g->pW,
                     (long long)g->dH, (long long)g->dW);
        return -1;
    }
    if (g->G < 1 || g->C % g->G || g->O % g->G) {
        gc_set_error("%s: groups = %lld must be at least 1 and divide both the %lld input channels "
                     "of x %s and the %lld output channels of w %s",
                     who, (long long)g->G, (long long)g->C, b1, (long long)g->O, b2);
        return -1;
    }
    if (w->shape[1] * g->G != g->C) {
        gc_set_error("%s: x %s has %lld channels but w %s expects %lld (w's size 2, %lld, times "
                     "groups %lld)",
                     who, b1, (long long)g->C, b2, (long long)(w->shape[1] * g->G),
                     (long long)w->shape[1], (long long)g->G);
        return -1;
    }
    if (out->ninputs == 3) {
        const Tensor *b = out->inputs[2];
        if (b->ndim != 1 || b->shape[0] != g->O) {
            gc_set_error("%s: the bias must be [%lld], one per output channel of w %s, got %s", who,
                         (long long)g->O, b2, gc_shape_str(b->ndim, b->shape, b3, sizeof b3));
            return -1;
        }
    }
    int64_t eh = g->dH * (g->kH - 1) + 1, ew = g->dW * (g->kW - 1) + 1;
    int64_t ph = g->H + 2 * g->pH, pw = g->W + 2 * g->pW;
    if (g->kH < 1 || g->kW < 1 || eh > ph || ew > pw) {
        if (one_d)
            gc_set_error("%s: the kernel of w %s (%lld wide dilation included) is larger than the "
                         "padded input of x %s (%lld long with padding %lld)",
                         who, b2, (long long)ew, b1, (long long)pw, (long long)g->pW);
        else
            gc_set_error("%s: the kernel of w %s (%lld×%lld dilation included) is larger than the "
                         "padded input of x %s (%lld×%lld with padding %lld, %lld)",
                         who, b2, (long long)eh, (long long)ew, b1, (long long)ph, (long long)pw,
                         (long long)g->pH, (long long)g->pW);
        return -1;
    }
    g->OH = (ph - eh) / g->sH + 1;
    g->OW = (pw - ew) / g->sW + 1;
    return 0;
}

void gc_conv_geometry(const Tensor *out, ConvGeometry *g) { geometry(out, g, 0); }

int gc_conv_shape(Tensor *out)
{
    Geometry g;
    if (geometry(out, &g, 1)) return -1;
    int64_t shape[4] = { g.N, g.O, g.OH, g.OW };
    int one_d = out->args.ints[7];
    out->ndim = 0;
    for (int d = g.batched ? 0 : 1; d < 4; d++)
        if (!(one_d && d == 2)) out->shape[out->ndim++] = shape[d];
    return gc_shape_numel(out->ndim, out->shape, name_of(out)) < 0 ? -1 : 0;
}

/* The output columns ow whose input column ow×sW − pW + off lies inside 0..W−1: lo..hi−1. */
static void valid_columns(const Geometry *g, int64_t off, int64_t *lo, int64_t *hi)
{
    int64_t first = g->pW - off; /* ow×sW ≥ first */
    *lo = first <= 0 ? 0 : (first + g->sW - 1) / g->sW;
    int64_t last = g->W - 1 + g->pW - off; /* ow×sW ≤ last */
    *hi = last < 0 ? 0 : last / g->sW + 1;
    if (*hi > g->OW) *hi = g->OW;
    if (*lo > *hi) *lo = *hi;
}

/* cols[(c×kH + i)×kW + j][oh×OW + ow] = x[c, oh×sH − pH + i×dH, ow×sW − pW + j×dW]
 * (0 in the padding), for the C/groups channels starting at x. */
static void im2col(const Geometry *g, const double *x, double *cols)
{
    int64_t cg = g->C / g->G, ohw = g->OH * g->OW;
    for (int64_t c = 0; c < cg; c++)
        for (int64_t i = 0; i < g->kH; i++)
            for (int64_t j = 0; j < g->kW; j++) {
                double *row = cols + ((c * g->kH + i) * g->kW + j) * ohw;
                const double *plane = x + c * g->H * g->W;
                int64_t lo, hi, shift = j * g->dW - g->pW;
                valid_columns(g, j * g->dW, &lo, &hi);
                for (int64_t oh = 0; oh < g->OH; oh++) {
                    int64_t ih = oh * g->sH - g->pH + i * g->dH;
                    double *r = row + oh * g->OW;
                    if (ih < 0 || ih >= g->H) {
                        memset(r, 0, (size_t)g->OW * sizeof *r);
                        continue;
                    }
                    int64_t base = ih * g->W + shift; /* x of column ow: base + ow×sW */
                    for (int64_t ow = 0; ow < lo; ow++) r[ow] = 0;
                    if (g->sW == 1 && hi > lo)
                        memcpy(r + lo, plane + base + lo, (size_t)(hi - lo) * sizeof *r);
                    else
                        for (int64_t ow = lo; ow < hi; ow++) r[ow] = plane[base + ow * g->sW];
                    for (int64_t ow = hi; ow < g->OW; ow++) r[ow] = 0;
                }
            }
}

/* d[i] += s[i]: the stride-1 rows of col2im (restrict lets the compiler vectorise). */
static void add_row(double *restrict d, const double *restrict s, int64_t n)
{
    for (int64_t i = 0; i < n; i++) d[i] += s[i];
}

/* The reverse of im2col: each column entry is added to the x it came from. */
static void col2im(const Geometry *g, const double *cols, double *gx)
{
    int64_t cg = g->C / g->G, ohw = g->OH * g->OW;
    for (int64_t c = 0; c < cg; c++)
        for (int64_t i = 0; i < g->kH; i++)
            for (int64_t j = 0; j < g->kW; j++) {
                const double *row = cols + ((c * g->kH + i) * g->kW + j) * ohw;
                double *plane = gx + c * g->H * g->W;
                int64_t lo, hi, shift = j * g->dW - g->pW;
                valid_columns(g, j * g->dW, &lo, &hi);
                for (int64_t oh = 0; oh < g->OH; oh++) {
                    int64_t ih = oh * g->sH - g->pH + i * g->dH;
                    if (ih < 0 || ih >= g->H) continue;
                    const double *r = row + oh * g->OW;
                    int64_t base = ih * g->W + shift;
                    if (g->sW == 1)
                        add_row(plane + base + lo, r + lo, hi - lo);
                    else
                        for (int64_t ow = lo; ow < hi; ow++) plane[base + ow * g->sW] += r[ow];
                }
            }
}

/* The im2col buffer of one block of images; NULL when too large or out of memory (the caller
 * reports it on the main thread: gc_set_error is not for workers). */
static double *cols_buffer(const Geometry *g)
{
    size_t n = (size_t)(g->C / g->G * g->kH * g->kW * g->OH * g->OW);
    if (n > (size_t)(GC_MAX_BYTES / (int64_t)sizeof(double))) return NULL;
    return malloc((n ? n : 1) * sizeof(double));
}

static int cols_error(const Geometry *g)
{
    size_t n = (size_t)(g->C / g->G * g->kH * g->kW * g->OH * g->OW);
    if (n > (size_t)(GC_MAX_BYTES / (int64_t)sizeof(double)))
        gc_set_error("conv: the im2col buffer of %zu elements (channels × kernel × output size) "
                     "is too large",
                     n);
    else
        gc_set_error("conv: out of memory for the %zu-element im2col buffer", n);
    return -1;
}

/*
 * The images of the batch are split into at most MAX_PARTS blocks of consecutive images, a
 * split that depends on the shapes only, and the blocks run on the thread pool. The output
 * and ∂L/∂x of an image are its own; ∂L/∂w is summed per block into a part of its own, and
 * the parts are added in block order: the same bits on any number of threads. Inside the
 * blocks OpenBLAS runs on one thread (the blocks are the parallelism); its kernels never
 * split a sum, so each product has the same bits either way.
 */
#define MAX_PARTS  16
#define PARTS_SIZE ((int64_t)1 << 23) /* doubles of ∂L/∂w parts at most: 64 MB */
#define SPLIT_MIN  ((int64_t)1 << 21) /* multiply-adds below which a batch stays on one thread */

/* OpenBLAS's own control (as in parallel.c). */
extern void openblas_set_num_threads(int n);

typedef struct ConvJob {
    Geometry g;
    const double *x, *w, *b, *gy;
    double *y, *gx, *parts;
    int64_t per; /* images per block */
    int failed;  /* a block got no buffer */
} ConvJob;

static int64_t images_per_block(const Geometry *g, int64_t wsize, int want_parts)
{
    int64_t parts = g->N < MAX_PARTS ? g->N : MAX_PARTS;
    if (want_parts && wsize > 0 && parts * wsize > PARTS_SIZE)
        parts = PARTS_SIZE / wsize > 1 ? PARTS_SIZE / wsize : 1;
    if (parts < 1) parts = 1;
    return (g->N + parts - 1) / parts;
}

static void run_images(ConvJob *j, void (*fn)(void *ctx, int64_t from, int64_t to))
{
    const Geometry *g = &j->g;
    int nt = gc_threads();
    int64_t work = g->N * g->O * (g->C / g->G) * g->kH * g->kW * g->OH * g->OW;
    int split = nt > 1 && g->N > j->per;
    if (split) openblas_set_num_threads(1);
    gc_parallel_for(g->N, j->per, work < SPLIT_MIN ? g->N + 1 : 0, fn, j);
    if (split) openblas_set_num_threads(nt);
}

static void forward_block(void *ctx, int64_t from, int64_t to)
{
    ConvJob *j = ctx;
    const Geometry *g = &j->g;
    int64_t cg = g->C / g->G, og = g->O / g->G, k = cg * g->kH * g->kW, ohw = g->OH * g->OW;
    double *cols = cols_buffer(g);
    if (!cols) {
        __atomic_store_n(&j->failed, 1, __ATOMIC_RELAXED);
        return;
    }
    for (int64_t n = from; n < to; n++)
        for (int64_t gi = 0; gi < g->G; gi++) {
            double *y = j->y + (n * g->O + gi * og) * ohw;
            im2col(g, j->x + (n * g->C + gi * cg) * g->H * g->W, cols);
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)og, (int)ohw, (int)k, 1.0,
                        j->w + gi * og * k, (int)k, cols, (int)ohw, 0.0, y, (int)ohw);
            if (j->b)
                for (int64_t o = 0; o < og; o++) {
                    double bias = j->b[gi * og + o], *r = y + o * ohw;
                    for (int64_t p = 0; p < ohw; p++) r[p] += bias;
                }
        }
    free(cols);
}

int gc_conv_forward(Tensor *out)
{
    ConvJob j = { .x = out->inputs[0]->data, .w = out->inputs[1]->data, .y = out->data };
    j.b = out->ninputs == 3 ? out->inputs[2]->data : NULL;
    Geometry *g = &j.g;
    geometry(out, g, 0);
    if (out->numel == 0) return 0;
    if (g->C == 0 || g->kH * g->kW == 0) { /* no products: the bias alone */
        int64_t ohw = g->OH * g->OW;
        for (int64_t i = 0; i < out->numel; i++) out->data[i] = j.b ? j.b[i / ohw % g->O] : 0;
        return 0;
    }
    j.per = images_per_block(g, 0, 0);
    run_images(&j, forward_block);
    return j.failed ? cols_error(g) : 0; /* gc_apply reports an interrupt */
}

static void backward_block(void *ctx, int64_t from, int64_t to)
{
    ConvJob *j = ctx;
    const Geometry *g = &j->g;
    int64_t cg = g->C / g->G, og = g->O / g->G, k = cg * g->kH * g->kW, ohw = g->OH * g->OW;
    double *cols = cols_buffer(g);
    if (!cols) {
        __atomic_store_n(&j->failed, 1, __ATOMIC_RELAXED);
        return;
    }
    double *part = j->parts ? j->parts + from / j->per * g->O * k : NULL;
    for (int64_t n = from; n < to; n++)
        for (int64_t gi = 0; gi < g->G; gi++) {
            const double *G = j->gy + (n * g->O + gi * og) * ohw;
            if (part) { /* the block's first image sets its part, the others add */
                im2col(g, j->x + (n * g->C + gi * cg) * g->H * g->W, cols);
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)og, (int)k, (int)ohw, 1.0,
                            G, (int)ohw, cols, (int)ohw, n == from ? 0.0 : 1.0, part + gi * og * k,
                            (int)k);
            }
            if (j->gx) {
                cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)ohw, (int)og, 1.0,
                            j->w + gi * og * k, (int)k, G, (int)ohw, 0.0, cols, (int)ohw);
                col2im(g, cols, j->gx + (n * g->C + gi * cg) * g->H * g->W);
            }
        }
    free(cols);
}

int gc_conv_backward(Tensor *out)
{
    Tensor *x = out->inputs[0], *w = out->inputs[1];
    Tensor *b = out->ninputs == 3 ? out->inputs[2] : NULL;
    int need_x = gc_needs_grad(x), need_w = gc_needs_grad(w), need_b = b && gc_needs_grad(b);
    if ((need_x && !gc_grad_of(x)) || (need_w && !gc_grad_of(w)) || (need_b && !gc_grad_of(b)))
        return -1;
    ConvJob j = { .x = x->data, .w = w->data, .gy = out->grad->data };
    Geometry *g = &j.g;
    geometry(out, g, 0);
    int64_t k = g->C / g->G * g->kH * g->kW, ohw = g->OH * g->OW;
    if (need_b)
        for (int64_t n = 0; n < g->N; n++)
            for (int64_t o = 0; o < g->O; o++) {
                const double *r = j.gy + (n * g->O + o) * ohw;
                double s = 0;
                for (int64_t p = 0; p < ohw; p++) s += r[p];
                b->grad->data[o] += s;
            }
    if ((!need_x && !need_w) || out->numel == 0 || k == 0) return 0;
    j.gx = need_x ? x->grad->data : NULL;
    j.per = images_per_block(g, g->O * k, need_w);
    int64_t nparts = (g->N + j.per - 1) / j.per, wsize = g->O * k;
    if (need_w && !(j.parts = malloc((size_t)(nparts * wsize) * sizeof(double)))) {
        gc_set_error("conv: out of memory for %lld parts of ∂L/∂w of %lld numbers",
                     (long long)nparts, (long long)wsize);
        return -1;
    }
    run_images(&j, backward_block);
    int bad = j.failed ? cols_error(g) : gc_interrupted();
    if (!bad && need_w) {
        double *gw = w->grad->data;
        for (int64_t e = 0; e < wsize; e++) {
            double s = j.parts[e];
            for (int64_t p = 1; p < nparts; p++) s += j.parts[p * wsize + e];
            gw[e] += s;
        }
    }
    free(j.parts);
    return bad ? -1 : 0;
}

Tensor *gc_conv(Tensor *x, Tensor *w, Tensor *b, const ConvOptions *opt, int one_d)
{
    OpArgs args = { 0 };
    const char *who = one_d ? "conv1d" : "conv2d";
    const int64_t *v[3] = { opt->stride, opt->padding, opt->dilation };
    for (int i = 0; i < 3; i++)
        for (int d = 0; d < 2; d++) {
            if (v[i][d] < -1000000 || v[i][d] > 1000000) {
                gc_set_error("%s: stride, padding and dilation must be small whole numbers, got "
                             "%lld",
                             who, (long long)v[i][d]);
                return NULL;
            }
            args.ints[2 * i + d] = (int32_t)v[i][d];
        }
    if (one_d) args.ints[0] = 1, args.ints[2] = 0, args.ints[4] = 1; /* the height of 1 */
    if (opt->groups < -1000000 || opt->groups > 1000000) {
        gc_set_error("%s: groups = %lld is out of range", who, (long long)opt->groups);
        return NULL;
    }
    args.ints[6] = (int32_t)opt->groups;
    args.ints[7] = one_d;
    Tensor *in[3] = { x, w, b };
    return gc_apply(OP_CONV, b ? 3 : 2, in, &args);
}

/*
 * elementwise.c - the forward and backward loops of every elementwise op,
 * with NumPy broadcasting. The maths of each op is one row of
 * elementwise_table.h; the macros below turn each row into loops with that
 * maths written inline, so the compiler can vectorise them:
 *   forward   y[i] = f(a[i], b[i])
 *   backward  ga[i] += g[i] × ∂y/∂a(a[i], b[i], y[i]),  and the same for b,
 * summed over the elements a (or b) was broadcast to.
 * Each shape case has its own loop: equal shapes, a single number on either
 * side, b repeated along the leading dims (a bias), and the general walk.
 * Big tensors are split over the threads in blocks of whole rows; a bias's
 * gradient (a column sum) is added up on one thread, in row order.
 */
#include <math.h>
#include <string.h>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/exp_poly.h"
#include "core/parallel.h"

/* Loops that are one or two instructions per element wait for bigger
 * tensors before they take a second thread than exp, tanh or division. */
static int64_t threshold(const Tensor *out)
{
    switch ((OpCode)(out->op - gc_ops)) {
    case OP_ADD:
    case OP_SUB:
    case OP_MUL:
    case OP_MAXIMUM:
    case OP_MINIMUM:
    case OP_NEG:
    case OP_ABS:
    case OP_RELU:
    case OP_LEAKY_RELU: return GC_PARALLEL_MIN;
    default: return GC_PARALLEL_HEAVY;
    }
}

int gc_elementwise_shape(Tensor *out)
{
    if (out->ninputs == 1) {
        out->ndim = out->inputs[0]->ndim;
        memcpy(out->shape, out->inputs[0]->shape, sizeof out->shape);
        return 0;
    }
    return gc_broadcast_shape(out->inputs[0], out->inputs[1], &out->ndim, out->shape,
                              out->op->name);
}

/* ---- unary ops: y = f(a) ---------------------------------------------------- */

typedef void (*UnaryRun)(const double *a, double *y, int64_t n, double s);
typedef void (*UnaryGradRun)(const double *a, const double *y, const double *g, double *ga,
                             int64_t n, double s);

typedef struct UnaryJob {
    Tensor *out;
    UnaryRun run;
    UnaryGradRun grad;
} UnaryJob;

static void unary_block(void *ctx, int64_t from, int64_t to)
{
    const UnaryJob *j = ctx;
    const Tensor *a = j->out->inputs[0];
    if (j->run)
        j->run(a->data + from, j->out->data + from, to - from, j->out->args.scalar);
    else
        j->grad(a->data + from, j->out->data + from, j->out->grad->data + from,
                a->grad->data + from, to - from, j->out->args.scalar);
}

static int unary_forward(Tensor *out, UnaryRun run)
{
    UnaryJob job = { out, run, NULL };
    gc_parallel_for(out->numel, GC_BLOCK, threshold(out), unary_block, &job);
    return 0;
}

static int unary_backward(Tensor *out, UnaryGradRun run)
{
    Tensor *ta = out->inputs[0];
    if (!gc_needs_grad(ta)) return 0;
    if (!gc_grad_of(ta)) return -1;
    UnaryJob job = { out, NULL, run };
    gc_parallel_for(out->numel, GC_BLOCK, threshold(out), unary_block, &job);
    return 0;
}

#define UNARY(CODE, name, symbol, call, formula, derivative, kink, FWD, DA, ...)              \
    GC_CLONES static void name##_run(const double *restrict A, double *restrict Y, int64_t n, \
                                     double s)                                                \
    {                                                                                         \
        (void)s;                                                                              \
        for (int64_t i = 0; i < n; i++) {                                                     \
            double a = A[i];                                                                  \
            Y[i] = (FWD);                                                                     \
        }                                                                                     \
    }                                                                                         \
    GC_CLONES static void name##_grad_run(const double *restrict A, const double *restrict Y, \
                                          const double *restrict G, double *restrict GA,      \
                                          int64_t n, double s)                                \
    {                                                                                         \
        (void)s;                                                                              \
        for (int64_t i = 0; i < n; i++) {                                                     \
            double a = A[i], y = Y[i];                                                        \
            (void)a, (void)y;                                                                 \
            GA[i] += G[i] * (DA);                                                             \
        }                                                                                     \
    }                                                                                         \
    int gc_##name##_forward(Tensor *out) { return unary_forward(out, name##_run); }           \
    int gc_##name##_backward(Tensor *out) { return unary_backward(out, name##_grad_run); }
#define BINARY(...)
#include "core/ops/elementwise_table.h"
#undef UNARY
#undef BINARY

/* ---- binary ops: y = f(a, b) ------------------------------------------------- */

/* How a and b line up with the output, each case with its own loop. */
enum { SAME, B_ONE, A_ONE, B_TRAILING, GENERAL };

static int layout(const Tensor *out, const Tensor *a, const Tensor *b, int64_t *inner)
{
    if (gc_same_shape(a, b)) return SAME;
    if (b->numel == 1 && a->numel == out->numel) return B_ONE;
    if (a->numel == 1 && b->numel == out->numel) return A_ONE;
    /* b's shape is the last dims of a's (after dropping leading 1s): a bias */
    int lead = 0;
    while (lead < b->ndim && b->shape[lead] == 1) lead++;
    int nb = b->ndim - lead;
    if (a->numel != out->numel || nb == 0 || nb > a->ndim) return GENERAL;
    for (int k = 0; k < nb; k++)
        if (b->shape[lead + k] != a->shape[a->ndim - nb + k]) return GENERAL;
    *inner = b->numel;
    return B_TRAILING;
}

/* The loops of one binary op: every case of layout(), forward and backward.
 * The backward writes ga and gb in separate passes, so that x*x (where
 * both are the same gradient) adds both contributions. */
#define BINARY(CODE, name, symbol, infix, prec, formula, derivative, kink, FWD, DA, DB, ...)     \
    GC_CLONES static void name##_loop(int mode, const double *restrict A,                        \
                                      const double *restrict B, double *restrict Y, int64_t n,   \
                                      int64_t inner)                                             \
    {                                                                                            \
        switch (mode) {                                                                          \
        case SAME:                                                                               \
            for (int64_t i = 0; i < n; i++) {                                                    \
                double a = A[i], b = B[i];                                                       \
                Y[i] = (FWD);                                                                    \
            }                                                                                    \
            break;                                                                               \
        case B_ONE:                                                                              \
            for (int64_t i = 0; i < n; i++) {                                                    \
                double a = A[i], b = B[0];                                                       \
                Y[i] = (FWD);                                                                    \
            }                                                                                    \
            break;                                                                               \
        case A_ONE:                                                                              \
            for (int64_t i = 0; i < n; i++) {                                                    \
                double a = A[0], b = B[i];                                                       \
                Y[i] = (FWD);                                                                    \
            }                                                                                    \
            break;                                                                               \
        default: /* B_TRAILING: n is a multiple of inner */                                      \
            for (int64_t r = 0; r < n; r += inner)                                               \
                for (int64_t j = 0; j < inner; j++) {                                            \
                    double a = A[r + j], b = B[j];                                               \
                    Y[r + j] = (FWD);                                                            \
                }                                                                                \
        }                                                                                        \
    }                                                                                            \
    GC_CLONES static void name##_grad_a(                                                         \
        int mode, const double *restrict A, const double *restrict B, const double *restrict Y,  \
        const double *restrict G, double *restrict GA, int64_t n, int64_t inner)                 \
    {                                                                                            \
        double acc = 0;                                                                          \
        switch (mode) {                                                                          \
        case SAME:                                                                               \
            for (int64_t i = 0; i < n; i++) {                                                    \
                double a = A[i], b = B[i], y = Y[i];                                             \
                (void)a, (void)b, (void)y;                                                       \
                GA[i] += G[i] * (DA);                                                            \
            }                                                                                    \
            break;                                                                               \
        case B_ONE:                                                                              \
            for (int64_t i = 0; i < n; i++) {                                                    \
                double a = A[i], b = B[0], y = Y[i];                                             \
                (void)a, (void)b, (void)y;                                                       \
                GA[i] += G[i] * (DA);                                                            \
            }                                                                                    \
            break;                                                                               \
        case A_ONE: /* a was repeated n times: its gradient is the sum */                        \
            for (int64_t i = 0; i < n; i++) {                                                    \
                double a = A[0], b = B[i], y = Y[i];                                             \
                (void)a, (void)b, (void)y;                                                       \
                acc += G[i] * (DA);                                                              \
            }                                                                                    \
            GA[0] += acc;                                                                        \
            break;                                                                               \
        default:                                                                                 \
            for (int64_t r = 0; r < n; r += inner)                                               \
                for (int64_t j = 0; j < inner; j++) {                                            \
                    double a = A[r + j], b = B[j], y = Y[r + j];                                 \
                    (void)a, (void)b, (void)y;                                                   \
                    GA[r + j] += G[r + j] * (DA);                                                \
                }                                                                                \
        }                                                                                        \
    }                                                                                            \
    GC_CLONES static void name##_grad_b(                                                         \
        int mode, const double *restrict A, const double *restrict B, const double *restrict Y,  \
        const double *restrict G, double *restrict GB, int64_t n, int64_t inner)                 \
    {                                                                                            \
        if (mode == B_TRAILING) { /* a column sum over the rows the bias was repeated on */      \
            for (int64_t r = 0; r < n; r += inner)                                               \
                for (int64_t j = 0; j < inner; j++) {                                            \
                    double a = A[r + j], b = B[j], y = Y[r + j];                                 \
                    (void)a, (void)b, (void)y;                                                   \
                    GB[j] += G[r + j] * (DB);                                                    \
                }                                                                                \
            return;                                                                              \
        }                                                                                        \
        double acc = 0;                                                                          \
        for (int64_t i = 0; i < n; i++) {                                                        \
            double a = A[mode == A_ONE ? 0 : i], b = B[mode == B_ONE ? 0 : i], y = Y[i];         \
            (void)a, (void)b, (void)y;                                                           \
            if (mode == B_ONE)                                                                   \
                acc += G[i] * (DB);                                                              \
            else                                                                                 \
                GB[i] += G[i] * (DB);                                                            \
        }                                                                                        \
        if (mode == B_ONE) GB[0] += acc;                                                         \
    }                                                                                            \
    static int name##_general_forward(Tensor *out)                                               \
    {                                                                                            \
        const double *A = out->inputs[0]->data, *B = out->inputs[1]->data;                       \
        GC_BROADCAST_LOOP(out, out->inputs[0], out->inputs[1], {                                 \
            double a = A[ia], b = B[ib];                                                         \
            out->data[i] = (FWD);                                                                \
        });                                                                                      \
        return 0;                                                                                \
    }                                                                                            \
    static void name##_general_backward(Tensor *out, double *GA, double *GB)                     \
    {                                                                                            \
        const double *A = out->inputs[0]->data, *B = out->inputs[1]->data, *G = out->grad->data; \
        GC_BROADCAST_LOOP(out, out->inputs[0], out->inputs[1], {                                 \
            double a = A[ia], b = B[ib], y = out->data[i];                                       \
            (void)a, (void)b, (void)y;                                                           \
            if (GA) GA[ia] += G[i] * (DA);                                                       \
            if (GB) GB[ib] += G[i] * (DB);                                                       \
        });                                                                                      \
    }                                                                                            \
    static const BinaryKernels name##_kernels = { name##_loop, name##_grad_a, name##_grad_b,     \
                                                  name##_general_forward,                        \
                                                  name##_general_backward };                     \
    int gc_##name##_forward(Tensor *out) { return binary_forward(out, &name##_kernels); }        \
    int gc_##name##_backward(Tensor *out) { return binary_backward(out, &name##_kernels); }

typedef struct BinaryKernels {
    void (*loop)(int mode, const double *a, const double *b, double *y, int64_t n, int64_t inner);
    void (*grad_a)(int mode, const double *a, const double *b, const double *y, const double *g,
                   double *ga, int64_t n, int64_t inner);
    void (*grad_b)(int mode, const double *a, const double *b, const double *y, const double *g,
                   double *gb, int64_t n, int64_t inner);
    int (*general_forward)(Tensor *out);
    void (*general_backward)(Tensor *out, double *ga, double *gb);
} BinaryKernels;

/* A block of about GC_BLOCK elements that is a whole number of rows (rows
 * of 0 elements, as in zeros(0) * {{}}, leave nothing to do). */
static int64_t block_of(int64_t inner)
{
    return inner >= GC_BLOCK ? inner : inner < 1 ? GC_BLOCK : GC_BLOCK / inner * inner;
}

typedef struct BinaryJob {
    Tensor *out;
    const BinaryKernels *k;
    int mode;
    int64_t inner;
    double *ga, *gb; /* backward: the gradients to add into, or NULL */
} BinaryJob;

static void binary_block(void *ctx, int64_t i, int64_t end)
{
    const BinaryJob *j = ctx;
    const Tensor *ta = j->out->inputs[0], *tb = j->out->inputs[1];
    int mode = j->mode;
    const double *a = ta->data + (mode == A_ONE ? 0 : i);
    const double *b = tb->data + (mode == SAME || mode == A_ONE ? i : 0);
    j->k->loop(mode, a, b, j->out->data + i, end - i, j->inner);
}

/* The parts of a backward that write each element of the gradient once
 * (the number and bias sides are sums: they run after, on one thread). */
static void binary_grad_block(void *ctx, int64_t i, int64_t end)
{
    const BinaryJob *j = ctx;
    const Tensor *ta = j->out->inputs[0], *tb = j->out->inputs[1];
    int mode = j->mode;
    const double *a = ta->data + (mode == A_ONE ? 0 : i);
    const double *b = tb->data + (mode == SAME || mode == A_ONE ? i : 0);
    const double *y = j->out->data + i, *g = j->out->grad->data + i;
    if (j->ga && mode != A_ONE) j->k->grad_a(mode, a, b, y, g, j->ga + i, end - i, j->inner);
    if (j->gb && (mode == SAME || mode == A_ONE))
        j->k->grad_b(mode, a, b, y, g, j->gb + i, end - i, j->inner);
}

static int binary_forward(Tensor *out, const BinaryKernels *k)
{
    const Tensor *ta = out->inputs[0], *tb = out->inputs[1];
    int64_t inner = 1;
    int mode = layout(out, ta, tb, &inner);
    if (mode == GENERAL) return k->general_forward(out);
    BinaryJob job = { out, k, mode, inner, NULL, NULL };
    gc_parallel_for(out->numel, block_of(inner), threshold(out), binary_block, &job);
    return 0;
}

static int binary_backward(Tensor *out, const BinaryKernels *k)
{
    Tensor *ta = out->inputs[0], *tb = out->inputs[1];
    double *ga = NULL, *gb = NULL;
    if (gc_needs_grad(ta)) {
        if (!gc_grad_of(ta)) return -1;
        ga = ta->grad->data;
    }
    if (gc_needs_grad(tb)) {
        if (!gc_grad_of(tb)) return -1;
        gb = tb->grad->data;
    }
    int64_t inner = 1;
    int mode = layout(out, ta, tb, &inner);
    if (mode == GENERAL) {
        k->general_backward(out, ga, gb);
        return 0;
    }
    BinaryJob job = { out, k, mode, inner, ga, gb };
    int64_t block = block_of(inner);
    gc_parallel_for(out->numel, block, threshold(out), binary_grad_block, &job);
    /* a number or a bias: its gradient is a sum, added in block order */
    for (int64_t i = 0; i < out->numel && !gc_interrupt; i += block) {
        int64_t n = out->numel - i < block ? out->numel - i : block;
        const double *a = ta->data + (mode == A_ONE ? 0 : i);
        const double *b = tb->data + (mode == SAME || mode == A_ONE ? i : 0);
        const double *y = out->data + i, *g = out->grad->data + i;
        if (ga && mode == A_ONE) k->grad_a(mode, a, b, y, g, ga, n, inner);
        if (gb && mode != SAME && mode != A_ONE) k->grad_b(mode, a, b, y, g, gb, n, inner);
    }
    return 0;
}

#define UNARY(...)
#include "core/ops/elementwise_table.h"
#undef UNARY
#undef BINARY

/* ---- constructors ---------------------------------------------------------- */

Tensor *gc_binary(OpCode op, Tensor *a, Tensor *b)
{
    Tensor *in[2] = { a, b };
    return gc_apply(op, 2, in, NULL);
}

Tensor *gc_unary(OpCode op, Tensor *a) { return gc_apply(op, 1, &a, NULL); }

Tensor *gc_unary_arg(OpCode op, Tensor *a, double arg)
{
    OpArgs args = { .scalar = arg };
    return gc_apply(op, 1, &a, &args);
}

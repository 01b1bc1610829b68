/*
 * ops.h - the ops of gradcalc and the constructors that apply them.
 *
 * Each op is one entry of gc_ops[] (op_table.c): its name, the symbol a
 * trace prints, the formula of its result and of its local derivatives as
 * text, and three functions side by side:
 *   shape    - checks the inputs and sets the output's shape,
 *   forward  - computes every element of out->data from the inputs,
 *   backward - adds d(loss)/d(input) into each input's grad, given out->grad.
 * Adding an op means adding one entry (and its tests).
 */
#ifndef GRADCALC_OPS_H
#define GRADCALC_OPS_H

#include "core/tensor.h"

/* ORDER OP: the enum and gc_ops[] list the ops in the same order. */
typedef enum OpCode {
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_POW,
    OP_MAXIMUM,
    OP_MINIMUM,
    OP_NEG,
    OP_EXP,
    OP_LOG,
    OP_SQRT,
    OP_ABS,
    OP_SIGMOID,
    OP_TANH,
    OP_RELU,
    OP_LEAKY_RELU,
    OP_SUM,
    OP_MEAN,
    OP_MAX,
    OP_MIN,
    OP_SOFTMAX,
    OP_LOG_SOFTMAX,
    OP_MATMUL,
    OP_TRANSPOSE,
    OP_RESHAPE,
    OP_SELECT,
    OP_NARROW,
    OP_CAT,
    OP_MSE,
    OP_BCE,
    OP_CROSS_ENTROPY,
    OP_NLL,
    OP_COUNT
} OpCode;

/* Scalar maths of the elementwise ops, which share one loop each way.
 * y is the result f(a, b), handy for derivatives like σ' = y(1 − y);
 * arg is the op's scalar argument (the slope of leaky_relu). */
typedef double (*ScalarFn)(double a, double b, double arg);
typedef double (*ScalarGrad)(double a, double b, double y, double arg);

struct OpDef {
    const char *name;             /* "mul" */
    const char *symbol;           /* "×" */
    const char *formula;          /* "a × b" */
    const char *derivative;       /* "∂/∂a = b;  ∂/∂b = a" */
    int (*shape)(Tensor *out);    /* 0, or -1 with gc_error set */
    int (*forward)(Tensor *out);  /* 0, or -1 with gc_error set */
    int (*backward)(Tensor *out); /* 0, or -1 (out of memory, interrupted) */
    ScalarFn f;                   /* elementwise ops only */
    ScalarGrad df_da, df_db;
};

/* Reductions over every element use this as their dim. */
#define GC_ALL_DIMS (-1000)

extern const OpDef gc_ops[OP_COUNT];

/*
 * Applies op to inputs: checks shapes, computes, and records the node when
 * any input requires a gradient (and recording is on). Takes its own
 * references to the inputs. NULL with gc_error() set on failure.
 */
Tensor *gc_apply(OpCode op, int ninputs, Tensor **inputs, const OpArgs *args);

/* Convenience constructors over gc_apply. dims are 0-based here. */
Tensor *gc_binary(OpCode op, Tensor *a, Tensor *b);
Tensor *gc_unary(OpCode op, Tensor *a);
Tensor *gc_leaky_relu(Tensor *a, double slope);
Tensor *gc_reduce(OpCode op, Tensor *a, int dim, int keepdim); /* dim < 0: all */
Tensor *gc_softmax(OpCode op, Tensor *a, int dim);
Tensor *gc_matmul(Tensor *a, Tensor *b);
Tensor *gc_transpose(Tensor *a, int d1, int d2);
Tensor *gc_reshape(Tensor *a, int ndim, const int64_t *shape);
Tensor *gc_select(Tensor *a, int dim, int64_t index);
Tensor *gc_narrow(Tensor *a, int dim, int64_t start, int64_t length);
Tensor *gc_cat(int n, Tensor **list, int dim);
Tensor *gc_stack(int n, Tensor **list, int dim);
Tensor *gc_loss(OpCode op, Tensor *pred, Tensor *target);
/* Class labels and argmax results are class numbers 1..C, as the learner
 * writes them; dims and positions passed to the C functions are 0-based. */
Tensor *gc_argmax(Tensor *a, int dim); /* dim GC_ALL_DIMS: position in the flattened tensor */

/* ---- helpers shared by the op files ------------------------------------- */

Tensor *gc_grad_of(Tensor *t); /* t->grad, allocated as zeros when missing */
int gc_needs_grad(const Tensor *t);

/* Iterates an output index over broadcast inputs: offsets of a and b. */
typedef struct Broadcast {
    int ndim;
    int64_t shape[GC_MAXDIM];
    int64_t stride_a[GC_MAXDIM], stride_b[GC_MAXDIM];
} Broadcast;
int gc_broadcast_shape(const Tensor *a, const Tensor *b, int *ndim, int64_t *shape,
                       const char *who);
void gc_broadcast_init(Broadcast *bc, const Tensor *out, const Tensor *a, const Tensor *b);

/* Runs BODY for every element i of out, with ia and ib the matching
 * offsets in a and b (stride 0 along broadcast dims). */
#define GC_BROADCAST_LOOP(out, a, b, BODY)                                    \
    do {                                                                      \
        Broadcast bc_;                                                        \
        gc_broadcast_init(&bc_, (out), (a), (b));                             \
        int64_t idx_[GC_MAXDIM] = { 0 }, ia = 0, ib = 0;                      \
        for (int64_t i = 0; i < (out)->numel; i++) {                          \
            BODY;                                                             \
            for (int d_ = bc_.ndim - 1; d_ >= 0; d_--) {                      \
                ia += bc_.stride_a[d_];                                       \
                ib += bc_.stride_b[d_];                                       \
                if (++idx_[d_] < bc_.shape[d_]) break;                        \
                ia -= bc_.stride_a[d_] * bc_.shape[d_];                       \
                ib -= bc_.stride_b[d_] * bc_.shape[d_];                       \
                idx_[d_] = 0;                                                 \
            }                                                                 \
            if ((i & 0xFFFFF) == 0xFFFFF && gc_interrupt) break; /* Ctrl-C */ \
        }                                                                     \
    } while (0)

/* Views a tensor as [outer, size of dim, inner] around one dim. */
void gc_split_at(const Tensor *t, int dim, int64_t *outer, int64_t *size, int64_t *inner);

#endif

/*
 * op_table.h - the ops of gradcalc: one row each in gc_ops[] (op_table.c).
 *
 * Each op is one row of gc_ops[]: its name, the symbol a trace prints, the
 * formula of its result and of its local derivatives as text, what help
 * shows, how a formula writes it, and three functions side by side:
 *   shape    - checks the inputs and sets the output's shape,
 *   forward  - computes every element of out->data from the inputs,
 *   backward - adds d(loss)/d(input) into each input's grad, given out->grad.
 * The elementwise ops are rows of core/ops/elementwise_table.h; the others
 * are rows of op_table.c with kernels in a file of core/ops named after
 * their family. Adding an op means adding one row (and its tests).
 */
#ifndef GRADCALC_OP_TABLE_H
#define GRADCALC_OP_TABLE_H

#include "core/broadcast.h"
#include "core/tensor.h"

/* The elementwise ops first, from their table, then the others. */
typedef enum OpCode {
#define UNARY(CODE, ...)  OP_##CODE,
#define BINARY(CODE, ...) OP_##CODE,
#include "core/ops/elementwise_table.h"
#undef UNARY
#undef BINARY
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
    OP_CONV,
    OP_MAX_POOL2D,
    OP_AVG_POOL2D,
    OP_BATCH_NORM,
    OP_LAYER_NORM,
    OP_DROPOUT,
    OP_WHERE,
    OP_TRIL,
    OP_TRIU,
    OP_CLAMP,
    OP_ELU,
    OP_SILU,
    OP_VARIANCE,
    OP_STD,
    OP_LOGSUMEXP,
    OP_NORM,
    OP_INDEX_SELECT,
    OP_CUSTOM,
    OP_COUNT
} OpCode;

/* Scalar maths of an elementwise op, for traces that redo the arithmetic
 * with rounded numbers. y is the result f(a, b), handy for derivatives
 * like σ' = y(1 − y); arg is the op's scalar argument (leaky_relu's slope). */
typedef double (*ScalarFn)(double a, double b, double arg);
typedef double (*ScalarGrad)(double a, double b, double y, double arg);

enum { OP_PREC_ADD = 1, OP_PREC_MUL = 2, OP_PREC_NEG = 3, OP_PREC_POW = 4, OP_PREC_CALL = 9 };

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
    /* how traces write it: "a × b" with infix "×", else call(a, b) */
    const char *infix, *call;
    int precedence; /* OP_PREC_*: when an operand needs brackets */
    int kink;       /* the derivative jumps somewhere: gradcheck warns */
    int inlinable;  /* a trace may fold an unnamed result into its user */
    int elementwise;
    /* help: the signature, what it does, an example (elementwise ops; the
     * binding gives the others their help) */
    const char *signature, *summary, *example;
};

/* Reductions over every element use this as their dim. */
#define GC_ALL_DIMS (-1000)

extern const OpDef gc_ops[OP_COUNT];

#endif

/*
 * op_table.h - the ops of gradcalc: one row each in gc_ops[] (op_table.c).
 *
 * Each op is one entry of gc_ops[] (op_table.c): its name, the symbol a
 * trace prints, the formula of its result and of its local derivatives as
 * text, and three functions side by side:
 *   shape    - checks the inputs and sets the output's shape,
 *   forward  - computes every element of out->data from the inputs,
 *   backward - adds d(loss)/d(input) into each input's grad, given out->grad.
 * Adding an op means adding one entry (and its tests).
 */
#ifndef GRADCALC_OP_TABLE_H
#define GRADCALC_OP_TABLE_H

#include "core/broadcast.h"
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
    OP_INDEX_SELECT,
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

#endif

/*
 * reduce.h - reductions (sum, mean, max, min, argmax) and softmax along a dim (reduce.c). Each returns a new tensor (the caller
 * owns one reference), or NULL with gc_error() set. dims are 0-based here.
 */
#ifndef GRADCALC_OPS_REDUCE_H
#define GRADCALC_OPS_REDUCE_H

#include "core/op_table.h"

Tensor *gc_reduce(OpCode op, Tensor *a, int dim, int keepdim); /* dim < 0: all */
Tensor *gc_softmax(OpCode op, Tensor *a, int dim);
/* Class labels and argmax results are class numbers 1..C, as the learner
 * writes them; dims and positions passed to the C functions are 0-based. */
Tensor *gc_argmax(Tensor *a, int dim); /* dim GC_ALL_DIMS: position in the flattened tensor */

/* The positions (class numbers 1..n) that max or min along a dim chose, as
 * a new tensor: the second result of max(x, dim). result is what gc_reduce
 * returned for OP_MAX or OP_MIN with a dim. */
Tensor *gc_reduce_positions(const Tensor *result);

#endif

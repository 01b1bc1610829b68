/*
 * elementwise.h - elementwise ops with broadcasting: arithmetic and
 * activations (elementwise.c). Each returns a new tensor (the caller owns
 * one reference), or NULL with gc_error() set. dims are 0-based here.
 */
#ifndef GRADCALC_OPS_ELEMENTWISE_H
#define GRADCALC_OPS_ELEMENTWISE_H

#include "core/op_table.h"

Tensor *gc_binary(OpCode op, Tensor *a, Tensor *b);
Tensor *gc_unary(OpCode op, Tensor *a);
/* An op with a scalar argument: leaky_relu(a, slope). */
Tensor *gc_unary_arg(OpCode op, Tensor *a, double arg);

#endif

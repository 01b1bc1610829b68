/*
 * elementwise.h - elementwise ops with broadcasting: arithmetic, activations (elementwise.c). Each returns a new tensor (the caller
 * owns one reference), or NULL with gc_error() set. dims are 0-based here.
 */
#ifndef GRADCALC_OPS_ELEMENTWISE_H
#define GRADCALC_OPS_ELEMENTWISE_H

#include "core/op_table.h"

Tensor *gc_binary(OpCode op, Tensor *a, Tensor *b);
Tensor *gc_unary(OpCode op, Tensor *a);
Tensor *gc_leaky_relu(Tensor *a, double slope);

#endif

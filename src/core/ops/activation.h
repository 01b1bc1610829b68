/*
 * activation.h - elu and silu (activation.c). Each returns a new tensor (the
 * caller owns one reference), or NULL with gc_error() set.
 */
#ifndef GRADCALC_OPS_ACTIVATION_H
#define GRADCALC_OPS_ACTIVATION_H

#include "core/op_table.h"

Tensor *gc_elu(Tensor *x, double alpha);
Tensor *gc_silu(Tensor *x);

#endif

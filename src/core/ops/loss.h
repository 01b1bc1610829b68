/*
 * loss.h - the losses: mse, bce, cross_entropy, nll (loss.c). Each returns a new tensor (the caller
 * owns one reference), or NULL with gc_error() set. dims are 0-based here.
 */
#ifndef GRADCALC_OPS_LOSS_H
#define GRADCALC_OPS_LOSS_H

#include "core/op_table.h"

Tensor *gc_loss(OpCode op, Tensor *pred, Tensor *target);

#endif

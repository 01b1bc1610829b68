/*
 * loss.h - the losses: mse, bce, cross_entropy, nll (loss.c). Each returns a new tensor (the caller
 * owns one reference), or NULL with gc_error() set. dims are 0-based here.
 */
#ifndef GRADCALC_OPS_LOSS_H
#define GRADCALC_OPS_LOSS_H

#include "core/op_table.h"

/* How the per-element (mse, bce) or per-sample (cross_entropy, nll) losses
 * are reduced, as PyTorch's reduction="mean" | "sum" | "none". Kept in
 * args.ints[0] of the loss node. */
typedef enum { GC_REDUCE_MEAN = 0, GC_REDUCE_SUM = 1, GC_REDUCE_NONE = 2 } GcReduction;

Tensor *gc_loss(OpCode op, Tensor *pred, Tensor *target, GcReduction reduction);

#endif

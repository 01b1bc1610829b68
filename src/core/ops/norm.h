/*
 * norm.h - batch and layer normalisation (norm.c). Each returns a new tensor
 * (the caller owns one reference), or NULL with gc_error() set.
 */
#ifndef GRADCALC_OPS_NORM_H
#define GRADCALC_OPS_NORM_H

#include "core/op_table.h"

/* x [N, C, ...]; w and b [C] (NULL: 1 and 0); running_mean and running_var
 * [C] or NULL (needed when not training). Training normalises with the
 * batch's biased variance and updates the running statistics in place:
 * r = (1 − momentum)×r + momentum×batch value (unbiased variance). */
Tensor *gc_batch_norm(Tensor *x, Tensor *w, Tensor *b, Tensor *running_mean, Tensor *running_var,
                      int training, double momentum, double eps);

/* Normalises over the last ndim dims of x, whose sizes are shape;
 * w and b have that shape (NULL: 1 and 0). */
Tensor *gc_layer_norm(Tensor *x, int ndim, const int64_t *shape, Tensor *w, Tensor *b, double eps);

#endif

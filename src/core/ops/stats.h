/*
 * stats.h - variance, std, logsumexp and norm (stats.c). Each returns a new
 * tensor (the caller owns one reference), or NULL with gc_error() set.
 * dim is 0-based, or GC_ALL_DIMS for every element.
 */
#ifndef GRADCALC_OPS_STATS_H
#define GRADCALC_OPS_STATS_H

#include "core/op_table.h"

/* op is OP_VARIANCE or OP_STD; unbiased divides by n − 1, else by n. */
Tensor *gc_variance(OpCode op, Tensor *x, int dim, int unbiased, int keepdim);
Tensor *gc_logsumexp(Tensor *x, int dim, int keepdim);
/* (Σ |x|^p)^(1/p) over every element; p may be ±inf (max or min of |x|) or 0. */
Tensor *gc_norm(Tensor *x, double p);

#endif

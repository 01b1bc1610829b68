/*
 * masking.h - ops that keep, drop or bound elements: dropout, where
 * (and masked_fill), tril, triu, clamp (masking.c). Each returns a new
 * tensor (the caller owns one reference), or NULL with gc_error() set.
 */
#ifndef GRADCALC_OPS_MASKING_H
#define GRADCALC_OPS_MASKING_H

#include "core/op_table.h"

/* Zeroes each element with probability p (gradcalc's seeded generator) and
 * scales the rest by 1/(1 − p); not training, x itself (a new reference). */
Tensor *gc_dropout(Tensor *x, double p, int training);
/* cond ? a : b elementwise, the three broadcast; cond is nonzero for true. */
Tensor *gc_where(Tensor *cond, Tensor *a, Tensor *b);
/* Keeps the elements on and below (tril) or on and above (triu) diagonal k
 * of the last two dims; the others become 0. */
Tensor *gc_tri(Tensor *x, int64_t k, int upper);
/* min(max(x, lo), hi); has_lo / has_hi say which bounds there are. */
Tensor *gc_clamp(Tensor *x, int has_lo, double lo, int has_hi, double hi);

#endif

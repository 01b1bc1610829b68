/*
 * index.h - index_select (index.c): rows (or slices along any dim) picked
 * by a list of indices, with repeats. Returns a new tensor (the caller owns
 * one reference), or NULL with gc_error() set. dim is 0-based; the indices
 * in idx are 1-based, as the learner wrote them.
 */
#ifndef GRADCALC_OPS_INDEX_H
#define GRADCALC_OPS_INDEX_H

#include "core/op_table.h"

Tensor *gc_index_select(Tensor *a, int dim, Tensor *idx);

#endif

/*
 * shape.h - transpose, reshape, select, narrow, cat and stack (shape.c). Each returns a new tensor (the caller
 * owns one reference), or NULL with gc_error() set. dims are 0-based here.
 */
#ifndef GRADCALC_OPS_SHAPE_H
#define GRADCALC_OPS_SHAPE_H

#include "core/op_table.h"

Tensor *gc_transpose(Tensor *a, int d1, int d2);
Tensor *gc_reshape(Tensor *a, int ndim, const int64_t *shape);
Tensor *gc_select(Tensor *a, int dim, int64_t index);
Tensor *gc_narrow(Tensor *a, int dim, int64_t start, int64_t length);
Tensor *gc_cat(int n, Tensor **list, int dim);
Tensor *gc_stack(int n, Tensor **list, int dim);

#endif

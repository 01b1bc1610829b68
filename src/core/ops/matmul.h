/*
 * matmul.h - matrix products (with batches) (matmul.c). Each returns a new tensor (the caller
 * owns one reference), or NULL with gc_error() set. dims are 0-based here.
 */
#ifndef GRADCALC_OPS_MATMUL_H
#define GRADCALC_OPS_MATMUL_H

#include "core/op_table.h"

Tensor *gc_matmul(Tensor *a, Tensor *b);

/* Σᵢ aᵢbᵢ of two 1-d tensors of the same length, recorded as a matmul. */
Tensor *gc_dot(Tensor *a, Tensor *b);

/* Offset of batch number index (of the broadcast batch shape batch[bdim])
 * inside operand t, whose batch dims may broadcast. */
int64_t gc_matmul_batch_offset(const Tensor *t, int bdim, const int64_t *batch, int64_t index);

#endif

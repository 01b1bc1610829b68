/*
 * pool.h - max and average pooling over images (pool.c). Each returns a new
 * tensor (the caller owns one reference), or NULL with gc_error() set.
 */
#ifndef GRADCALC_OPS_POOL_H
#define GRADCALC_OPS_POOL_H

#include "core/op_table.h"

/* x [N, C, H, W] or [C, H, W]; kernel, stride and padding per dim (h, w).
 * op is OP_MAX_POOL2D or OP_AVG_POOL2D. */
Tensor *gc_pool2d(OpCode op, Tensor *x, const int64_t kernel[2], const int64_t stride[2],
                  const int64_t padding[2]);

#endif

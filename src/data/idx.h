/*
 * idx.h - the IDX format of MNIST and Fashion-MNIST (idx.c), gzipped or not.
 *
 * An IDX file is 0, 0, a type byte, the number of dims, each size as a
 * big-endian 32-bit number, then the values in row-major order, big-endian.
 */
#ifndef GRADCALC_DATA_IDX_H
#define GRADCALC_DATA_IDX_H

#include "core/tensor.h"

/*
 * Reads the IDX file at path into a new tensor whose values are
 * scale×v + offset. channel inserts a dim of size 1 after the first
 * ([N, 28, 28] becomes [N, 1, 28, 28]). Sizes are checked against the
 * file before anything is allocated; a truncated, corrupt or lying file
 * is an error naming who and the path. NULL with gc_error() set.
 */
Tensor *gc_idx_read(const char *path, double scale, double offset, int channel, const char *who);

#endif

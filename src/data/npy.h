/*
 * npy.h - NumPy's .npy format (npy.c): one array, a text header then the
 * raw values. gradcalc writes float64 in C order, and reads float64,
 * float32, the integer types and bool (as float64), either byte order,
 * C or Fortran order.
 */
#ifndef GRADCALC_DATA_NPY_H
#define GRADCALC_DATA_NPY_H

#include <stddef.h>

#include "core/tensor.h"

#define GC_NPY_MAGIC     "\x93NUMPY"
#define GC_NPY_MAGIC_LEN 6

/* t as .npy bytes: a malloc'd buffer of *len bytes, or NULL (gc_error). */
unsigned char *gc_npy_encode(const Tensor *t, size_t *len, const char *who);

/* The tensor in the .npy bytes buf[0..len); name (the file, or the file
 * and the entry of an .npz) goes into errors. NULL with gc_error() set. */
Tensor *gc_npy_decode(const unsigned char *buf, size_t len, const char *name, const char *who);

#endif

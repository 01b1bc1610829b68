/*
 * create.h - new tensors filled with values (create.c). Each returns a new
 * tensor (the caller owns one reference), or NULL with gc_error() set.
 */
#ifndef GRADCALC_CREATE_H
#define GRADCALC_CREATE_H

#include "core/tensor.h"

Tensor *gc_full(int ndim, const int64_t *shape, double value);
/* The n×m identity matrix. */
Tensor *gc_eye(int64_t n, int64_t m);
/* a, a + step, ... up to (not including) b, as torch.arange. */
Tensor *gc_arange(double a, double b, double step);
/* n points from a to b, both included. */
Tensor *gc_linspace(double a, double b, int64_t n);
/* Uniform in [0, 1), or standard normal, from the seeded generator. */
Tensor *gc_random(int ndim, const int64_t *shape, int normal);

#endif

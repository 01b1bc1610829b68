/*
 * print.h - tensors and numbers as text, at a settable precision
 * (significant digits).
 */
#ifndef GRADCALC_PRINT_H
#define GRADCALC_PRINT_H

#include <stddef.h>

#include "core/number.h"
#include "core/tensor.h"

/* A malloc'd string the caller frees, or NULL (out of memory). */
char *gc_format(const Tensor *t, int precision);

#endif

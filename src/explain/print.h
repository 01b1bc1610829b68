/*
 * print.h - tensors and numbers as text, at a settable precision
 * (significant digits).
 */
#ifndef GRADCALC_PRINT_H
#define GRADCALC_PRINT_H

#include <stddef.h>

#include "core/tensor.h"

extern int gc_print_precision;

/* "0.3775", "nan", "-inf"; returns buf. */
const char *gc_format_number(double v, int precision, char *buf, size_t size);

/* A malloc'd string the caller frees, or NULL (out of memory). */
char *gc_format(const Tensor *t, int precision);

#endif

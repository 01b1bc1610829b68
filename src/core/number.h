/*
 * number.h - how gradcalc writes one number, in values, errors and traces.
 */
#ifndef GRADCALC_NUMBER_H
#define GRADCALC_NUMBER_H

#include <stddef.h>

/* Significant digits printed, set by precision(n). */
extern int gc_print_precision;

/* "0.3775", "nan", "-inf" (never "-0"); returns buf. */
const char *gc_format_number(double v, int precision, char *buf, size_t size);

#endif

/*
 * number.c - one number as text: %g with the chosen significant digits.
 */
#include <math.h>
#include <stdio.h>

#include "core/number.h"

int gc_print_precision = 6;

const char *gc_format_number(double v, int precision, char *buf, size_t size)
{
    if (isnan(v))
        snprintf(buf, size, "nan");
    else if (isinf(v))
        snprintf(buf, size, v > 0 ? "inf" : "-inf");
    else
        snprintf(buf, size, "%.*g", precision, v == 0 ? 0.0 : v); /* no "-0" */
    return buf;
}

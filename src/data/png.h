/*
 * png.h - writing RGB pictures as PNG files (png.c), compressed with zlib.
 */
#ifndef GRADCALC_DATA_PNG_H
#define GRADCALC_DATA_PNG_H

#include <stddef.h>

/* The PNG file of a w×h picture of 8-bit RGB pixels, rows top to bottom:
 * a malloc'd buffer of *len bytes, or NULL with gc_error() set. */
unsigned char *gc_png_encode(const unsigned char *rgb, int w, int h, size_t *len, const char *who);

#endif

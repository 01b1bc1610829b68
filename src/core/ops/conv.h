/*
 * conv.h - convolutions over images and sequences (conv.c), lowered to
 * matrix products (im2col + dgemm). Each returns a new tensor (the caller
 * owns one reference), or NULL with gc_error() set.
 */
#ifndef GRADCALC_OPS_CONV_H
#define GRADCALC_OPS_CONV_H

#include "core/op_table.h"

/* The options of a convolution, per spatial dim (height, width). */
typedef struct ConvOptions {
    int64_t stride[2], padding[2], dilation[2];
    int64_t groups;
} ConvOptions;

/* A convolution's sizes as conv.c reads them: x [N, C, H, W], w [O, C/G, kH, kW], out [N, O,
 * OH, OW] (H = kH = 1 for conv1d), the stride s, padding p and dilation d per dim, G groups. */
typedef struct ConvGeometry {
    int64_t N, C, H, W; /* input */
    int64_t O, kH, kW;  /* kernel */
    int64_t OH, OW;     /* output */
    int64_t sH, sW, pH, pW, dH, dW, G;
    int batched, one_d;
} ConvGeometry;

/* The sizes of out, a result of gc_conv (whose inputs were checked when it was made). */
void gc_conv_geometry(const Tensor *out, ConvGeometry *g);

/* x [N, C, H, W] or [C, H, W]; w [O, C/groups, kH, kW]; b [O] or NULL.
 * one_d: x is [N, C, L] or [C, L] and w [O, C/groups, k] (conv1d), seen as H = 1. */
Tensor *gc_conv(Tensor *x, Tensor *w, Tensor *b, const ConvOptions *opt, int one_d);

#endif

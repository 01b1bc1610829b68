/*
 * trace_images.h - the working that traces print under the line of an
 * image op (conv, pooling, batch/layer norm, dropout) for small inputs:
 * trace_forward.c and trace_backward.c call these two hooks for every node,
 * and they write nothing for the other ops.
 */
#ifndef GRADCALC_TRACE_IMAGES_H
#define GRADCALC_TRACE_IMAGES_H

#include "explain/trace_view.h"

/* Lines under node k's forward trace line. */
void gc_trace_detail_forward(const View *v, Text *out, int64_t k);

/* Lines in the backward block of input slot of node ku, after the gradient g
 * that input gets from ku. */
void gc_trace_detail_backward(const View *v, Text *out, int64_t ku, int slot, const Tensor *g);

#endif

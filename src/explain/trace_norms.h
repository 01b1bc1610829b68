/*
 * trace_norms.h - the working of batch_norm, layer_norm and dropout in the
 * traces (trace_norms.c), called through the hooks of trace_images.h.
 */
#ifndef GRADCALC_TRACE_NORMS_H
#define GRADCALC_TRACE_NORMS_H

#include "explain/trace_view.h"

/* Node k (batch_norm or layer_norm): μ, σ², x̂ and y per channel or row. */
void gc_trace_norm_forward(const View *v, Text *out, int64_t k);
/* In the block of an input of norm ku (in its slot): g is the gradient that input got. */
void gc_trace_norm_backward(const View *v, Text *out, int64_t ku, int slot, const Tensor *g);
/* Node k (dropout): its mask. */
void gc_trace_dropout_forward(const View *v, Text *out, int64_t k);
/* In the block of dropout ku's input: ∂L/∂x = ∂L/∂y × m. */
void gc_trace_dropout_backward(const View *v, Text *out, int64_t ku);

#endif

/*
 * custom.h - ops whose forward and backward are written by the learner
 * (custom.c): the engine records them like any other node.
 */
#ifndef GRADCALC_OPS_CUSTOM_H
#define GRADCALC_OPS_CUSTOM_H

#include "core/op_table.h"

/* A node of op custom over inputs whose values are result's (computed by
 * the learner's forward). When it is recorded, hook is its backward and the
 * node owns it; otherwise hook is released at once. NULL with gc_error()
 * set (and hook released) on failure. */
Tensor *gc_custom(int ninputs, Tensor **inputs, const Tensor *result, GcHook *hook);

#endif

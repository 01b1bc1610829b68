/*
 * autograd.h - recording ops as graph nodes and running backward over them
 * (autograd.c).
 */
#ifndef GRADCALC_AUTOGRAD_H
#define GRADCALC_AUTOGRAD_H

#include "core/op_table.h"
#include "core/tensor.h"

/* Run with recording off (no_grad) while > 0. */
extern int gc_no_grad_depth;

/*
 * Backward from root. seed is the gradient of the final quantity with
 * respect to root (NULL: root must have one element, seed 1). Non-leaf
 * gradients are recomputed; leaf gradients accumulate. When accumulated
 * is not NULL it receives a malloc'd list of the leaves that already held a
 * gradient (the caller frees it), so the user can be told.
 */
int gc_backward(Tensor *root, const Tensor *seed, Tensor ***accumulated, int64_t *naccumulated);

/*
 * The nodes of root's graph in the order they ran (inputs before users).
 * Returns a malloc'd array the caller frees (no references taken), or NULL.
 */
Tensor **gc_topo_order(Tensor *root, int64_t *count);

/*
 * Applies op to inputs: checks shapes, computes, and records the node when
 * any input requires a gradient (and recording is on). Takes its own
 * references to the inputs. NULL with gc_error() set on failure.
 */
Tensor *gc_apply(OpCode op, int ninputs, Tensor **inputs, const OpArgs *args);

Tensor *gc_grad_of(Tensor *t); /* t->grad, allocated as zeros when missing */
int gc_needs_grad(const Tensor *t);

#endif

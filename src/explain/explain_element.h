/*
 * explain_element.h - the chain rule for one element of a tensor
 * (explain_element.c): explain(L, W, {at={i, j}}).
 */
#ifndef GRADCALC_EXPLAIN_ELEMENT_H
#define GRADCALC_EXPLAIN_ELEMENT_H

#include "explain/trace_view.h"

/* ∂root/∂var[at], at holding nat 1-based indices (one per dim of var), as a
 * sum of terms with their numbers, then the upstream gradients those terms
 * use, node by node up to root. root must have had its backward and hold
 * one element. A malloc'd text, or NULL with gc_error set. */
char *gc_explain_at(Tensor *root, Tensor *var, const int64_t *at, int nat, const TraceOptions *o);

#endif

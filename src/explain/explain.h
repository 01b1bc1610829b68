/*
 * explain.h - the chain rule from a root down to one variable (explain.c).
 */
#ifndef GRADCALC_EXPLAIN_H
#define GRADCALC_EXPLAIN_H

#include "explain/trace_view.h"

/* ∂root/∂var along every path from root to var. root must have had its
 * backward (root->grad set) and hold one element. */
char *gc_explain(Tensor *root, Tensor *var, const TraceOptions *opt);

/* 0 if root can be explained (a one-element result with a gradient), else
 * -1 with gc_error set; example is the call the message suggests. */
int gc_explain_check_root(const Tensor *root, const char *example);

#endif

/*
 * trace_forward.h - the forward trace, and the names t1, t2, ... it gives (trace_forward.c).
 */
#ifndef GRADCALC_TRACE_FORWARD_H
#define GRADCALC_TRACE_FORWARD_H

#include "explain/trace_view.h"

/* Names the unnamed results of root's graph t1, t2, ... (the numbers
 * continue after the largest t<k> already in the graph). Scalar constants
 * and intermediates the forward trace writes inline stay unnamed. */
int gc_trace_name_nodes(Tensor *root);

/* Every node as its formula, with numbers, and its value, one per line. */
char *gc_trace_forward(Tensor *root, const TraceOptions *opt);

#endif

/*
 * trace_backward.h - the backward trace, node by node (trace_backward.c).
 */
#ifndef GRADCALC_TRACE_BACKWARD_H
#define GRADCALC_TRACE_BACKWARD_H

#include "explain/trace_view.h"

/* The backward trace as one string per node (the order step() walks):
 * *blocks is a malloc'd array of *count malloc'd strings. */
/* When nodes is not NULL, *nodes is a malloc'd array (no references) of
 * the node each block is about. */
int gc_trace_backward_blocks(Tensor *root, const TraceOptions *opt, char ***blocks,
                             const Tensor ***nodes, int64_t *count);
char *gc_trace_backward(Tensor *root, const TraceOptions *opt);
void gc_trace_free_blocks(char **blocks, int64_t count);

#endif

/*
 * graph.h - pictures of a graph (graph.c): boxes in the terminal, and
 * Graphviz DOT.
 */
#ifndef GRADCALC_GRAPH_H
#define GRADCALC_GRAPH_H

#include "explain/trace_view.h"

char *gc_graph_boxes(Tensor *root, const TraceOptions *opt, int max_nodes);
char *gc_graph_dot(Tensor *root, const TraceOptions *opt);

#endif

/*
 * trace.h - the computation graph as text a learner can follow by hand.
 *
 * Plain C, no Lua. Every printer walks the graph of a root tensor (see
 * gc_topo_order) and returns a malloc'd string the caller frees, or NULL
 * with gc_error() set:
 *   gc_trace_forward   one line per node, in the order the nodes ran:
 *                      t1 = w1·x1 = 0.15×0.05 = 0.0075
 *   gc_trace_backward  the backward pass node by node, in reverse: local
 *                      derivative, incoming gradient, product, sum over paths
 *   gc_explain         the chain rule from the root down to one variable
 *   gc_graph_boxes     the graph drawn with box characters (graph.c)
 *   gc_graph_dot       the graph in Graphviz DOT (graph.c)
 * Numbers print with opt->precision significant digits; opt->round > 0
 * also rounds every intermediate result as hand arithmetic does.
 */
#ifndef GRADCALC_TRACE_H
#define GRADCALC_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "core/tensor.h"
#include "explain/text.h"

typedef struct TraceOptions {
    int precision; /* significant digits printed */
    int round;     /* 0, or the significant digits every intermediate is rounded to */
} TraceOptions;

/* The nodes of root's graph in the order they ran (creation order), as
 * gc_topo_order returns them (a malloc'd array the caller frees). */
Tensor **gc_trace_order(Tensor *root, int64_t *count);

/* Names the unnamed results of root's graph t1, t2, ... (the numbers
 * continue after the largest t<k> already in the graph). Scalar constants
 * and intermediates the forward trace writes inline stay unnamed. */
int gc_trace_name_nodes(Tensor *root);

char *gc_trace_forward(Tensor *root, const TraceOptions *opt);

/* The backward trace as one string per node (the order step() walks):
 * *blocks is a malloc'd array of *count malloc'd strings. */
int gc_trace_backward_blocks(Tensor *root, const TraceOptions *opt, char ***blocks, int64_t *count);
char *gc_trace_backward(Tensor *root, const TraceOptions *opt);
void gc_trace_free_blocks(char **blocks, int64_t count);

/* ∂root/∂var along every path from root to var. root must have had its
 * backward (root->grad set) and hold one element. */
char *gc_explain(Tensor *root, Tensor *var, const TraceOptions *opt);

char *gc_graph_boxes(Tensor *root, const TraceOptions *opt, int max_nodes);
char *gc_graph_dot(Tensor *root, const TraceOptions *opt);

/* Terminal text as Markdown, with each formula line as LaTeX math. */
char *gc_trace_markdown(const char *text, const char *title);

/* Writes text to path.tmp, then renames it to path: a reader never sees
 * half a file. 0, or -1 with gc_error() naming who and the path. */
int gc_write_atomic(const char *path, const char *text, const char *who);
/* The same for len bytes that may hold NULs (binary files). */
int gc_write_atomic_bytes(const char *path, const void *bytes, size_t len, const char *who);

/* ---- shared by trace.c and graph.c ------------------------------------- */

/* Tensors with more elements print as shape and min/mean/max. */
#define GC_TRACE_SMALL 8

/* v rounded to opt->round significant digits (unchanged when it is 0). */
double gc_trace_round(const TraceOptions *opt, double v);

/* Values as "0.15", "[0.1, 0.2]", or for big tensors "shape [100, 10]: min … mean … max …". */
void gc_text_values(Text *out, const Tensor *t, const double *data, const TraceOptions *opt);

/* A node's display name: its name, or its value for an unnamed scalar
 * constant, or "?" */
const char *gc_trace_label(const Tensor *t, const TraceOptions *opt, char *buf, size_t size);

#endif

/*
 * trace_view.h - trace options, and what the three printers (trace_forward.c, trace_backward.c,
 * explain.c) share: one View of a graph and the formulas of its nodes
 * (trace_view.c).
 *
 * A View holds the nodes in the order they ran (gc_topo_order), for each
 * node the edges to the nodes that use it, and the scalar values as the
 * trace computes them, so that with rounding on every printed number is
 * exactly what hand arithmetic gives.
 */
#ifndef GRADCALC_TRACE_VIEW_H
#define GRADCALC_TRACE_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "core/tensor.h"
#include "explain/text.h"

typedef struct TraceOptions {
    int precision; /* significant digits printed */
    int round;     /* 0, or the significant digits every intermediate is rounded to */
    int full;      /* tensors of up to this many elements show every value (0: GC_TRACE_SMALL) */
} TraceOptions;

/* The nodes of root's graph in the order they ran (creation order), as
 * gc_topo_order returns them (a malloc'd array the caller frees). */
Tensor **gc_trace_order(Tensor *root, int64_t *count);

/* Tensors with more elements print as shape and min/mean/max. */
#define GC_TRACE_SMALL 16

/* Whether t's values are written out (up to o->full of them, GC_TRACE_SMALL by default). */
int tv_whole(const TraceOptions *o, const Tensor *t);

/* The working under an op's line (trace_images.c) writes out this many
 * outputs, windows or channels, and counts the rest. */
#define GC_DETAIL_LINES 16

/* "  … and 3 more windows", when total is more than the shown. */
void tv_more(Text *out, int64_t shown, int64_t total, const char *what);

/* v rounded to opt->round significant digits (unchanged when it is 0). */
double gc_trace_round(const TraceOptions *opt, double v);

/* Values as "0.15", "[0.1, 0.2]", or for big tensors "shape [100, 10]: min … mean … max …". */
void gc_text_values(Text *out, const Tensor *t, const double *data, const TraceOptions *opt);

/* A node's display name: its name, or its value for an unnamed scalar
 * constant, or "?" */
const char *gc_trace_label(const Tensor *t, const TraceOptions *opt, char *buf, size_t size);

/* ---- for the printers only ---------------------------------------------- */

/* v rounded as the options say: short, as it appears in every formula. */
#define rnd gc_trace_round

typedef struct Pair {
    const Tensor *t;
    int64_t i;
} Pair;

typedef struct View {
    Tensor **order; /* inputs before users */
    int64_t n;
    Pair *sorted;    /* for finding a tensor's index */
    int64_t *ustart; /* users of node k: user[ustart[k] .. ustart[k+1]) */
    int64_t *user;
    int *uslot;           /* which input of the user node k is */
    unsigned char *inl;   /* written inside its user's formula */
    double *hand, *hgrad; /* scalar values and gradients as printed */
    TraceOptions o;
} View;

const char *tv_num(const TraceOptions *o, double v, char *buf, size_t size);
void tv_term(Text *out, const TraceOptions *o, double v);
int64_t tv_find(const View *v, const Tensor *t);
int tv_inlinable(const View *v, int64_t k);
void tv_view_close(View *v);
int tv_view_open(View *v, Tensor *root, const TraceOptions *o, const char *who);
int tv_is_constant(const Tensor *t);
int tv_is_elementwise(const Tensor *t);
/* d(loss)/d(input slot of u) given d(loss)/d(u) = seed (trace_backward.c). */
Tensor *tv_vjp(Tensor *u, int slot, Tensor *seed);
/* A tensor shaped like t, every element x (trace_backward.c). */
Tensor *tv_filled_like(const Tensor *t, double x);
void tv_formula(const View *v, Text *out, int64_t k, int numbers);
const char *tv_label(const View *v, int64_t k, char *buf, size_t size);
/* ", first factor" when u takes its input slot's tensor more than once, else nothing. */
void tv_slot_note(Text *out, const Tensor *u, int slot);
/* Input slot of node user, named as a use: "t3 = a×x", "t1×t1, first factor". */
void tv_use(const View *v, Text *out, int64_t user, int slot);
/* t's name in the working under a line: its label, or fallback for "?". */
const char *tv_name(const View *v, const Tensor *t, const char *fallback, char *buf, size_t size);
/* idx: the (0-based) index of element flat of a tensor of that shape. */
void tv_unravel(int ndim, const int64_t *shape, int64_t flat, int64_t *idx);
/* "[1,2,3]": element flat of a tensor of that shape, 1-based; "" for ndim 0. */
const char *tv_index(int ndim, const int64_t *shape, int64_t flat, char *buf, size_t size);
/* One number as the value of t: bare for a scalar, in t's brackets ([[0.8]]) else. */
void tv_shaped_num(Text *out, const TraceOptions *o, const Tensor *t, double x);

/* 0, or -1 with gc_error set when a value of v's graph was changed in place
 * since the forward pass: the working would mix new values with old
 * gradients. who names the caller in the message. */
int tv_check_unchanged(const View *v, const char *who);

#endif

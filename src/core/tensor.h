/*
 * tensor.h - the gradcalc engine: float64 tensors and reverse-mode autograd.
 *
 * Plain C, no Lua. A Tensor owns a contiguous row-major block of doubles.
 * Every op returns a new tensor; when an input requires a gradient the new
 * tensor also remembers the op and its inputs, so the graph builds itself as
 * the forward pass runs, and gc_backward walks it in reverse.
 *
 * Ownership: tensors are reference counted. A function returning Tensor *
 * hands the caller one reference (release it with gc_release). On failure
 * it returns NULL, changes nothing, and gc_error() tells why.
 */
#ifndef GRADCALC_TENSOR_H
#define GRADCALC_TENSOR_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define GC_MAXDIM    8
#define GC_MAX_BYTES ((int64_t)8 << 30) /* one tensor may hold 8 GiB */

typedef struct OpDef OpDef;
typedef struct Tensor Tensor;

/* Scalar arguments an op was called with, kept for backward and traces. */
typedef struct OpArgs {
    double scalar; /* leaky_relu slope, ... */
    int dim, dim2; /* 0-based dims */
    int keepdim;
    int64_t start, length;
    int ndim;                    /* reshape's target shape, read only while */
    const int64_t *shape;        /* the op is applied (NULL afterwards) */
    double scalar2;              /* a second number: clamp's upper bound */
    int32_t ints[8];             /* conv and pooling geometry, flags (see each op's file) */
    const struct Tensor *source; /* custom: the values its forward computed (while applied) */
} OpArgs;

/* A backward written outside the engine: a custom op's, in Lua. The op's
 * kernel calls backward, which adds into the inputs' gradients (0, or -1
 * with gc_error set); release runs when the node is freed. */
typedef struct GcHook {
    int (*backward)(Tensor *out, struct GcHook *self);
    void (*release)(struct GcHook *self);
    char name[32]; /* the op's name in traces ("mysig") */
} GcHook;

struct Tensor {
    int refcount;
    int ndim;
    int64_t shape[GC_MAXDIM];
    int64_t numel;
    double *data;
    Tensor *grad;        /* NULL until a backward reaches this tensor */
    char *name;          /* NULL when unnamed */
    int name_from_trace; /* the name is a trace's t1, t2, ..., not the learner's */
    int requires_grad;
    unsigned version; /* bumped by every in-place change */
    uint64_t id;      /* creation order, for traces */

    /* The op that made this tensor; NULL for leaves. */
    const OpDef *op;
    int ninputs;
    Tensor **inputs;
    unsigned *input_versions;
    unsigned saved_version; /* own version when made, for ops that reuse their output */
    OpArgs args;
    Tensor *saved;     /* extra values an op keeps for backward (indices, ...) */
    Tensor *next_dead; /* worklist link while being freed */
    uint64_t visit;    /* graph walks mark what they have seen */
    GcHook *hook;      /* a custom op's backward, or NULL */
};

/* ---- errors and interruption ------------------------------------------ */

const char *gc_error(void);
void gc_set_error(const char *fmt, ...);
/* Set from a signal handler; long loops poll it and fail with "interrupted". */
extern volatile sig_atomic_t gc_interrupt;
int gc_interrupted(void);

/* ---- life cycle ---------------------------------------------------------- */

Tensor *gc_new(int ndim, const int64_t *shape); /* zero filled */
/* With room for ninputs inputs; values zeroed or left for the caller to write. */
Tensor *gc_new_node(int ndim, const int64_t *shape, int ninputs, int zeroed);
Tensor *gc_new_like(const Tensor *t);
Tensor *gc_scalar(double v); /* 0-d tensor */
void gc_retain(Tensor *t);
void gc_release(Tensor *t); /* frees iteratively: a million-node chain is fine */
int gc_set_name(Tensor *t, const char *name);
Tensor *gc_copy(const Tensor *t); /* values only: a new leaf */
Tensor *gc_detach(Tensor *t);     /* same as gc_copy, named "detach" for the API */

/* Live tensors and the bytes they take (values and header). */
int64_t gc_live_tensors(void);
int64_t gc_live_bytes(void);
int64_t gc_tensor_bytes(const Tensor *t);

/* ---- shapes -------------------------------------------------------------- */

/* numel of a shape, or -1 (with gc_error set) when it is too large. */
int64_t gc_shape_numel(int ndim, const int64_t *shape, const char *who);
int gc_same_shape(const Tensor *a, const Tensor *b);
/* "[2, 3]" into buf */
const char *gc_shape_str(int ndim, const int64_t *shape, char *buf, size_t size);
/* Normalise a 0-based dim that may be negative; -1 on error (message names who). */
int gc_norm_dim(int dim, int ndim, const char *who);

/* Views a tensor as [outer, size of dim, inner] around one dim. */
void gc_split_at(const Tensor *t, int dim, int64_t *outer, int64_t *size, int64_t *inner);

#endif

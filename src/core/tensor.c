/*
 * tensor.c - the tensor type: allocation, reference counts, shapes, errors,
 * and the in-place updates (which are never recorded in the graph).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "core/tensor.h"

/* ---- errors -------------------------------------------------------------- */

static char error_text[512];
volatile sig_atomic_t gc_interrupt = 0;

const char *gc_error(void) { return error_text; }

void gc_set_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error_text, sizeof error_text, fmt, ap);
    va_end(ap);
}

int gc_interrupted(void)
{
    if (!gc_interrupt) return 0;
    gc_set_error("interrupted");
    return 1;
}

/* ---- shapes -------------------------------------------------------------- */

int64_t gc_shape_numel(int ndim, const int64_t *shape, const char *who)
{
    int64_t n = 1;
    if (ndim > GC_MAXDIM) {
        gc_set_error("%s: at most %d dimensions are supported, got %d", who, GC_MAXDIM, ndim);
        return -1;
    }
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) {
            gc_set_error("%s: size %lld of dimension %d is negative", who, (long long)shape[i],
                         i + 1);
            return -1;
        }
        /* multiply with an overflow check before anything is allocated */
        if (shape[i] != 0 && n > GC_MAX_BYTES / (int64_t)sizeof(double) / shape[i]) {
            char buf[128];
            gc_set_error("%s: a tensor of shape %s is too large (the limit is %lld MiB)", who,
                         gc_shape_str(ndim, shape, buf, sizeof buf),
                         (long long)(GC_MAX_BYTES >> 20));
            return -1;
        }
        n *= shape[i];
    }
    return n;
}

int gc_same_shape(const Tensor *a, const Tensor *b)
{
    if (a->ndim != b->ndim) return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i]) return 0;
    return 1;
}

const char *gc_shape_str(int ndim, const int64_t *shape, char *buf, size_t size)
{
    size_t used = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < ndim && used < size; i++)
        used +=
            (size_t)snprintf(buf + used, size - used, i ? ", %lld" : "%lld", (long long)shape[i]);
    if (used < size) snprintf(buf + used, size - used, "]");
    return buf;
}

int gc_norm_dim(int dim, int ndim, const char *who)
{
    int d = dim < 0 ? dim + ndim : dim;
    if (d < 0 || d >= ndim || ndim == 0) {
        if (ndim == 0)
            gc_set_error("%s: a 0-d tensor has no dimension %d", who, dim < 0 ? dim : dim + 1);
        else
            gc_set_error("%s: dimension %d is out of range for a %d-d tensor "
                         "(expected 1..%d or -%d..-1)",
                         who, dim < 0 ? dim : dim + 1, ndim, ndim, ndim);
        return -1;
    }
    return d;
}

/* ---- life cycle ---------------------------------------------------------- */

static int64_t live_tensors = 0, live_bytes = 0;
static uint64_t next_id = 1;

int64_t gc_live_tensors(void) { return live_tensors; }
int64_t gc_live_bytes(void) { return live_bytes; }

int64_t gc_tensor_bytes(const Tensor *t)
{
    return (int64_t)((char *)t->data - (char *)t) + t->numel * (int64_t)sizeof(double);
}

/*
 * Small blocks are recycled: a training step makes and drops hundreds of
 * tensors of a few hundred bytes, and malloc would otherwise be most of its
 * cost. Freed blocks wait in a list per size class (multiples of 64 bytes).
 */
#define CLASS_BYTES    64
#define CLASSES        16 /* blocks up to 1 KiB are recycled */
#define KEEP_PER_CLASS 4096
static void *spare[CLASSES];
static int nspare[CLASSES];

/*
 * Big blocks are kept too, a few, by exact size: a training loop asks for
 * the same sizes every step, and a fresh block from the system costs a page
 * fault per 4 KiB, more than the arithmetic done in it. They hold at most
 * BIG_KEEP_BYTES, or as much as the live tensors when that is more.
 */
#define BIG_KEEP       8
#define BIG_KEEP_BYTES ((size_t)128 << 20)
static struct {
    void *block;
    size_t size;
} big[BIG_KEEP];
static int nbig;
static size_t big_bytes;

static void *big_take(size_t size)
{
    for (int i = nbig - 1; i >= 0; i--) {
        if (big[i].size != size) continue;
        void *block = big[i].block;
        big_bytes -= size;
        big[i] = big[--nbig];
        return block;
    }
    return NULL;
}

static int big_keep(void *block, size_t size)
{
    size_t cap = (size_t)live_bytes > BIG_KEEP_BYTES ? (size_t)live_bytes : BIG_KEEP_BYTES;
    if (size > cap) return 0;
    while (nbig > 0 && (nbig == BIG_KEEP || big_bytes + size > cap)) {
        free(big[0].block); /* the oldest goes */
        big_bytes -= big[0].size;
        memmove(big, big + 1, (size_t)--nbig * sizeof big[0]);
    }
    big[nbig].block = block, big[nbig].size = size;
    nbig++;
    big_bytes += size;
    return 1;
}

/* The first `clear` bytes of the block are zero. */
static void *block_alloc(size_t size, size_t clear)
{
    size_t cls = (size + CLASS_BYTES - 1) / CLASS_BYTES - 1;
    if (cls < CLASSES && spare[cls]) {
        void *block = spare[cls];
        spare[cls] = *(void **)block;
        nspare[cls]--;
        memset(block, 0, clear);
        return block;
    }
    if (cls >= CLASSES) {
        void *block = big_take(size);
        if (block) return memset(block, 0, clear);
    }
    if (cls < CLASSES) size = (cls + 1) * CLASS_BYTES;
    if (clear == size) return calloc(1, size); /* fresh pages come zeroed */
    void *block = malloc(size);
    if (block) memset(block, 0, clear);
    return block;
}

/*
 * Once releases have freed more than TRIM_BYTES, and more than is still
 * live (a big graph dropped), the lists are cut to TRIM_KEEP blocks each and
 * the C library is asked to give its free pages back: a long sitting that
 * once built a million-node graph does not keep its memory (measured: a
 * 1M-node chain, 646 MB while alive, left 646 MB after it was dropped; now
 * 7 MB).
 */
#define TRIM_BYTES ((int64_t)32 << 20)
#define TRIM_KEEP  256

static void give_back(void)
{
    for (int cls = 0; cls < CLASSES; cls++)
        while (nspare[cls] > TRIM_KEEP) {
            void *block = spare[cls];
            spare[cls] = *(void **)block;
            nspare[cls]--;
            free(block);
        }
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

static void block_free(void *block, size_t size)
{
    size_t cls = (size + CLASS_BYTES - 1) / CLASS_BYTES - 1;
    if (cls < CLASSES && nspare[cls] < KEEP_PER_CLASS) {
        *(void **)block = spare[cls];
        spare[cls] = block;
        nspare[cls]++;
    } else if (cls >= CLASSES && big_keep(block, size)) {
        /* kept for the next block of this size */
    } else {
        free(block);
    }
}

/* One allocation holds the header, the input lists and the values. Values
 * are left unset (not zeroed) when the caller writes every one of them. */
Tensor *gc_new_node(int ndim, const int64_t *shape, int ninputs, int zeroed)
{
    int64_t n = gc_shape_numel(ndim, shape, "tensor");
    if (n < 0) return NULL;
    size_t header = sizeof(Tensor) + (size_t)ninputs * (sizeof(Tensor *) + sizeof(unsigned));
    header = (header + 15) & ~(size_t)15; /* values start aligned */
    size_t size = header + (size_t)n * sizeof(double);
    Tensor *t = block_alloc(size, zeroed ? size : header);
    if (!t) {
        gc_set_error("out of memory allocating %lld numbers", (long long)n);
        return NULL;
    }
    t->inputs = (Tensor **)(t + 1);
    t->input_versions = (unsigned *)(t->inputs + ninputs);
    t->data = (double *)((char *)t + header);
    t->refcount = 1;
    t->ndim = ndim;
    if (ndim) memcpy(t->shape, shape, (size_t)ndim * sizeof *shape);
    t->numel = n;
    t->id = next_id++;
    live_tensors++;
    live_bytes += (int64_t)size;
    return t;
}

Tensor *gc_new(int ndim, const int64_t *shape) { return gc_new_node(ndim, shape, 0, 1); }

Tensor *gc_new_like(const Tensor *t) { return gc_new(t->ndim, t->shape); }

Tensor *gc_scalar(double v)
{
    Tensor *t = gc_new(0, NULL);
    if (t) t->data[0] = v;
    return t;
}

void gc_retain(Tensor *t) { t->refcount++; }

/*
 * Releasing the last reference of a result releases its inputs, which may
 * release theirs: a chain of a million nodes. A worklist threaded through
 * the dying tensors keeps the C stack flat.
 */
void gc_release(Tensor *t)
{
    Tensor *dying = NULL;
#define DIES(x)                          \
    do {                                 \
        Tensor *x_ = (x);                \
        if (x_ && --x_->refcount == 0) { \
            x_->next_dead = dying;       \
            dying = x_;                  \
        }                                \
    } while (0)
    DIES(t);
    int64_t freed = 0;
    while (dying) {
        Tensor *d = dying;
        dying = d->next_dead;
        for (int i = 0; i < d->ninputs; i++) DIES(d->inputs[i]);
        DIES(d->saved);
        DIES(d->grad);
        if (d->hook) d->hook->release(d->hook);
        live_tensors--;
        live_bytes -= gc_tensor_bytes(d);
        freed += gc_tensor_bytes(d);
        free(d->name);
        block_free(d, (size_t)gc_tensor_bytes(d));
    }
    /* also when a graph dies a piece at a time, once most of what was
     * freed since the last time is no longer live */
    static int64_t freed_since_trim = 0;
    freed_since_trim += freed;
    if (freed_since_trim > TRIM_BYTES && live_bytes < freed_since_trim) {
        give_back();
        freed_since_trim = 0;
    }
#undef DIES
}

int gc_set_name(Tensor *t, const char *name)
{
    char *copy = NULL;
    if (name) {
        copy = strdup(name);
        if (!copy) {
            gc_set_error("out of memory");
            return -1;
        }
    }
    free(t->name);
    t->name = copy;
    t->name_from_trace = 0;
    return 0;
}

Tensor *gc_copy(const Tensor *t)
{
    Tensor *c = gc_new_like(t);
    if (c) memcpy(c->data, t->data, (size_t)t->numel * sizeof(double));
    return c;
}

Tensor *gc_detach(Tensor *t) { return gc_copy(t); }

/* ---- views ---------------------------------------------------------------- */

void gc_split_at(const Tensor *t, int dim, int64_t *outer, int64_t *size, int64_t *inner)
{
    *outer = 1, *inner = 1;
    for (int d = 0; d < dim; d++) *outer *= t->shape[d];
    for (int d = dim + 1; d < t->ndim; d++) *inner *= t->shape[d];
    *size = t->shape[dim];
}

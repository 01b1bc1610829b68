/*
 * explain_terms.h - one element's gradient through one use, as a sum of
 * terms (explain_terms.c): for input `slot` of the node u and the element e
 * of that input, every element q of u's result that e took part in, with
 * the local partial ∂u[q]/∂input[e]. explain_element.c prints them.
 */
#ifndef GRADCALC_EXPLAIN_TERMS_H
#define GRADCALC_EXPLAIN_TERMS_H

#include <stdint.h>

#include "explain/trace_view.h"

/* How a term is written with its numbers (g is ∂L/∂u[q]). */
typedef enum TermStyle {
    TS_GRAD,       /* g: the local partial is 1 */
    TS_NEG,        /* −g */
    TS_GRAD_LOCAL, /* g×local */
    TS_LOCAL_GRAD, /* local×g */
    TS_GRAD_DIV,   /* g/aux */
    TS_SOFTMAX,    /* g×p_q×([q = j] − p_j), p = u's values, p_j at use->j */
    TS_LOG_SOFTMAX /* g×([q = j] − p_j), p_j = e^(u's value at use->j) */
} TermStyle;

typedef struct Term {
    int64_t q;    /* element of u's result (flat) */
    double local; /* ∂u[q]/∂input[e] */
    int delta;    /* softmax: q is the element's own position */
} Term;

typedef struct Use {
    const View *v;
    int64_t ku; /* the user node */
    int slot;   /* which of its inputs */
    int64_t e;  /* the element of that input (flat) */
    int bare;   /* u is the root with gradient 1: terms leave out the factor g */
    Term *terms;
    int64_t n, cap;
    Text rule;       /* the sum in symbols: "Σₙ X[n,1] × ∂L/∂t1[n,2]" */
    Text local_text; /* a single term's local factor with its numbers (losses) */
    TermStyle style;
    double aux;   /* TS_GRAD_DIV's divisor */
    int64_t j;    /* softmax: the element's own position in u's result */
    int opaque;   /* no terms: the share comes from the op's backward */
    double value; /* opaque: that share */
    int failed;   /* out of memory */
} Use;

/* ---- for the term functions (explain_terms.c, explain_terms_nn.c) ---- */

typedef char Pat[GC_MAXDIM][48]; /* one index per dim: "2", "n", "i+1" */

Tensor *et_user(const Use *s);
void et_unravel(const Tensor *t, int64_t flat, int64_t *idx);
int64_t et_ravel(const Tensor *t, const int64_t *idx);
void et_label(Text *out, const View *v, const Tensor *t);
void et_root(Text *out, const View *v);
/* The index pattern p of ndim dims: "[n,1]". */
void et_pat(Text *out, int ndim, Pat p);
/* t with the index pattern p: "X[n,1]" (a 0-d tensor has none). */
void et_pref(Text *out, const View *v, const Tensor *t, Pat p);
/* p: the 1-based numbers of flat's index in t */
void et_numbers(Pat p, const Tensor *t, int64_t flat);
/* Into the rule: "∂L/∂u[p] × " (nothing when u is the root, whose gradient
 * is 1), or "∂L/∂u[p]" ("1"). */
void et_g_times(Use *s, Pat p);
void et_g_ref(Use *s, Pat p);
/* "Σₙⱼ " over the index letters given */
void et_sigma(Text *out, const char *letters);
/* Adds the term (q, local); -1 when out of memory. */
int et_add(Use *s, int64_t q, double local, int delta);
/* Empties a Text for a new start. */
void et_reset(Text *t);

int et_loss_terms(Use *s);
int et_conv_terms(Use *s);
int et_shape_terms(Use *s);    /* transpose, reshape, select, narrow, cat */
int et_backward_terms(Use *s); /* any op: from its backward */

/* Fills use->terms, rule, style for the use (u, slot) of element e; 0, or -1
 * with gc_error set. */
int et_terms(Use *use);

/* "t1[1,2]", or "x" for a one-element tensor, into out. */
void et_ref(Text *out, const View *v, const Tensor *t, int64_t flat);
/* "∂L/∂t1[1,2]" */
void et_dref(Text *out, const View *v, const Tensor *t, int64_t flat);

void et_use_free(Use *use);

#endif

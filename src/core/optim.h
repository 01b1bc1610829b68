/*
 * optim.h - optimizers: SGD, RMSprop, Adam, Adagrad and AdamW, updating parameters in place
 * exactly as PyTorch's torch.optim classes of the same names do, and able
 * to print every update as equations with numbers (a trace).
 *
 * Plain C, no Lua: the binding (loptim.c) reads the options and calls these.
 */
#ifndef GRADCALC_OPTIM_H
#define GRADCALC_OPTIM_H

#include <stdio.h>

#include "core/optim_loops.h"
#include "core/tensor.h"

/* The defaults PyTorch uses for kind (SGD has no default lr: it is NAN). */
OptimConfig gc_optim_defaults(OptimKind kind);
const char *gc_optim_name(OptimKind kind); /* "SGD", "RMSprop", "Adam", ... */

typedef struct Optimizer {
    OptimConfig c;
    int n;           /* number of parameters */
    Tensor **params; /* one reference each */
    /* State per parameter, NULL until its first step with a gradient:
     *   SGD:     buf = momentum buffer v
     *   RMSprop: sq = running mean of g² (v), buf = momentum buffer
     *   Adam, AdamW: buf = first moment m, sq = second moment v
     *   Adagrad: sq = sum of g² */
    Tensor **buf, **sq;
    int64_t *steps; /* steps taken by each parameter (Adam's t) */
} Optimizer;

/*
 * A new optimizer over params (it takes a reference to each). Checks the
 * configuration and the parameters (leaves that require a gradient);
 * on failure returns NULL with gc_error() naming who.
 */
Optimizer *gc_optim_new(const OptimConfig *c, int n, Tensor **params, const char *who);
void gc_optim_free(Optimizer *o);
/* Checks a configuration; -1 with gc_error() set when a value is invalid. */
int gc_optim_check(const OptimConfig *c, const char *who);

/*
 * One update of every parameter that has a gradient (the others are
 * skipped). When trace is not NULL the update is written to it as
 * equations with numbers. Bumps each updated parameter's version, as the
 * in-place ops do, so a graph built from the old values refuses backward.
 * Returns 0, or -1 with gc_error() set (out of memory).
 */
int gc_optim_step(Optimizer *o, FILE *trace);
/* Clears the gradient of every parameter (grad becomes NULL). */
void gc_optim_zero_grad(Optimizer *o);

#endif

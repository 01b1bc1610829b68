/*
 * optim_loops.h - the optimizers' settings, and the untraced update of a
 * range of a parameter's elements:
 * one tight loop per optimizer, split over the cores for big parameters.
 * The arithmetic is the traced update's (optim.c), operation for operation,
 * so a traced and an untraced step give the same bits.
 */
#ifndef GRADCALC_OPTIM_LOOPS_H
#define GRADCALC_OPTIM_LOOPS_H

#include <stdint.h>

typedef enum OptimKind { GC_SGD, GC_RMSPROP, GC_ADAM, GC_ADAGRAD, GC_ADAMW } OptimKind;

typedef struct OptimConfig {
    OptimKind kind;
    double lr;
    double weight_decay;              /* L2: g ← g + λ×w before anything else */
    double momentum;                  /* SGD and RMSprop: μ */
    double dampening;                 /* SGD */
    int nesterov;                     /* SGD */
    double alpha;                     /* RMSprop: decay of the mean of g² */
    double beta1, beta2;              /* Adam, AdamW */
    double eps;                       /* RMSprop, Adam, Adagrad, AdamW */
    double lr_decay;                  /* Adagrad: lr/(1 + (t−1)×lr_decay) */
    double initial_accumulator_value; /* Adagrad: where the sum of g² starts */
} OptimConfig;

/* Updates elements [from, to) of one parameter w with gradient g and state
 * buf, sq (NULL when the optimizer keeps none), at step t (1 on the first). */
void gc_optim_loop(const OptimConfig *c, int64_t t, double *w, const double *g, double *buf,
                   double *sq, int64_t from, int64_t to);

#endif

/*
 * optim_loops.h - the untraced update of a range of a parameter's elements:
 * one tight loop per optimizer, split over the cores for big parameters.
 * The arithmetic is the traced update's (optim.c), operation for operation,
 * so a traced and an untraced step give the same bits.
 */
#ifndef GRADCALC_OPTIM_LOOPS_H
#define GRADCALC_OPTIM_LOOPS_H

#include "core/optim.h"

/* Updates elements [from, to) of parameter k (its state is allocated and
 * its step count already bumped). */
void gc_optim_loop(Optimizer *o, int k, int64_t from, int64_t to);

#endif

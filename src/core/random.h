/*
 * random.h - gradcalc's seeded generator (xoshiro256**): the same sequence
 * on every machine, so seed(n) makes lessons and tests reproducible.
 */
#ifndef GRADCALC_RANDOM_H
#define GRADCALC_RANDOM_H

#include <stdint.h>

void gc_seed(uint64_t seed);
double gc_uniform(void); /* [0, 1) */
double gc_normal(void);

#endif

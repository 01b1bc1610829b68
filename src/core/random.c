/*
 * random.c - random numbers that are the same on every machine for a seed:
 * xoshiro256** seeded through splitmix64, normals by Box-Muller.
 */
#include <math.h>

#include "core/random.h"

static uint64_t state[4] = { 0x9E3779B97F4A7C15u, 0xBF58476D1CE4E5B9u, 0x94D049BB133111EBu, 1 };

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next(void)
{
    uint64_t result = rotl(state[1] * 5, 7) * 9, t = state[1] << 17;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= t;
    state[3] = rotl(state[3], 45);
    return result;
}

void gc_seed(uint64_t seed)
{
    for (int i = 0; i < 4; i++) state[i] = splitmix64(&seed);
}

/* 53 random bits: every double in [0, 1) on a grid of 2^-53. */
double gc_uniform(void) { return (double)(next() >> 11) * 0x1.0p-53; }

double gc_normal(void)
{
    double u = 1.0 - gc_uniform(); /* (0, 1]: log(u) stays finite */
    double v = gc_uniform();
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

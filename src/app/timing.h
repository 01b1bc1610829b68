/*
 * timing.h - how long things take (timing.c): the clock, the way times
 * are written, and timeit().
 */
#ifndef GRADCALC_TIMING_H
#define GRADCALC_TIMING_H

#include <stddef.h>
#include <lua.h>

/* Seconds on a monotonic clock. */
double timing_now(void);
/* "12.3 ms": three digits and a unit. */
void timing_format_seconds(double seconds, char *buf, size_t size);
/* lua_CFunction timeit(f [, n]): runs f n times, prints the time of one. */
int timing_timeit(lua_State *L);

#endif

/*
 * timing.c - how long things take: the one clock gradcalc reads (for
 * :time at the prompt and for timeit), how a time is written, and
 * timeit(f [, n]) itself.
 */
#include <stdio.h>
#include <time.h>
#include <lua.h>
#include <lauxlib.h>
#include "app/timing.h"

double timing_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* timeit(f [, n]): runs f n times and prints the time of one run. */
int timing_timeit(lua_State *L)
{
    lua_Integer n = luaL_optinteger(L, 2, 1);
    double start, seconds;
    char text[64];
    luaL_checktype(L, 1, LUA_TFUNCTION);
    luaL_argcheck(L, n >= 1, 2, "the number of runs must be at least 1");
    start = timing_now();
    for (lua_Integer i = 0; i < n; i++) {
        lua_pushvalue(L, 1);
        lua_call(L, 0, 0);
    }
    seconds = (timing_now() - start) / (double)n;
    timing_format_seconds(seconds, text, sizeof text);
    if (n == 1)
        printf("time: %s\n", text);
    else
        printf("time: %s per run (%lld runs)\n", text, (long long)n);
    return 0;
}

void timing_format_seconds(double s, char *buf, size_t size)
{
    if (s < 1e-3)
        snprintf(buf, size, "%.3g us", s * 1e6);
    else if (s < 1)
        snprintf(buf, size, "%.3g ms", s * 1e3);
    else
        snprintf(buf, size, "%.3g s", s);
}

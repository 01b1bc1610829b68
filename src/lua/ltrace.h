/*
 * ltrace.h - traces, explain, step and graph pictures for Lua (ltrace.c).
 */
#ifndef GRADCALC_LTRACE_H
#define GRADCALC_LTRACE_H

#include <lua.h>

/* Adds trace, explain, graph... (and their help, in _docs) to the module
 * table on top of the stack. */
void lgc_open_trace(lua_State *L);
/* Prints the backward trace of the tensor at root_idx with the options
 * table at opts (backward{trace=true, ...}); 0 results. */
int lgc_backward_trace(lua_State *L, int root_idx, int opts);

#endif

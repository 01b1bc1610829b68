/*
 * lautograd.h - backward, no_grad and the in-place updates for Lua
 * (lautograd.c).
 */
#ifndef GRADCALC_LAUTOGRAD_H
#define GRADCALC_LAUTOGRAD_H

#include <lua.h>

/* Adds backward, zero_grad, ... (and their help) to the module table on
 * top of the stack, and as tensor methods. */
void lgc_open_autograd(lua_State *L);

#endif

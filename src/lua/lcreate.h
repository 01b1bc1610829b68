/*
 * lcreate.h - the functions that make tensors (lcreate.c).
 */
#ifndef GRADCALC_LCREATE_H
#define GRADCALC_LCREATE_H

#include <lua.h>

/* Adds tensor, var, zeros, ... (and their help) to the module table on top of the stack. */
void lgc_open_create(lua_State *L);

#endif

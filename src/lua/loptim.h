/*
 * loptim.h - optimizers for Lua (loptim.c).
 */
#ifndef GRADCALC_LOPTIM_H
#define GRADCALC_LOPTIM_H

#include <lua.h>

/* Adds optim (and their help, in _docs) to the module
 * table on top of the stack. */
void lgc_open_optim(lua_State *L);

#endif

/*
 * lgradcheck.h - gradcheck (lgradcheck.c).
 */
#ifndef GRADCALC_LGRADCHECK_H
#define GRADCALC_LGRADCHECK_H

#include <lua.h>

/* Adds its function (and help, in _docs) to the module table on top of the stack. */
void lgc_open_gradcheck(lua_State *L);

#endif

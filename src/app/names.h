/*
 * names.h - tensors named after the globals that hold them (names.c).
 */
#ifndef GRADCALC_NAMES_H
#define GRADCALC_NAMES_H

#include <lua.h>

/* Names every unnamed tensor held by a global after that global. */
void names_from_globals(lua_State *L);

#endif

/*
 * complete.h - Tab completion at the gradcalc prompt (complete.c).
 */
#ifndef GRADCALC_COMPLETE_H
#define GRADCALC_COMPLETE_H

#include <lua.h>

/* Sets readline up to complete the names reachable in L. */
void complete_init(lua_State *L);

#endif

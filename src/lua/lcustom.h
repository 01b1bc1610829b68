/*
 * lcustom.h - custom ops written in Lua (lcustom.c).
 */
#ifndef GRADCALC_LCUSTOM_H
#define GRADCALC_LCUSTOM_H

#include <lua.h>

/* Adds custom (and its help) to the module table on top of the stack. */
void lgc_open_custom(lua_State *L);
/* 1 while a custom op's backward runs: backward() may not start again. */
int lgc_custom_busy(void);

#endif

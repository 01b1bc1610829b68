/*
 * llib.h - the parts of gradcalc written in Lua (the .lua files of src/lua/lib), built
 * into gradcalc.so as text so that a plain lua5.4 finds them too.
 */
#ifndef GRADCALC_LLIB_H
#define GRADCALC_LLIB_H

#include <lua.h>

/* Runs every built-in Lua file with the module table (at the top of the
 * stack) as its argument; each adds its own fields (nn, data, ...). */
void lgc_open_lualib(lua_State *L);

#endif

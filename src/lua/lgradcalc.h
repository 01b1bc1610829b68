/*
 * lgradcalc.h - the Lua binding of the gradcalc engine.
 *
 * luaopen_gradcalc pushes the module table (what `require "gradcalc"`
 * returns); gradcalc_install_globals copies its functions into _G, as the
 * gradcalc interpreter does at start-up.
 */
#ifndef GRADCALC_LGRADCALC_H
#define GRADCALC_LGRADCALC_H

#include <lua.h>

#define GRADCALC_VERSION "0.1.0"

int luaopen_gradcalc(lua_State *L);
void gradcalc_install_globals(lua_State *L);

#endif

/*
 * ldata.h - data files and indices for Lua (ldata.c): data.idx,
 * data.save, data.load, randperm, index_select, and the helpers of the
 * Lua half (_data).
 */
#ifndef GRADCALC_LDATA_H
#define GRADCALC_LDATA_H

#include <lua.h>

/* Adds data (the C half of it), randperm and index_select (a function and
 * a method), and their help, to the module table on top of the stack. */
void lgc_open_data(lua_State *L);

#endif

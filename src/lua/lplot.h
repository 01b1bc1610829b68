/*
 * lplot.h - plot (lplot.c).
 */
#ifndef GRADCALC_LPLOT_H
#define GRADCALC_LPLOT_H

#include <lua.h>

/* Adds its function (and help, in _docs) to the module table on top of the stack. */
void lgc_open_plot(lua_State *L);

#endif

/*
 * help.h - help() and ?name: the documentation at the prompt (help.c).
 */
#ifndef GRADCALC_HELP_H
#define GRADCALC_HELP_H

#include <lua.h>

/* Pushes the _docs table of the module at index module (creating it if
   the module has none). */
void help_push_docs(lua_State *L, int module);
/* lua_CFunction help([f]), with the module as upvalue 1: the tour, or the
   help of one function, tensor or name. */
int help_show(lua_State *L);

#endif

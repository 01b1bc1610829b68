/*
 * tools.h - the learner's helpers at the prompt, installed with their help
 * entries (tools.c).
 */
#ifndef GRADCALC_TOOLS_H
#define GRADCALC_TOOLS_H

#include <lua.h>

/* Defines help, who, timeit, lesson and lessons as globals and documents
   them in _docs; module is the index of the gradcalc module table. */
void tools_install(lua_State *L, int module);

#endif

/*
 * who.h - who(): the variables the learner has made (who.c).
 */
#ifndef GRADCALC_WHO_H
#define GRADCALC_WHO_H

#include <lua.h>

/* Remembers which globals exist now, so who() shows only the learner's. */
void who_mark_builtins(lua_State *L);
/* lua_CFunction who(): the learner's globals, sorted, each described. */
int who_list(lua_State *L);

#endif

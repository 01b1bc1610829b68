/*
 * lessons.h - the lesson host (lessons.c): finds the lessons folder and
 * gives its runner what it needs from the system.
 */
#ifndef GRADCALC_LESSONS_H
#define GRADCALC_LESSONS_H

#include <lua.h>

/* lua_CFunction lesson(n | file [, options]): runs one lesson. Leaves in
   the registry, as gradcalc.lesson_interrupted, whether Ctrl-C stopped it. */
int lessons_run(lua_State *L);
/* lua_CFunction lessons(): lists them, with the learner's progress. */
int lessons_list(lua_State *L);

#endif

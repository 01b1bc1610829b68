/*
 * repl.h - the read-eval-print loop (repl.c).
 */
#ifndef GRADCALC_REPL_H
#define GRADCALC_REPL_H

#include <lua.h>

/* Runs the REPL until end of input. With a terminal: prompts, line editing,
   history and completion; otherwise plain lines with no prompt. */
void repl_run(lua_State *L);

#endif

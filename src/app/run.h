/*
 * run.h - running Lua code protected and interruptible (run.c): every chunk
 * gradcalc runs for its user, and the Ctrl-C that stops it.
 */
#ifndef GRADCALC_RUN_H
#define GRADCALC_RUN_H

#include <signal.h>
#include <lua.h>

/*
 * Calls the function below nargs arguments on the stack, like lua_pcall,
 * with a traceback message handler and Ctrl-C armed to stop it. Leaves the
 * results (or the error message) on the stack; returns the lua_pcall status.
 */
int run_call(lua_State *L, int nargs, int nresults);
/* When status is an error, prints the message on the stack and pops it. */
int run_report(lua_State *L, int status);
/* Installs the SIGINT handler used while chunks run. */
void run_signals_init(lua_State *L);
/* Set by the SIGINT handler whatever runs; the prompt clears it. */
extern volatile sig_atomic_t run_sigint_seen;
/* Prefix of error messages: "gradcalc" for scripts, NULL in the REPL. */
extern const char *run_progname;

#endif

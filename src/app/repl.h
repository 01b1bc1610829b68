/*
 * repl.h - the gradcalc program around the engine: running chunks, the
 * read-eval-print loop, and what the loop needs (printing, completion,
 * history, and the learner's helpers help, who and timeit).
 *
 * main.c reads the command line; everything else here serves the REPL.
 */
#ifndef GRADCALC_REPL_H
#define GRADCALC_REPL_H

#include <signal.h>
#include <stddef.h>
#include <lua.h>

/* ---- run.c: protected, interruptible calls ------------------------------ */

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

/* ---- pretty.c: showing values ------------------------------------------- */

enum { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };
/* What a piece of output is, for its colour. ORDER ROLE (pretty.c) */
enum {
    ROLE_RESET,
    ROLE_NUMBER,
    ROLE_STRING,
    ROLE_CONST,
    ROLE_TENSOR,
    ROLE_TITLE,
    ROLE_DIM,
    ROLE_PROMPT,
    ROLE_ERROR,
    ROLE_ERROR_RESET
};
/* Decides once whether to colour output: only on a terminal, never with
   NO_COLOR or TERM=dumb, unless --color said always or never. */
void pretty_init(int mode);
int pretty_color(void); /* 1 when stdout gets colour */
/* ANSI escape for a role, or "" when that stream gets no colour
   (the error roles follow stderr, the others stdout). */
const char *pretty_esc(int role);
/* Pushes the readable text of the value at idx (tables recursively). */
void pretty_push(lua_State *L, int idx);
/* Pushes the shape of the tensor at idx as "2x3" ("scalar" for 0-d). */
void pretty_push_shape(lua_State *L, int idx);
/* lua_CFunction: prints its arguments on one line, tab separated. */
int pretty_print_values(lua_State *L);

/* ---- complete.c: tab completion ----------------------------------------- */

void complete_init(lua_State *L);

/* ---- history.c: the learner's input, kept across sessions --------------- */

void history_open(void); /* reads the file, if any */
void history_remember(const char *entry);
void history_close(void); /* trims the file to its bound */

/* ---- tools.c: help, who, timeit ----------------------------------------- */

/* Defines help, who and timeit as globals and documents them in _docs;
   module is the index of the gradcalc module table. */
void tools_install(lua_State *L, int module);
/* Remembers which globals exist now, so who() shows only the learner's. */
void tools_mark_builtins(lua_State *L);
/* "12.3 ms": three digits and a unit. */
void tools_format_seconds(double seconds, char *buf, size_t size);
/* Names every unnamed tensor held by a global after that global. */
void tools_name_tensors(lua_State *L);

/* ---- repl.c: the read-eval-print loop ----------------------------------- */

/* Runs the REPL until end of input. With a terminal: prompts, line editing,
   history and completion; otherwise plain lines with no prompt. */
void repl_run(lua_State *L);

#endif

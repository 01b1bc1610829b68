/*
 * pretty.h - how gradcalc shows values (pretty.c): colours, and the
 * readable text of any Lua value.
 */
#ifndef GRADCALC_PRETTY_H
#define GRADCALC_PRETTY_H

#include <lua.h>

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

#endif

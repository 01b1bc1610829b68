/*
 * lregister.h - how every file of the binding adds its functions to the
 * module, each with its help entry in _docs (lregister.c), and the readers
 * of options tables they share.
 */
#ifndef GRADCALC_LREGISTER_H
#define GRADCALC_LREGISTER_H

#include <stdio.h>
#include <lauxlib.h>
#include <lua.h>

enum { GLOBAL = 1, METHOD = 2, BOTH = 3 };
#define NO_OP (-1)

/* One public function and its help. */
typedef struct LuaFunction {
    const char *name;  /* public name: the key of its help entry ("optim.SGD") */
    const char *table; /* NULL: a module function; else the sub-table it lives in */
    const char *field; /* its key there; NULL: help only (a method documented here) */
    lua_CFunction fn;
    const char *signature, *summary, *formula, *example;
    /* where it goes: a module function (and so a global), a tensor method,
     * or both; 0 is a module function. When where is given, op is too: the
     * op whose formula and derivative help shows, or NO_OP. */
    int where, op;
    const char *derivative; /* when no op gives it */
} LuaFunction;

/* Adds the n functions of list to the module table at index module (or
 * the tensor methods), and their help to its _docs (made when missing). */
void lgc_register(lua_State *L, int module, const LuaFunction *list, size_t n);

/* Where the printing option at idx sends text: NULL for false/nil, stdout
 * for true, or the FILE of an open Lua file. */
FILE *lgc_output_option(lua_State *L, int idx, const char *who, const char *option);
/* Raises an error naming the valid keys when the options table at idx
 * has a key not in valid (a NULL-terminated list). */
void lgc_check_options(lua_State *L, int idx, const char *who, const char *const *valid);
/* Reads number option key of the table at idx into *value, if present. */
void lgc_number_option(lua_State *L, int idx, const char *who, const char *key, double *value);

/* Integer option key of the table at idx, from lo to hi; dflt when absent. */
int lgc_integer_option(lua_State *L, int idx, const char *who, const char *key, int lo, int hi,
                       int dflt);

#endif

/*
 * who.c - who(): the variables the learner has made, each with a line
 * saying what it holds (a tensor's shape, whether it has a gradient).
 * Which globals are the learner's is known from those there at start-up,
 * which who_mark_builtins keeps in the registry.
 */
#include <stdio.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include "lua/ltensor.h"
#include "app/who.h"
#include "app/listing.h"
#include "app/pretty.h"

#define BUILTINS "gradcalc.builtins" /* registry: globals at start-up */

void who_mark_builtins(lua_State *L)
{
    lua_newtable(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -5);
    }
    lua_pop(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, BUILTINS);
}

/* Pushes a one-line description of the value at v for who(). */
static void push_description(lua_State *L, int v)
{
    v = lua_absindex(L, v);
    if (luaL_testudata(L, v, GRADCALC_TENSOR) != NULL) {
        pretty_push_shape(L, v);
        lua_getfield(L, v, "requires_grad");
        lua_getfield(L, v, "grad");
        lua_pushfstring(L, "tensor %s%s%s", lua_tostring(L, -3),
                        lua_toboolean(L, -2) ? ", requires grad" : "",
                        lua_isnil(L, -1) ? "" : ", has .grad");
        lua_replace(L, -4);
        lua_pop(L, 2);
    } else if (lua_type(L, v) == LUA_TTABLE) {
        lua_Integer n = 0;
        lua_pushnil(L);
        while (lua_next(L, v) && n < 1000000) {
            lua_pop(L, 1);
            n++;
        }
        lua_pushfstring(L, "table, %I entr%s", (LUAI_UACINT)n, n == 1 ? "y" : "ies");
    } else if (lua_type(L, v) == LUA_TNUMBER || lua_type(L, v) == LUA_TBOOLEAN) {
        pretty_push(L, v);
    } else if (lua_type(L, v) == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, v, &len);
        lua_pushfstring(L, "string, %d characters: %s", (int)len, len <= 40 ? s : "...");
    } else {
        lua_pushstring(L, luaL_typename(L, v));
    }
}

/* who(): the learner's globals, sorted, with the shape of each tensor. */
int who_list(lua_State *L)
{
    int globals, builtins, names;
    lua_Integer n = 0;
    size_t width = 0;
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    globals = lua_gettop(L);
    lua_getfield(L, LUA_REGISTRYINDEX, BUILTINS);
    builtins = lua_gettop(L);
    lua_newtable(L);
    names = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, globals)) {
        if (lua_type(L, -2) == LUA_TSTRING && strcmp(lua_tostring(L, -2), "_") != 0) {
            lua_pushvalue(L, -2);
            int mine = !lua_istable(L, builtins) || lua_rawget(L, builtins) == LUA_TNIL ||
                       !lua_rawequal(L, -1, -2);
            lua_pop(L, 1);
            if (mine) {
                size_t len = lua_rawlen(L, -2);
                if (len > width) width = len;
                lua_pushvalue(L, -2);
                lua_rawseti(L, names, ++n);
            }
        }
        lua_pop(L, 1);
    }
    if (n == 0) {
        puts("No variables yet. Make one with, say,  x = tensor{1, 2, 3}");
        return 0;
    }
    listing_sort(L, names);
    if (width > 24) width = 24;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, names, i);
        lua_pushvalue(L, -1);
        lua_rawget(L, globals);
        push_description(L, -1);
        printf("  %-*s  %s\n", (int)width, lua_tostring(L, -3), lua_tostring(L, -1));
        lua_pop(L, 3);
    }
    return 0;
}

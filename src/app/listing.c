/*
 * listing.c - sorted lists of names, for help() and who(). Raw access
 * only; the lists are short, so an insertion sort does.
 */
#include <lua.h>
#include "app/listing.h"

/* Insertion sort: n is small. */
void listing_sort(lua_State *L, int t)
{
    lua_Integer n = (lua_Integer)lua_rawlen(L, t);
    t = lua_absindex(L, t);
    for (lua_Integer i = 2; i <= n; i++) {
        lua_rawgeti(L, t, i);
        lua_Integer j = i - 1;
        while (j >= 1) {
            lua_rawgeti(L, t, j);
            if (!lua_compare(L, -2, -1, LUA_OPLT)) {
                lua_pop(L, 1);
                break;
            }
            lua_rawseti(L, t, j + 1);
            j--;
        }
        lua_rawseti(L, t, j + 1);
    }
}

/* Pushes a sorted array of the string keys of table t. */
void listing_push_keys(lua_State *L, int t)
{
    lua_Integer n = 0;
    t = lua_absindex(L, t);
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING) {
            lua_pushvalue(L, -1);
            lua_rawseti(L, -3, ++n);
        }
    }
    listing_sort(L, -1);
}

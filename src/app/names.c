/*
 * names.c - tensors named after the globals that hold them: after each
 * statement at the prompt, `x = var{1, 2}` makes that tensor x, so traces
 * and graphs can call it by the learner's own name.
 */
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include "lua/ltensor.h"
#include "app/names.h"

/* Protected body of names_from_globals. */
static int name_tensors(lua_State *L)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        if (lua_type(L, -2) == LUA_TSTRING && luaL_testudata(L, -1, GRADCALC_TENSOR) != NULL &&
            strcmp(lua_tostring(L, -2), "_") != 0) {
            if (lua_getfield(L, -1, "name") == LUA_TNIL) {
                lua_pushvalue(L, -3);
                lua_setfield(L, -3, "name");
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    return 0;
}

void names_from_globals(lua_State *L)
{
    lua_pushcfunction(L, name_tensors);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) lua_pop(L, 1); /* a name the engine refuses stays unset */
}

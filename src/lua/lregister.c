/*
 * lregister.c - adding functions with their help to the module, and
 * reading options tables, for every file of the binding.
 */
#include <string.h>

#include "core/op_table.h"
#include "lua/lregister.h"
#include "lua/ltensor.h"

/* The sub-table key of the module at index module, made when missing;
 * pushed. */
static int subtable(lua_State *L, int module, const char *key)
{
    if (lua_getfield(L, module, key) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, module, key);
    }
    return lua_gettop(L);
}

void lgc_register(lua_State *L, int module, const LuaFunction *list, size_t n)
{
    module = lua_absindex(L, module);
    int docs = subtable(L, module, "_docs");
    luaL_getmetatable(L, GRADCALC_TENSOR);
    lua_getfield(L, -1, "methods");
    int methods = lua_gettop(L);
    for (size_t i = 0; i < n && list[i].name; i++) {
        const LuaFunction *e = &list[i];
        const char *formula = e->formula, *derivative = e->derivative;
        if (e->where && e->op != NO_OP)
            formula = gc_ops[e->op].formula, derivative = gc_ops[e->op].derivative;
        lua_createtable(L, 0, 7);
        lua_pushstring(L, e->name), lua_setfield(L, -2, "name");
        lua_pushstring(L, e->signature), lua_setfield(L, -2, "signature");
        lua_pushstring(L, e->summary), lua_setfield(L, -2, "summary");
        if (formula) lua_pushstring(L, formula), lua_setfield(L, -2, "formula");
        if (derivative) lua_pushstring(L, derivative), lua_setfield(L, -2, "derivative");
        lua_pushstring(L, e->example), lua_setfield(L, -2, "example");
        lua_pushboolean(L, e->fn == NULL || e->where == METHOD);
        lua_setfield(L, -2, "method_only");
        lua_setfield(L, docs, e->name);
        if (!e->fn || !e->field) continue;
        if ((e->where & METHOD) && lua_istable(L, methods)) {
            lua_pushcfunction(L, e->fn);
            lua_setfield(L, methods, e->field);
        }
        if (e->where == METHOD) continue;
        int where = e->table ? subtable(L, module, e->table) : module;
        lua_pushcfunction(L, e->fn);
        lua_setfield(L, where, e->field);
        lua_settop(L, methods);
    }
    lua_settop(L, module);
}

/* Where the printing option at idx sends text: NULL for false/nil, stdout
 * for true, or the FILE of an open Lua file. */
FILE *lgc_output_option(lua_State *L, int idx, const char *who, const char *option)
{
    if (lua_isnoneornil(L, idx) || (lua_isboolean(L, idx) && !lua_toboolean(L, idx))) return NULL;
    if (lua_isboolean(L, idx)) return stdout;
    luaL_Stream *s = luaL_testudata(L, idx, LUA_FILEHANDLE);
    if (s && s->closef) return s->f;
    luaL_error(L, "%s: option %s is true, false or an open file (io.stdout, io.open(...)), got %s",
               who, option, s ? "a closed file" : luaL_typename(L, idx));
    return NULL;
}

/* Checks that every key of the options table at idx is one of valid
 * (a NULL-terminated list); the error lists them. */
void lgc_check_options(lua_State *L, int idx, const char *who, const char *const *valid)
{
    if (lua_isnoneornil(L, idx)) return;
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        const char *key = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        int known = 0;
        for (int i = 0; key && valid[i]; i++) known |= !strcmp(key, valid[i]);
        if (!known) {
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            for (int i = 0; valid[i]; i++) {
                if (i) luaL_addstring(&b, ", ");
                luaL_addstring(&b, valid[i]);
            }
            luaL_pushresult(&b);
            luaL_error(L, "%s: unknown option '%s' (valid options: %s)", who,
                       key ? key : luaL_typename(L, -2), lua_tostring(L, -1));
        }
    }
}

/* Reads number option key of the table at idx into *value, if present. */
void lgc_number_option(lua_State *L, int idx, const char *who, const char *key, double *value)
{
    if (lua_isnoneornil(L, idx)) return;
    int type = lua_getfield(L, idx, key);
    if (type == LUA_TNUMBER)
        *value = lua_tonumber(L, -1);
    else if (type != LUA_TNIL)
        luaL_error(L, "%s: option %s must be a number, got %s", who, key, luaL_typename(L, -1));
    lua_pop(L, 1);
}

int lgc_integer_option(lua_State *L, int idx, const char *who, const char *key, int lo, int hi,
                       int dflt)
{
    if (lua_getfield(L, idx, key) == LUA_TNIL) {
        lua_pop(L, 1);
        return dflt;
    }
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < lo || lua_tointeger(L, -1) > hi)
        luaL_error(L, "%s: option %s must be a whole number from %d to %d", who, key, lo, hi);
    int v = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    return v;
}

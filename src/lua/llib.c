/*
 * llib.c - runs the Lua half of the module. Each file of src/lua/lib is a
 * chunk that receives the gradcalc module table as `...` and adds to it;
 * the Makefile turns the files into lualib_files[] (precompiled when
 * luac5.4 is there), in the order of their names, so a file may use what
 * an earlier one defined. These are gradcalc's own chunks; the learner's
 * are always loaded as text.
 */
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "lua/llib.h"

typedef struct LuaFile {
    const char *name;           /* "30-nn.lua" */
    const unsigned char *bytes; /* precompiled by luac5.4, or the text */
    size_t size;
} LuaFile;

/* Generated from the files of src/lua/lib (build/lua/lualib_files.c). */
extern const LuaFile lualib_files[];

void lgc_open_lualib(lua_State *L)
{
    int module = lua_gettop(L);
    for (const LuaFile *f = lualib_files; f->name; f++) {
        char chunkname[128];
        snprintf(chunkname, sizeof chunkname, "@gradcalc/%s", f->name);
        if (luaL_loadbufferx(L, (const char *)f->bytes, f->size, chunkname, "bt") != LUA_OK)
            lua_error(L);
        lua_pushvalue(L, module);
        lua_call(L, 1, 0);
    }
}

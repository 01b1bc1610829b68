/*
 * pretty.c - how the REPL shows values.
 *
 * Tensors print through their own tostring. Numbers that are not integers
 * print with as many digits as it takes to read back the same double, so
 * a learner checking a gradient by hand sees every digit that matters.
 * Tables print recursively, one line when they fit and indented otherwise;
 * a tensor inside a table shows as its shape, <tensor 2x3>. Walking a table
 * uses raw access only (no __index, no __pairs), and stops at cycles, at a
 * depth, and after a number of entries, so any table prints in bounded time.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <lua.h>
#include <lauxlib.h>
#include "lua/lgradcalc.h"
#include "lua/ltensor.h"
#include "explain/text.h"
#include "app/pretty.h"
#include "app/syntax.h"

#define MAX_DEPTH 4   /* deeper tables print as {...} */
#define MAX_ITEMS 100 /* entries shown per table */
#define WIDTH     72  /* a table longer than this breaks into lines */

static int color_out, color_err;

/* ORDER ROLE */
static const char *const escapes[] = {
    "\033[0m",    /* reset */
    "\033[36m",   /* number: cyan */
    "\033[32m",   /* string: green */
    "\033[35m",   /* nil, true, false: magenta */
    "\033[33m",   /* <tensor 2x3>: yellow */
    "\033[1m",    /* headings in help: bold */
    "\033[2m",    /* quiet text: dim */
    "\033[1;34m", /* prompt: bold blue */
    "\033[31m",   /* error: red */
    "\033[0m",    /* end of error */
};

void pretty_init(int mode)
{
    const char *no_color = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    int allowed =
        !(no_color != NULL && no_color[0] != '\0') && !(term != NULL && strcmp(term, "dumb") == 0);
    if (mode == COLOR_ALWAYS)
        color_out = color_err = 1;
    else if (mode == COLOR_NEVER)
        color_out = color_err = 0;
    else {
        color_out = allowed && isatty(STDOUT_FILENO);
        color_err = allowed && isatty(STDERR_FILENO);
    }
}

int pretty_color(void) { return color_out; }

const char *pretty_esc(int role)
{
    int on = (role == ROLE_ERROR || role == ROLE_ERROR_RESET) ? color_err : color_out;
    return on ? escapes[role] : "";
}

/* Pushes "text" wrapped in the colour of role. */
static void push_colored(lua_State *L, int role, const char *text)
{
    lua_pushfstring(L, "%s%s%s", pretty_esc(role), text, pretty_esc(ROLE_RESET));
}

/* The shortest of %.15g, %.16g, %.17g that reads back as the same double. */
static void format_double(double d, char *buf, size_t size)
{
    if (isnan(d)) {
        snprintf(buf, size, "nan");
        return;
    }
    if (isinf(d)) {
        snprintf(buf, size, d > 0 ? "inf" : "-inf");
        return;
    }
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, d);
        if (strtod(buf, NULL) == d) break;
    }
    /* Like Lua, 2.0 prints as a float, so it does not look like 2. */
    if (strpbrk(buf, ".e") == NULL && strlen(buf) + 3 <= size) strcat(buf, ".0");
}

static void push_number(lua_State *L, int idx)
{
    char buf[64];
    if (lua_isinteger(L, idx))
        snprintf(buf, sizeof buf, LUA_INTEGER_FMT, (LUAI_UACINT)lua_tointeger(L, idx));
    else
        format_double(lua_tonumber(L, idx), buf, sizeof buf);
    push_colored(L, ROLE_NUMBER, buf);
}

/* A string as Lua source would write it, for strings inside tables. */
static void push_quoted(lua_State *L, int idx)
{
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, pretty_esc(ROLE_STRING));
    luaL_addchar(&b, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            luaL_addchar(&b, '\\');
            luaL_addchar(&b, (char)c);
        } else if (c == '\n') {
            luaL_addstring(&b, "\\n");
        } else if (c == '\t') {
            luaL_addstring(&b, "\\t");
        } else if (c < 32 || c == 127) {
            char esc[8];
            snprintf(esc, sizeof esc, "\\%d", c);
            luaL_addstring(&b, esc);
        } else {
            luaL_addchar(&b, (char)c);
        }
    }
    luaL_addchar(&b, '"');
    luaL_addstring(&b, pretty_esc(ROLE_RESET));
    luaL_pushresult(&b);
}

/* The shape table comes from the tensor itself. */
void pretty_push_shape(lua_State *L, int idx)
{
    luaL_Buffer b;
    lua_getfield(L, idx, "shape"); /* the engine's __index: known code */
    int shape = lua_gettop(L);
    luaL_buffinit(L, &b);
    if (lua_type(L, shape) != LUA_TTABLE) {
        luaL_addstring(&b, "?");
    } else {
        lua_Integer n = (lua_Integer)lua_rawlen(L, shape);
        if (n == 0) luaL_addstring(&b, "scalar");
        for (lua_Integer i = 1; i <= n; i++) {
            if (i > 1) luaL_addchar(&b, 'x');
            lua_rawgeti(L, shape, i);
            luaL_addvalue(&b); /* numbers convert in place */
        }
    }
    luaL_pushresult(&b);
    lua_remove(L, shape);
}

static int is_tensor(lua_State *L, int idx)
{
    return luaL_testudata(L, idx, GRADCALC_TENSOR) != NULL;
}

/* A key Lua reads back as a name, so it prints bare: {x = 1}. */
static int is_identifier(const char *s) { return syntax_is_name(s) && !syntax_is_keyword(s); }

/* Width on screen: escape sequences and UTF-8 continuation bytes take none. */
static size_t visible_len(const char *s, size_t len)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '\033') continue;
        n += gc_text_columns(s + start, i - start);
        while (i < len && !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) i++;
        start = i + 1; /* after the letter that ends the sequence */
    }
    return start < len ? n + gc_text_columns(s + start, len - start) : n;
}

static void render(lua_State *L, int idx, int depth, int seen);

/* Order of keys: numbers by value, then strings, then the rest as found. */
static int key_before(lua_State *L, int a, int b)
{
    int ta = lua_type(L, a), tb = lua_type(L, b);
    int ra = ta == LUA_TNUMBER ? 0 : ta == LUA_TSTRING ? 1 : 2;
    int rb = tb == LUA_TNUMBER ? 0 : tb == LUA_TSTRING ? 1 : 2;
    if (ra != rb) return ra < rb;
    if (ra == 0) return lua_tonumber(L, a) < lua_tonumber(L, b);
    if (ra == 1) return strcmp(lua_tostring(L, a), lua_tostring(L, b)) < 0;
    return 0;
}

/*
 * Pushes the text of the table at t. The keys that are not 1..n are
 * gathered (at most MAX_ITEMS), sorted by insertion sort, and each entry
 * rendered into a table of parts; then the parts are joined on one line or
 * on several.
 */
static void render_table(lua_State *L, int t, int depth, int seen)
{
    lua_Integer n = 0, shown = 0, more = 0;
    int keys, parts;
    size_t width = 2;
    int multiline = 0;

    lua_pushvalue(L, t);
    if (lua_rawget(L, seen) != LUA_TNIL) {
        lua_pop(L, 1);
        lua_pushliteral(L, "<cycle>");
        return;
    }
    lua_pop(L, 1);
    if (depth >= MAX_DEPTH) {
        lua_pushliteral(L, "{...}");
        return;
    }
    luaL_checkstack(L, 8, "table too deep to print");
    lua_pushvalue(L, t);
    lua_pushboolean(L, 1);
    lua_rawset(L, seen);

    lua_newtable(L);
    parts = lua_gettop(L);
    /* the sequence part, 1..n without holes */
    while (lua_rawgeti(L, t, n + 1) != LUA_TNIL) {
        n++;
        if (shown < MAX_ITEMS) {
            render(L, lua_gettop(L), depth + 1, seen);
            lua_rawseti(L, parts, ++shown);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (n > shown) more += n - shown;

    /* the other keys */
    lua_newtable(L);
    keys = lua_gettop(L);
    lua_Integer nkeys = 0;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1 && lua_tointeger(L, -1) <= n)
            continue;
        if (shown + nkeys >= MAX_ITEMS) {
            more++;
            continue;
        }
        /* insertion sort into keys[1..nkeys] */
        lua_Integer i = nkeys;
        while (i >= 1) {
            lua_rawgeti(L, keys, i);
            int before = key_before(L, -2, -1);
            if (!before) {
                lua_pop(L, 1);
                break;
            }
            lua_rawseti(L, keys, i + 1);
            i--;
        }
        lua_pushvalue(L, -1);
        lua_rawseti(L, keys, i + 1);
        nkeys++;
    }
    for (lua_Integer i = 1; i <= nkeys; i++) {
        int k, v;
        lua_rawgeti(L, keys, i);
        k = lua_gettop(L);
        lua_pushvalue(L, k);
        lua_rawget(L, t);
        v = lua_gettop(L);
        if (lua_type(L, k) == LUA_TSTRING && is_identifier(lua_tostring(L, k))) {
            lua_pushvalue(L, k);
        } else {
            render(L, k, MAX_DEPTH, seen); /* a key prints flat */
            lua_pushfstring(L, "[%s]", lua_tostring(L, -1));
            lua_remove(L, -2);
        }
        render(L, v, depth + 1, seen);
        lua_pushfstring(L, "%s = %s", lua_tostring(L, -2), lua_tostring(L, -1));
        lua_rawseti(L, parts, ++shown);
        lua_settop(L, k - 1);
    }
    lua_pop(L, 1); /* keys */
    if (more > 0) {
        lua_pushfstring(L, "%s... (%I more)%s", pretty_esc(ROLE_DIM), (LUAI_UACINT)more,
                        pretty_esc(ROLE_RESET));
        lua_rawseti(L, parts, ++shown);
    }

    for (lua_Integer i = 1; i <= shown; i++) {
        size_t len;
        const char *s;
        lua_rawgeti(L, parts, i);
        s = lua_tolstring(L, -1, &len);
        if (memchr(s, '\n', len) != NULL) multiline = 1;
        width += visible_len(s, len) + 2;
        lua_pop(L, 1);
    }
    if (width > WIDTH) multiline = 1;

    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addchar(&b, '{');
    /* luaL_Buffer rule: push nothing between two buffer calls but the
       value luaL_addvalue takes. */
    for (lua_Integer i = 1; i <= shown; i++) {
        if (multiline) {
            luaL_addstring(&b, "\n  ");
            lua_rawgeti(L, parts, i);
            luaL_gsub(L, lua_tostring(L, -1), "\n", "\n  ");
            lua_remove(L, -2);
            luaL_addvalue(&b);
            luaL_addchar(&b, ',');
        } else {
            if (i > 1) luaL_addstring(&b, ", ");
            lua_rawgeti(L, parts, i);
            luaL_addvalue(&b);
        }
    }
    if (multiline) luaL_addchar(&b, '\n');
    luaL_addchar(&b, '}');
    luaL_pushresult(&b);
    lua_remove(L, parts);

    lua_pushvalue(L, t);
    lua_pushnil(L);
    lua_rawset(L, seen);
}

/*
 * Pushes the text of the value at idx. At depth 0 (a result by itself) a
 * string prints as it is and a tensor in full; deeper down strings are
 * quoted and tensors summarised.
 */
static void render(lua_State *L, int idx, int depth, int seen)
{
    idx = lua_absindex(L, idx);
    luaL_checkstack(L, 4, "value too deep to print");
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
    case LUA_TBOOLEAN:
        push_colored(L, ROLE_CONST,
                     lua_toboolean(L, idx) ? "true"
                     : lua_isnil(L, idx)   ? "nil"
                                           : "false");
        return;
    case LUA_TNUMBER: push_number(L, idx); return;
    case LUA_TSTRING:
        if (depth == 0)
            lua_pushvalue(L, idx);
        else
            push_quoted(L, idx);
        return;
    case LUA_TTABLE:
        if (luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL) {
            lua_pop(L, 1);
            luaL_tolstring(L, idx, NULL); /* the learner's own printer */
        } else {
            render_table(L, idx, depth, seen);
        }
        return;
    default:
        if (is_tensor(L, idx)) {
            if (depth == 0) {
                luaL_tolstring(L, idx, NULL);
            } else {
                pretty_push_shape(L, idx);
                lua_pushfstring(L, "%s<tensor %s>%s", pretty_esc(ROLE_TENSOR), lua_tostring(L, -1),
                                pretty_esc(ROLE_RESET));
                lua_remove(L, -2);
            }
        } else {
            luaL_tolstring(L, idx, NULL);
        }
        return;
    }
}

void pretty_push(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_newtable(L);
    render(L, idx, 0, lua_gettop(L));
    lua_remove(L, -2);
}

int pretty_print_values(lua_State *L)
{
    int n = lua_gettop(L);
    for (int i = 1; i <= n; i++) {
        size_t len;
        const char *s;
        pretty_push(L, i);
        s = lua_tolstring(L, -1, &len);
        if (i > 1) fputc('\t', stdout);
        fwrite(s, 1, len, stdout);
        lua_pop(L, 1);
    }
    fputc('\n', stdout);
    fflush(stdout);
    return 0;
}

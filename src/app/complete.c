/*
 * complete.c - Tab completion at the gradcalc prompt.
 *
 * The word before the cursor is split at its last '.' or ':'. Before it
 * comes a path of globals and table fields (x.grad is not a table and
 * stops the path); after it, the start of the name to complete. Names come
 * from:
 *   a bare word    the globals and the Lua keywords
 *   t.na           the fields of table t; of a tensor, its methods and
 *                  the fields its metatable lists in `fields`, if any
 *   x:na           the methods of x: a tensor's come from the tensor
 *                  metatable (its methods table), a string's from the
 *                  string library
 * Completion reads tables with raw access only: it never calls a metamethod
 * or anything else the learner wrote, so it cannot fail or loop on their
 * account, and it runs under lua_pcall so that even running out of memory
 * only means no suggestions. Inside a string literal, file names complete.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <readline/readline.h>
#include <lua.h>
#include <lauxlib.h>
#include "lua/lgradcalc.h"
#include "app/complete.h"
#include "app/syntax.h"

#define MAX_MATCHES 1000

static lua_State *state;
static char **matches; /* found by the last attempt, NULL-terminated */
static size_t next_match;

/*
 * Adds to the results table (at res) each name key of the table at t that
 * starts with prefix, as head .. name .. suffix, where the suffix hints at
 * the value: "(" for a function, "." for a table (after '.' or at top
 * level). With methods_only, only functions count.
 */
static void add_keys(lua_State *L, int t, int res, const char *head, const char *prefix,
                     int methods_only)
{
    size_t plen = strlen(prefix);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        if (lua_type(L, -2) == LUA_TSTRING && lua_rawlen(L, res) < MAX_MATCHES) {
            const char *key = lua_tostring(L, -2);
            int type = lua_type(L, -1);
            int fn = type == LUA_TFUNCTION;
            if (strncmp(key, prefix, plen) == 0 && syntax_is_name(key) && (fn || !methods_only)) {
                const char *suffix = fn ? "(" : (type == LUA_TTABLE && !methods_only) ? "." : "";
                lua_pushfstring(L, "%s%s%s", head, key, suffix);
                lua_rawseti(L, res, (lua_Integer)lua_rawlen(L, res) + 1);
            }
        }
        lua_pop(L, 1);
    }
}

/* Pushes the table whose keys complete after `value:` (or nil). */
static void push_method_table(lua_State *L, int value)
{
    if (lua_type(L, value) == LUA_TUSERDATA || lua_type(L, value) == LUA_TSTRING) {
        /* __index when it is a table; the tensor metatable's __index is a
           function (it serves fields too) and keeps its methods in .methods,
           as gradcalc's other objects (optimizers) do */
        static const char *const where[] = { "__index", "methods" };
        if (lua_getmetatable(L, value)) {
            for (int i = 0; i < 2; i++) {
                lua_pushstring(L, where[i]);
                lua_rawget(L, -2);
                if (lua_istable(L, -1)) {
                    lua_remove(L, -2);
                    return;
                }
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        }
    } else if (lua_istable(L, value)) {
        lua_pushvalue(L, value);
        return;
    }
    lua_pushnil(L);
}

/* Adds the names in the array `fields` of the metatable of the userdata
   at value (x.shape, x.grad, ...), when the metatable lists them. */
static void add_fields(lua_State *L, int value, int res, const char *head, const char *prefix)
{
    size_t plen = strlen(prefix);
    if (!lua_getmetatable(L, value)) return;
    lua_pushliteral(L, "fields");
    if (lua_rawget(L, -2) == LUA_TTABLE) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
        for (lua_Integer i = 1; i <= n && i <= MAX_MATCHES; i++) {
            if (lua_rawgeti(L, -1, i) == LUA_TSTRING &&
                strncmp(lua_tostring(L, -1), prefix, plen) == 0) {
                lua_pushfstring(L, "%s%s", head, lua_tostring(L, -1));
                lua_rawseti(L, res, (lua_Integer)lua_rawlen(L, res) + 1);
            }
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 2);
}

/* Protected: the word (a C string, light userdata) at 1; returns a
   table of completions. */
static int collect(lua_State *L)
{
    const char *word = (const char *)lua_touserdata(L, 1);
    const char *sep = strrchr(word, '.');
    const char *colon = strrchr(word, ':');
    int res;
    if (colon != NULL && (sep == NULL || colon > sep)) sep = colon;
    lua_newtable(L);
    res = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    if (sep == NULL) {
        size_t len = strlen(word);
        for (int i = 0; syntax_keywords[i]; i++) {
            if (strncmp(syntax_keywords[i], word, len) == 0) {
                lua_pushstring(L, syntax_keywords[i]);
                lua_rawseti(L, res, (lua_Integer)lua_rawlen(L, res) + 1);
            }
        }
        add_keys(L, lua_gettop(L), res, "", word, 0);
        lua_settop(L, res);
        return 1;
    }
    /* Walk the path before sep, field by field, tables only. */
    const char *p = word;
    while (p < sep) {
        const char *end = p;
        while (end < sep && *end != '.' && *end != ':') end++;
        if (end == p || (*end == ':' && end != sep) || !lua_istable(L, -1)) {
            lua_settop(L, res);
            return 1;
        }
        lua_pushlstring(L, p, (size_t)(end - p));
        lua_rawget(L, -2);
        lua_remove(L, -2);
        p = end + 1;
        if (end == sep) break;
    }
    lua_pushlstring(L, word, (size_t)(sep - word + 1)); /* "x:" or "t." */
    const char *head = lua_tostring(L, -1);
    int value = lua_gettop(L) - 1;
    if (*sep == ':') {
        push_method_table(L, value);
        if (lua_istable(L, -1)) add_keys(L, lua_gettop(L), res, head, sep + 1, 1);
    } else if (lua_istable(L, value)) {
        add_keys(L, value, res, head, sep + 1, 0);
    } else if (lua_type(L, value) == LUA_TUSERDATA) {
        push_method_table(L, value);
        if (lua_istable(L, -1)) add_keys(L, lua_gettop(L), res, head, sep + 1, 0);
        add_fields(L, value, res, head, sep + 1);
    }
    lua_settop(L, res);
    return 1;
}

static void free_matches(void)
{
    if (matches != NULL) {
        for (size_t i = 0; matches[i] != NULL; i++) free(matches[i]);
        free(matches);
        matches = NULL;
    }
}

/* Runs collect on word and keeps the results as C strings. */
static void find_matches(const char *word)
{
    lua_State *L = state;
    int top = lua_gettop(L);
    free_matches();
    /* Nothing that allocates before the protected call: no error can
       escape it. */
    lua_pushcfunction(L, collect);
    lua_pushlightuserdata(L, (void *)word);
    if (lua_pcall(L, 1, 1, 0) == LUA_OK && lua_istable(L, -1)) {
        size_t n = (size_t)lua_rawlen(L, -1), k = 0;
        matches = calloc(n + 1, sizeof *matches);
        for (size_t i = 1; matches != NULL && i <= n; i++) {
            lua_rawgeti(L, -1, (lua_Integer)i);
            const char *s = lua_tostring(L, -1);
            if (s != NULL && (matches[k] = strdup(s)) != NULL) k++;
            lua_pop(L, 1);
        }
    }
    lua_settop(L, top);
    next_match = 0;
}

/* readline's generator: hands out the matches one by one, as it frees them. */
static char *generate(const char *text, int state_)
{
    (void)text;
    (void)state_;
    if (matches == NULL || matches[next_match] == NULL) return NULL;
    return strdup(matches[next_match++]);
}

static char **attempt(const char *text, int start, int end)
{
    char **found;
    (void)start;
    (void)end;
    if (rl_completion_quote_character != 0)
        return NULL; /* inside a string: readline completes file names */
    rl_attempted_completion_over = 1;
    rl_completion_append_character = '\0'; /* our matches carry their own */
    find_matches(text);
    found = rl_completion_matches(text, generate);
    free_matches();
    return found;
}

void complete_init(lua_State *L)
{
    state = L;
    rl_readline_name = "gradcalc";
    rl_attempted_completion_function = attempt;
    rl_basic_word_break_characters = " \t\n\"\\'`@$><=;|&{(,)}[]+-*/%^~#?";
    rl_completer_quote_characters = "\"'";
    rl_completion_append_character = '\0';
}

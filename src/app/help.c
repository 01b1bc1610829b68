/*
 * help.c - help() and ?name: the tour, and the help of one function,
 * method or tensor, read from the module's _docs table (the engine's
 * entries and the helpers' own, tools.c), wrapped to the terminal.
 */
#include <stdio.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include "lua/ltensor.h"
#include "explain/text.h"
#include "app/help.h"
#include "app/listing.h"
#include "app/pretty.h"

#define WIDTH 72

static const char tour[] =
    "gradcalc works backpropagation the way you would by hand, and shows each step.\n"
    "\n"
    "  x = var({1, 2, 3})              a tensor whose gradient you want\n"
    "  y = sum(sigmoid(x) * 2)         compute; the graph records itself\n"
    "  y:backward()                    walk the graph backwards\n"
    "  x.grad                          dy/dx, one number per element of x\n"
    "  tensor, ones, zeros, randn      other ways to make tensors\n"
    "\n"
    "  help(sigmoid)   or  ?sigmoid    formula, derivative and an example\n"
    "  who()                           the variables you have made\n"
    "  :time stat      or  timeit(f)   how long something takes\n"
    "  Tab                             complete a name, or a method after ':'\n"
    "  Ctrl-C                          stop what is running (your variables stay)\n"
    "  Ctrl-D                          quit\n";

void help_push_docs(lua_State *L, int module)
{
    lua_pushliteral(L, "_docs");
    if (lua_rawget(L, module) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushliteral(L, "_docs");
        lua_pushvalue(L, -2);
        lua_rawset(L, module);
    }
}

/* Pushes the tensor methods table, or nil. */
static void push_methods(lua_State *L)
{
    if (luaL_getmetatable(L, GRADCALC_TENSOR) == LUA_TTABLE) {
        lua_pushliteral(L, "methods");
        lua_rawget(L, -2);
        lua_remove(L, -2);
        if (lua_istable(L, -1)) return;
    }
    lua_pop(L, 1);
    lua_pushnil(L);
}

/* Prints text with every line after the first indented by indent spaces. */
static void put_indented(const char *text, int indent)
{
    for (const char *p = text; *p; p++) {
        fputc(*p, stdout);
        if (*p == '\n' && p[1] != '\0') fprintf(stdout, "%*s", indent, "");
    }
}

/* Prints text indented, breaking lines at spaces to fit WIDTH columns. */
static void put_wrapped(const char *text, int indent)
{
    size_t col = 0;
    const char *p = text;
    while (*p) {
        size_t word = strcspn(p, " \n");
        size_t w = gc_text_columns(p, word);
        if (col > 0 && col + 1 + w > WIDTH) {
            fputc('\n', stdout);
            col = 0;
        }
        if (col == 0) {
            fprintf(stdout, "%*s", indent, "");
            col = (size_t)indent;
        } else {
            fputc(' ', stdout);
            col++;
        }
        fwrite(p, 1, word, stdout);
        col += w;
        p += word;
        if (*p == '\n') { /* the author's own line breaks stay */
            fputc('\n', stdout);
            col = 0;
        }
        while (*p == ' ' || *p == '\n') p++;
    }
    if (col > 0) fputc('\n', stdout);
}

/* Prints the help of the _docs entry at idx, for the function called name. */
static void print_entry(lua_State *L, int idx, const char *name)
{
    static const char *const fields[] = { "formula", "derivative", "example", NULL };
    idx = lua_absindex(L, idx);
    lua_getfield(L, idx, "signature");
    printf("%s%s%s\n", pretty_esc(ROLE_TITLE), lua_isstring(L, -1) ? lua_tostring(L, -1) : name,
           pretty_esc(ROLE_RESET));
    lua_getfield(L, idx, "summary");
    if (lua_isstring(L, -1)) put_wrapped(lua_tostring(L, -1), 2);
    lua_pop(L, 2);
    for (int i = 0; fields[i]; i++) {
        lua_getfield(L, idx, fields[i]);
        if (lua_isstring(L, -1)) {
            printf("  %s%-11s%s ", pretty_esc(ROLE_TITLE), fields[i], pretty_esc(ROLE_RESET));
            put_indented(lua_tostring(L, -1), 14);
            fputc('\n', stdout);
        }
        lua_pop(L, 1);
    }
}

/* Prints the strings of array t as words wrapped at WIDTH, indented. */
static void print_words(lua_State *L, int t, const char *sep)
{
    size_t col = 0;
    lua_Integer n = (lua_Integer)lua_rawlen(L, t);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, t, i);
        const char *w = lua_tostring(L, -1);
        size_t len = strlen(w);
        if (col == 0) {
            fputs("  ", stdout);
            col = 2;
        } else if (col + strlen(sep) + len > WIDTH) {
            fputs("\n  ", stdout);
            col = 2;
        } else {
            fputs(sep, stdout);
            col += strlen(sep);
        }
        fputs(w, stdout);
        col += len;
        lua_pop(L, 1);
    }
    if (col > 0) fputc('\n', stdout);
}

/*
 * Pushes the _docs entry for name, or nil. Besides the name itself, a
 * method written as "x:backward" or "Tensor.backward" finds "backward",
 * and "gradcalc.relu" finds "relu".
 */
static void push_entry(lua_State *L, int docs, const char *name)
{
    const char *base = name;
    for (const char *p = name; *p; p++)
        if (*p == '.' || *p == ':') base = p + 1;
    if (lua_getfield(L, docs, name) == LUA_TTABLE) return;
    lua_pop(L, 1);
    if (base != name && lua_getfield(L, docs, base) == LUA_TTABLE) return;
    if (base != name) lua_pop(L, 1);
    lua_pushnil(L);
}

/* Pushes the key under which table t holds the value at v, or nothing
   (returns 0). Raw access only. */
static int push_key_of(lua_State *L, int t, int v)
{
    if (!lua_istable(L, t)) return 0;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        if (lua_rawequal(L, -1, v) && lua_type(L, -2) == LUA_TSTRING) {
            lua_pop(L, 1);
            return 1;
        }
        lua_pop(L, 1);
    }
    return 0;
}

/* Like push_key_of, one level down: finds optim.SGD in the module's
   table optim and pushes "optim.SGD". */
static int push_key_in_parts(lua_State *L, int module, int v)
{
    lua_pushnil(L);
    while (lua_next(L, module)) {
        if (lua_type(L, -2) == LUA_TSTRING && lua_istable(L, -1) &&
            push_key_of(L, lua_gettop(L), v)) {
            /* stack: part name, part, key */
            lua_pushfstring(L, "%s.%s", lua_tostring(L, -3), lua_tostring(L, -1));
            lua_replace(L, -4);
            lua_pop(L, 2);
            return 1;
        }
        lua_pop(L, 1);
    }
    return 0;
}

/* Prints what a tensor is and which methods it has. */
static void help_tensor(lua_State *L, int x)
{
    pretty_push_shape(L, x);
    lua_getfield(L, x, "name");
    printf("%sa tensor of shape %s%s%s%s\n", pretty_esc(ROLE_TITLE), lua_tostring(L, -2),
           lua_isstring(L, -1) ? ", named " : "", lua_isstring(L, -1) ? lua_tostring(L, -1) : "",
           pretty_esc(ROLE_RESET));
    lua_pop(L, 2);
    fputs("  fields such as x.shape, x.grad, x.name, x.requires_grad; its methods, x:name(...):\n",
          stdout);
    push_methods(L);
    if (lua_istable(L, -1)) {
        listing_push_keys(L, -1);
        print_words(L, lua_gettop(L), " ");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    fputs("  help \"name\" tells more about one of them.\n", stdout);
}

/* Prints the entries whose names contain part, to suggest what was meant. */
static void suggest(lua_State *L, int docs, const char *part)
{
    lua_Integer n = 0;
    listing_push_keys(L, docs);
    lua_newtable(L);
    for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, -2); i++) {
        lua_rawgeti(L, -2, i);
        if (part[0] != '\0' && strstr(lua_tostring(L, -1), part) != NULL)
            lua_rawseti(L, -2, ++n);
        else
            lua_pop(L, 1);
    }
    if (n > 0) {
        fputs("  perhaps:\n", stdout);
        print_words(L, lua_gettop(L), ", ");
    }
    lua_pop(L, 2);
}

/* help([f]): the tour, or the help of one function. */
int help_show(lua_State *L)
{
    int module = lua_upvalueindex(1);
    int docs, found;
    const char *name = NULL;
    int nargs = lua_gettop(L);
    lua_settop(L, 1);
    help_push_docs(L, module);
    docs = lua_gettop(L);
    if (lua_isnil(L, 1) && nargs > 0) {
        puts("help: that is nil. Is the name spelt right? help(\"name\") also finds a method "
             "or a\nfield (help(\"grad\")); help() lists the functions.");
        return 0;
    }
    if (nargs == 0) {
        fputs(tour, stdout);
        printf("\n%sFunctions with help%s (help \"name\" or ?name):\n", pretty_esc(ROLE_TITLE),
               pretty_esc(ROLE_RESET));
        listing_push_keys(L, docs);
        print_words(L, lua_gettop(L), " ");
        return 0;
    }
    if (luaL_testudata(L, 1, GRADCALC_TENSOR) != NULL) {
        help_tensor(L, 1);
        return 0;
    }
    if (lua_type(L, 1) == LUA_TSTRING) {
        name = lua_tostring(L, 1);
    } else if (lua_isfunction(L, 1) || lua_istable(L, 1)) { /* a table: data, metrics, ... */
        lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
        push_methods(L);
        found = push_key_of(L, module, 1) || push_key_of(L, docs + 1, 1) ||
                push_key_of(L, docs + 2, 1) || push_key_in_parts(L, module, 1);
        if (!found && lua_istable(L, 1)) {
            puts("help: this table is not one of gradcalc's; try help() for the tour.");
            return 0;
        }
        if (!found) {
            puts("This function is not one of gradcalc's, so it has no help here (Lua's own\n"
                 "functions are in the Lua 5.4 reference manual); help() lists gradcalc's.");
            return 0;
        }
        name = lua_tostring(L, -1);
    } else {
        printf("help: a %s value has no help; try help() for the tour.\n", luaL_typename(L, 1));
        return 0;
    }
    push_entry(L, docs, name);
    if (lua_istable(L, -1)) {
        print_entry(L, -1, name);
    } else {
        printf("No help for '%s'. help() lists the functions that have help.\n", name);
        suggest(L, docs, name);
    }
    return 0;
}

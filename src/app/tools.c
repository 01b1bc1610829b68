/*
 * tools.c - the learner's helpers at the prompt: help, who, timeit, and
 * lesson/lessons, which find the lessons folder and hand over to its
 * runner (lessons/runner.lua: the lessons themselves are Lua, for teachers
 * to read and write).
 *
 * Each helper is documented in the entry beside it, and that entry goes
 * into the module's _docs table with the engine's own, so help(who) works
 * like help(sigmoid). help() with no argument gives the tour.
 *
 * Also here: who() needs to know which globals were there at start-up,
 * and the REPL names tensors after the globals that hold them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <readline/readline.h>
#include <readline/history.h>
#include <lua.h>
#include <lauxlib.h>
#include "lua/lgradcalc.h"
#include "lua/ltensor.h"
#include "app/repl.h"
#include "core/tensor.h"

#define BUILTINS "gradcalc.builtins" /* registry: globals at start-up */
#define WIDTH    72

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

/* ---- reading the documentation ------------------------------------------ */

/* Pushes the module's _docs table (creating it if the module has none). */
static void push_docs(lua_State *L, int module)
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

/* Columns a UTF-8 string takes: one per character. */
static size_t columns(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* Prints text indented, breaking lines at spaces to fit WIDTH columns. */
static void put_wrapped(const char *text, int indent)
{
    size_t col = 0;
    const char *p = text;
    while (*p) {
        size_t word = strcspn(p, " \n");
        size_t w = columns(p, word);
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

/* Sorts the strings t[1..n] in place (insertion sort: n is small). */
static void sort_strings(lua_State *L, int t)
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
static void push_sorted_keys(lua_State *L, int t)
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
    sort_strings(L, -1);
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
        push_sorted_keys(L, -1);
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
    push_sorted_keys(L, docs);
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
static int help(lua_State *L)
{
    int module = lua_upvalueindex(1);
    int docs, found;
    const char *name = NULL;
    int nargs = lua_gettop(L);
    lua_settop(L, 1);
    push_docs(L, module);
    docs = lua_gettop(L);
    if (lua_isnil(L, 1) && nargs > 0) {
        puts("help: that is nil. Is the name spelt right? help() lists the functions.");
        return 0;
    }
    if (nargs == 0) {
        fputs(tour, stdout);
        printf("\n%sFunctions with help%s (help \"name\" or ?name):\n", pretty_esc(ROLE_TITLE),
               pretty_esc(ROLE_RESET));
        push_sorted_keys(L, docs);
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

/* ---- who ----------------------------------------------------------------- */

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
static int who(lua_State *L)
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
    sort_strings(L, names);
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

/* ---- timeit -------------------------------------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* timeit(f [, n]): runs f n times and prints the time of one run. */
static int timeit(lua_State *L)
{
    lua_Integer n = luaL_optinteger(L, 2, 1);
    double start, seconds;
    char text[64];
    luaL_checktype(L, 1, LUA_TFUNCTION);
    luaL_argcheck(L, n >= 1, 2, "the number of runs must be at least 1");
    start = now();
    for (lua_Integer i = 0; i < n; i++) {
        lua_pushvalue(L, 1);
        lua_call(L, 0, 0);
    }
    seconds = (now() - start) / (double)n;
    tools_format_seconds(seconds, text, sizeof text);
    if (n == 1)
        printf("time: %s\n", text);
    else
        printf("time: %s per run (%lld runs)\n", text, (long long)n);
    return 0;
}

void tools_format_seconds(double s, char *buf, size_t size)
{
    if (s < 1e-3)
        snprintf(buf, size, "%.3g us", s * 1e6);
    else if (s < 1)
        snprintf(buf, size, "%.3g ms", s * 1e3);
    else
        snprintf(buf, size, "%.3g s", s);
}

/* ---- lessons ------------------------------------------------------------- */

/* Where `make install` puts the lessons; the Makefile passes the real one. */
#ifndef GRADCALC_LESSONS_DIR
#define GRADCALC_LESSONS_DIR "/usr/local/share/gradcalc/lessons"
#endif

/* 1 when dir holds the lesson runner. */
static int has_runner(lua_State *L, const char *dir)
{
    struct stat st;
    const char *path = lua_pushfstring(L, "%s/runner.lua", dir);
    int found = stat(path, &st) == 0 && S_ISREG(st.st_mode);
    lua_pop(L, 1);
    return found;
}

/*
 * Pushes the lessons folder: $GRADCALC_LESSONS when set (a teacher's own
 * folder; an error if it has no runner.lua), else `lessons` beside the
 * executable, else the installed folder. Raises an error saying where it
 * looked when none holds the runner.
 */
static void push_lessons_dir(lua_State *L)
{
    const char *env = getenv("GRADCALC_LESSONS");
    char exe[4096];
    ssize_t n;
    if (env != NULL && env[0] != '\0') {
        if (!has_runner(L, env))
            luaL_error(L, "GRADCALC_LESSONS is %s, but there is no runner.lua there", env);
        lua_pushstring(L, env);
        return;
    }
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            lua_pushfstring(L, "%s/lessons", exe);
            if (has_runner(L, lua_tostring(L, -1))) return;
            lua_pop(L, 1);
        }
    }
    if (has_runner(L, GRADCALC_LESSONS_DIR)) {
        lua_pushstring(L, GRADCALC_LESSONS_DIR);
        return;
    }
    luaL_error(L,
               "no lessons found: looked beside the gradcalc program and in %s "
               "(set GRADCALC_LESSONS to the lessons folder)",
               GRADCALC_LESSONS_DIR);
}

/* host.listdir(path): the names in a folder, or nil and a message. */
static int host_listdir(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    DIR *d = opendir(path);
    struct dirent *e;
    lua_Integer n = 0;
    if (d == NULL) {
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: %s", path, strerror(errno));
        return 2;
    }
    lua_newtable(L);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        lua_pushstring(L, e->d_name);
        lua_rawseti(L, -2, ++n);
    }
    closedir(d);
    return 1;
}

/* host.mkdir(path): makes path and its parents; true, or nil and a message. */
static int host_mkdir(lua_State *L)
{
    size_t len;
    const char *path = luaL_checklstring(L, 1, &len);
    char *buf = lua_newuserdatauv(L, len + 1, 0); /* freed by the collector */
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
            luaL_pushfail(L);
            lua_pushfstring(L, "cannot make %s: %s", buf, strerror(errno));
            return 2;
        }
        buf[i] = c;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/*
 * Ctrl-C in a lesson. The lesson runs inside run_call, so a Ctrl-C arms
 * run.c's hook, which raises "interrupted" at the next step of Lua code
 * (and sets gc_interrupt for the C kernels). Two places must not let it
 * end the lesson with a traceback:
 *
 * - at an answer prompt, the Ctrl-C lands in host_readline's wait, as at
 *   gradcalc's own prompt (repl.c): the line is dropped and readline
 *   returns false, so the runner asks again. The hook the signal armed is
 *   taken off before any Lua code runs.
 * - while the lesson's code runs, host_pcall catches the error, sees that
 *   it was a Ctrl-C, and takes off the hook and gc_interrupt, so the
 *   runner can say where the learner was (progress is saved after every
 *   question) and leave cleanly, and nothing stays armed for what follows.
 */

/* The hook of the main thread (the one run.c arms), saved and put back. */
struct saved_hook {
    lua_State *main;
    lua_Hook hook;
    int mask, count;
};

static struct saved_hook save_hook(lua_State *L)
{
    struct saved_hook h;
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
    h.main = lua_tothread(L, -1);
    lua_pop(L, 1);
    h.hook = lua_gethook(h.main);
    h.mask = lua_gethookmask(h.main);
    h.count = lua_gethookcount(h.main);
    return h;
}

/* Forgets a Ctrl-C that has been dealt with. */
static void disarm(const struct saved_hook *h)
{
    lua_sethook(h->main, h->hook, h->mask, h->count);
    gc_interrupt = 0;
    run_sigint_seen = 0;
}

static char *typed; /* the line handed over by on_typed */
static int typed_done;

static void on_typed(char *line)
{
    typed = line;
    typed_done = 1;
    rl_callback_handler_remove(); /* no new prompt until asked */
}

/*
 * host.readline(prompt): a line typed at the terminal with line editing
 * and history; nil at Ctrl-D; false at Ctrl-C (the line is dropped).
 * Only for a terminal: pipes use io.read. As in repl.c, SIGINT is blocked
 * except inside pselect, so it can only arrive while gradcalc waits.
 */
static int host_readline(lua_State *L)
{
    const char *prompt = luaL_optstring(L, 1, "");
    struct saved_hook h = save_hook(L);
    sigset_t block, old, waiting;
    int interrupted = 0;
    static int locale_set;

    if (!locale_set) {
        setlocale(LC_CTYPE, ""); /* so readline edits UTF-8 as characters */
        locale_set = 1;
    }
    rl_catch_signals = 0;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &old);
    waiting = old;
    sigdelset(&waiting, SIGINT);

    run_sigint_seen = 0;
    typed = NULL;
    typed_done = 0;
    fflush(stdout);
    rl_callback_handler_install(prompt, on_typed);
    while (!typed_done) {
        fd_set in;
        FD_ZERO(&in);
        FD_SET(STDIN_FILENO, &in);
        int r = pselect(STDIN_FILENO + 1, &in, NULL, NULL, NULL, &waiting);
        if (run_sigint_seen) {
            /* Ctrl-C: leave what was typed on screen, drop it. */
            rl_point = rl_end;
            rl_redisplay();
            fputs("^C\n", stdout);
            fflush(stdout);
            rl_free_line_state();
            rl_callback_sigcleanup();
            rl_replace_line("", 0);
            rl_callback_handler_remove();
            disarm(&h);
            interrupted = 1;
            break;
        }
        if (r < 0) {
            if (errno == EINTR) {
                rl_resize_terminal(); /* a SIGWINCH, say */
                continue;
            }
            rl_callback_handler_remove();
            break;
        }
        if (r > 0) rl_callback_read_char();
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (interrupted) {
        lua_pushboolean(L, 0);
        return 1;
    }
    if (typed == NULL) {
        fputc('\n', stdout); /* Ctrl-D: end the prompt's line */
        luaL_pushfail(L);
        return 1;
    }
    if (typed[0] != '\0') add_history(typed);
    lua_pushstring(L, typed);
    free(typed);
    typed = NULL;
    return 1;
}

/*
 * Calls the function below nargs arguments like lua_pcall (without a
 * message handler); *interrupted tells whether a Ctrl-C came meanwhile,
 * and if so it has been dealt with: whatever the call did, it is over.
 */
static int call_interruptible(lua_State *L, int nargs, int nresults, int *interrupted)
{
    struct saved_hook h;
    int status;
    if (run_sigint_seen) { /* pressed before the call could start */
        lua_pop(L, nargs + 1);
        h = save_hook(L);
        disarm(&h);
        lua_pushliteral(L, "interrupted");
        *interrupted = 1;
        return LUA_ERRRUN;
    }
    h = save_hook(L);
    status = lua_pcall(L, nargs, nresults, 0);
    *interrupted = run_sigint_seen != 0;
    if (*interrupted) disarm(&h);
    return status;
}

/* host.pcall(f, ...): true and f's results; or false, the error message
   and whether it was a Ctrl-C (then the message is "interrupted"). */
static int host_pcall(lua_State *L)
{
    int interrupted;
    luaL_checktype(L, 1, LUA_TFUNCTION);
    int status = call_interruptible(L, lua_gettop(L) - 1, LUA_MULTRET, &interrupted);
    if (status == LUA_OK && !interrupted) {
        lua_pushboolean(L, 1);
        lua_insert(L, 1);
        return lua_gettop(L);
    }
    lua_settop(L, 1); /* the message, or f's first result */
    if (interrupted) {
        lua_pop(L, 1);
        lua_pushliteral(L, "interrupted");
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
    lua_pushboolean(L, interrupted);
    return 3;
}

/* stdout while a resumed lesson runs silently up to where it stopped. */
static int hidden_stdout = -1;

static void unsilence(void)
{
    if (hidden_stdout >= 0) {
        fflush(stdout);
        dup2(hidden_stdout, STDOUT_FILENO);
        close(hidden_stdout);
        hidden_stdout = -1;
    }
}

/*
 * host.silence(on): with on, standard output goes to /dev/null, so the
 * lesson's code runs without showing anything (its own prints and traces
 * included, which io.write alone would not catch); without, it comes back.
 */
static int host_silence(lua_State *L)
{
    if (!lua_toboolean(L, 1)) {
        unsilence();
    } else if (hidden_stdout < 0) {
        int null = open("/dev/null", O_WRONLY);
        int e;
        fflush(stdout);
        if (null < 0) return luaL_error(L, "cannot open /dev/null: %s", strerror(errno));
        hidden_stdout = dup(STDOUT_FILENO);
        if (hidden_stdout >= 0 && dup2(null, STDOUT_FILENO) >= 0) {
            close(null);
            return 0;
        }
        e = errno;
        close(null);
        if (hidden_stdout >= 0) close(hidden_stdout);
        hidden_stdout = -1;
        return luaL_error(L, "cannot silence the output: %s", strerror(e));
    }
    return 0;
}

/* Pushes runner.lua's table, the runner having been given the folder and
   what it needs from the host (terminal or pipe, colour, folders). */
static void push_runner(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "listdir", host_listdir },
        { "mkdir", host_mkdir },
        { "readline", host_readline },
        { "pcall", host_pcall },
        { "silence", host_silence },
        { "print_values", pretty_print_values },
        { NULL, NULL },
    };
    push_lessons_dir(L);
    const char *dir = lua_tostring(L, -1);
    const char *path = lua_pushfstring(L, "%s/runner.lua", dir);
    if (luaL_loadfilex(L, path, "t") != LUA_OK) lua_error(L);
    lua_remove(L, -2); /* the path */
    lua_insert(L, -2); /* runner chunk, dir */
    luaL_newlib(L, fns);
    lua_pushboolean(L, isatty(STDIN_FILENO));
    lua_setfield(L, -2, "stdin_tty");
    lua_pushboolean(L, isatty(STDOUT_FILENO));
    lua_setfield(L, -2, "stdout_tty");
    lua_pushboolean(L, pretty_color());
    lua_setfield(L, -2, "color");
    lua_call(L, 2, 1);
    if (!lua_istable(L, -1)) luaL_error(L, "the lesson runner did not return its table");
}

/*
 * Calls runner[name] with the arguments of the calling function; returns
 * nothing, so that the prompt prints nothing after a lesson. A lesson's
 * error goes on as an error. Whether Ctrl-C stopped it (runner.run returns
 * true then, having said so) is left in the registry for main.c, which
 * exits with status 130 after gradcalc --lesson.
 */
static int call_runner(lua_State *L, const char *name)
{
    int nargs = lua_gettop(L), interrupted, status;
    push_runner(L);
    lua_getfield(L, -1, name);
    lua_remove(L, -2);
    lua_insert(L, 1);
    run_sigint_seen = 0;
    status = call_interruptible(L, nargs, 1, &interrupted);
    unsilence();
    if (status != LUA_OK && !interrupted) return lua_error(L);
    if (status != LUA_OK) {
        /* a Ctrl-C the runner did not see: between two steps of its own */
        fflush(stdout);
        fputs("\n(Ctrl-C: the lesson stopped.)\n", stdout);
        fflush(stdout);
    } else {
        interrupted = lua_toboolean(L, -1);
    }
    lua_pushboolean(L, interrupted);
    lua_setfield(L, LUA_REGISTRYINDEX, "gradcalc.lesson_interrupted");
    return 0;
}

/* lesson(n | file [, {replay=true}]) */
static int lesson(lua_State *L)
{
    luaL_argexpected(L, lua_type(L, 1) == LUA_TNUMBER || lua_type(L, 1) == LUA_TSTRING, 1,
                     "lesson number or file");
    return call_runner(L, "run");
}

/* lessons() */
static int lessons(lua_State *L) { return call_runner(L, "list"); }

/* ---- installing the helpers, with their documentation --------------------- */

static const struct tool {
    const char *name;
    lua_CFunction fn;
    const char *signature, *summary, *example;
} tools[] = {
    { "help", help, "help([f])",
      "Without an argument, a short tour of gradcalc and the list of functions.\n"
      "With a function or its name, what it computes, its formula and\n"
      "derivative, and an example. At the prompt, ?name does the same.",
      "help(sigmoid)    help \"matmul\"    ?relu" },
    { "who", who, "who()",
      "Lists the variables you have made (not the built-ins), with the shape\n"
      "of each tensor and whether it requires or has a gradient.",
      "x = ones(2, 3); who()" },
    { "timeit", timeit, "timeit(f [, n])",
      "Runs the function f n times (once by default) and prints how long one\n"
      "run took. At the prompt, :time stat times a statement the same way.",
      "timeit(function() return matmul(a, b) end, 10)" },
    { "lessons", lessons, "lessons()",
      "Lists the lessons of the course, one line each, with how far you got\n"
      "in each (kept in $XDG_STATE_HOME/gradcalc/progress). From the shell:\n"
      "gradcalc --lessons.",
      "lessons()" },
    { "lesson", lesson, "lesson(n [, {replay=true} | {resume=true}])",
      "Runs lesson n (or a lesson file you wrote): it explains a step, sets\n"
      "up the tensors, then asks you for a number, which gradcalc checks\n"
      "against its own to 3 significant figures. You may type an expression\n"
      "such as 0.15*0.05 + 0.2*0.1 + 0.35; at the answer prompt, `hint`,\n"
      "`repl` (the lesson's variables at a prompt; `back` returns),\n"
      "`solution` and `quit` also work. Ctrl-C drops a line you typed; while\n"
      "the lesson computes, it leaves the lesson, keeping your progress.\n"
      "A lesson you stopped in the middle offers to continue from the\n"
      "question you reached (its code runs silently up to there);\n"
      "resume=true continues without asking, also with answers from a pipe.\n"
      "replay=true prints every worked solution without asking. From the\n"
      "shell: gradcalc --lesson n [--resume | --replay].",
      "lesson(5)    lesson(5, {resume = true})    lesson(\"my-lesson.lua\")" },
};

void tools_install(lua_State *L, int module)
{
    module = lua_absindex(L, module);
    push_docs(L, module);
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
        const struct tool *t = &tools[i];
        lua_pushvalue(L, module);
        lua_pushcclosure(L, t->fn, 1);
        if (t->fn == help || t->fn == lesson || t->fn == lessons) {
            /* for ?name and --lesson, whatever becomes of the global */
            lua_pushfstring(L, "gradcalc.%s", t->name);
            lua_pushvalue(L, -2);
            lua_rawset(L, LUA_REGISTRYINDEX);
        }
        lua_setglobal(L, t->name);
        lua_createtable(L, 0, 3);
        lua_pushstring(L, t->signature);
        lua_setfield(L, -2, "signature");
        lua_pushstring(L, t->summary);
        lua_setfield(L, -2, "summary");
        lua_pushstring(L, t->example);
        lua_setfield(L, -2, "example");
        lua_setfield(L, -2, t->name);
    }
    lua_pop(L, 1);
}

void tools_mark_builtins(lua_State *L)
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

/* Protected body of tools_name_tensors. */
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

void tools_name_tensors(lua_State *L)
{
    lua_pushcfunction(L, name_tensors);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) lua_pop(L, 1); /* a name the engine refuses stays unset */
}

/*
 * lessons.c - the lesson host: lesson() and lessons() find the lessons
 * folder and hand over to its runner (lessons/runner.lua: the lessons
 * themselves are Lua, for teachers to read and write), giving it what it
 * needs from the system: folders, the terminal's line editing, a pcall
 * that knows Ctrl-C, and a way to run a lesson's code silently.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <readline/history.h>
#include <lua.h>
#include <lauxlib.h>
#include "core/tensor.h"
#include "app/lessons.h"
#include "app/line_input.h"
#include "app/pretty.h"
#include "app/run.h"

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
 * - at an answer prompt, the Ctrl-C lands in line_input.c's wait, as at
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

/*
 * host.readline(prompt): a line typed at the terminal with line editing
 * and history; nil at Ctrl-D; false at Ctrl-C (the line is dropped).
 * Only for a terminal: pipes use io.read.
 */
static int host_readline(lua_State *L)
{
    const char *prompt = luaL_optstring(L, 1, "");
    struct saved_hook h = save_hook(L);
    char *line;
    int r = line_input_read(prompt, &line);
    if (r == LINE_INTERRUPTED) {
        disarm(&h);
        lua_pushboolean(L, 0);
        return 1;
    }
    if (r == LINE_EOF) {
        luaL_pushfail(L);
        return 1;
    }
    if (line[0] != '\0') add_history(line);
    lua_pushstring(L, line);
    free(line);
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
int lessons_run(lua_State *L)
{
    luaL_argexpected(L, lua_type(L, 1) == LUA_TNUMBER || lua_type(L, 1) == LUA_TSTRING, 1,
                     "lesson number or file");
    return call_runner(L, "run");
}

/* lessons() */
int lessons_list(lua_State *L) { return call_runner(L, "list"); }

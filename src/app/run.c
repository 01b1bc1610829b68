/*
 * run.c - running Lua code protected and interruptible.
 *
 * Every chunk gradcalc runs for its user goes through run_call: lua_pcall
 * with a message handler that adds a traceback, and Ctrl-C armed to stop it.
 *
 * How Ctrl-C stops running code: the SIGINT handler never touches the Lua
 * state beyond lua_sethook, which Lua allows from a signal handler. The hook
 * raises "interrupted" at the next step of Lua code. A long C kernel runs no
 * Lua code, so the handler also sets gc_interrupt, which such kernels poll
 * between blocks of work and then fail with the same message. Either way the
 * error unwinds like any other: the globals stay as they were.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include "app/run.h"
#include "app/pretty.h"
#include "core/tensor.h"

const char *run_progname = "gradcalc";
volatile sig_atomic_t run_sigint_seen;

/* The state running a protected call, or NULL while gradcalc waits. */
static lua_State *volatile running;

static void stop_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted");
}

static void on_sigint(int sig)
{
    lua_State *L = running;
    (void)sig;
    run_sigint_seen = 1;
    if (L != NULL) {
        gc_interrupt = 1;
        lua_sethook(L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
    }
}

/* No SA_RESTART: a Ctrl-C must wake the prompt out of its wait. */
void run_signals_init(lua_State *L)
{
    struct sigaction sa;
    (void)L;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

/* Message handler: turns the error into text and adds the call stack. */
static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        /* An error object that is not a string: use its __tostring if any. */
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int run_call(lua_State *L, int nargs, int nresults)
{
    int base = lua_gettop(L) - nargs; /* where the function is */
    lua_State *outer = running;
    int status;
    lua_pushcfunction(L, traceback);
    lua_insert(L, base);
    if (outer == NULL) gc_interrupt = 0;
    running = L;
    status = lua_pcall(L, nargs, nresults, base);
    running = outer;
    /* A Ctrl-C that came as the call returned must not stop the next one. */
    if (outer == NULL && lua_gethook(L) == stop_hook) lua_sethook(L, NULL, 0, 0);
    lua_remove(L, base);
    return status;
}

int run_report(lua_State *L, int status)
{
    if (status != LUA_OK) {
        size_t len;
        const char *msg = lua_tolstring(L, -1, &len);
        const char *tail = "\n\t[C]: in ?";
        size_t tlen = strlen(tail);
        if (msg == NULL) msg = "(error object is not a string)", len = strlen(msg);
        /* The last frame is gradcalc calling the chunk: no news to anyone. */
        if (len >= tlen && memcmp(msg + len - tlen, tail, tlen) == 0) len -= tlen;
        fflush(stdout);
        fputs(pretty_esc(ROLE_ERROR), stderr);
        if (run_progname != NULL) fprintf(stderr, "%s: ", run_progname);
        fwrite(msg, 1, len, stderr);
        fputs(pretty_esc(ROLE_ERROR_RESET), stderr);
        fputc('\n', stderr);
        fflush(stderr);
        lua_pop(L, 1);
    }
    return status;
}

/*
 * repl.c - the read-eval-print loop.
 *
 * A line is first tried as an expression (`return <line>`), so its values
 * print; if that does not compile it is tried as a statement. A statement
 * that is not finished yet fails to compile with a message ending in <eof>;
 * then the loop reads more lines, at the ".." prompt, until it compiles or
 * fails for another reason. Two prefixes are not Lua: `?name` asks for help
 * and `:time stat` times a statement.
 *
 * With a terminal, lines come from GNU Readline (line_input.c), where a
 * Ctrl-C drops the line. Without a terminal, lines come plainly from
 * stdin: no prompt, no escape codes, no history.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <lua.h>
#include <lauxlib.h>
#include "app/repl.h"
#include "app/complete.h"
#include "app/history.h"
#include "app/line_input.h"
#include "app/names.h"
#include "app/pretty.h"
#include "app/run.h"
#include "app/timing.h"

#define PROMPT  "> "
#define PROMPT2 ".. "

static int use_readline; /* stdin is a terminal */

/* ---- reading one line ----------------------------------------------------- */

/* Prompt text, coloured with the markers that tell readline it takes no room. */
static const char *prompt_text(const char *prompt, char *buf, size_t size)
{
    if (!pretty_color()) return prompt;
    snprintf(buf, size, "\001%s\002%.*s\001%s\002 ", pretty_esc(ROLE_PROMPT),
             (int)strlen(prompt) - 1, prompt, pretty_esc(ROLE_RESET));
    return buf;
}

/* A line from a pipe or file; NUL bytes and all, without its newline. */
static int read_plain(char **line, size_t *len)
{
    static char *buf;
    static size_t cap;
    ssize_t n;
    run_sigint_seen = 0;
    errno = 0;
    n = getline(&buf, &cap, stdin);
    if (n < 0) {
        if (errno == EINTR && run_sigint_seen) {
            clearerr(stdin);
            return LINE_INTERRUPTED;
        }
        free(buf);
        buf = NULL;
        cap = 0;
        return LINE_EOF;
    }
    if (n > 0 && buf[n - 1] == '\n') buf[--n] = '\0';
    *line = malloc((size_t)n + 1);
    if (*line == NULL) return LINE_EOF;
    memcpy(*line, buf, (size_t)n + 1);
    *len = (size_t)n;
    return LINE_OK;
}

/* What is left of a block of lines pasted at once; NULL when none. */
static char *pasted;
static size_t pasted_at;

static void drop_pasted(void)
{
    free(pasted);
    pasted = NULL;
}

/*
 * Reads a line into a malloc'd string (the caller frees it). A paste of
 * several lines arrives from readline as one text; it is handed out a line
 * at a time, so that it runs as if typed.
 */
static int read_line(const char *prompt, char **line, size_t *len)
{
    char *start, *nl;
    size_t n;
    if (!use_readline) return read_plain(line, len);
    if (pasted == NULL) {
        char buf[64];
        int r = line_input_read(prompt_text(prompt, buf, sizeof buf), &pasted);
        if (r != LINE_OK) return r;
        pasted_at = 0;
    }
    start = pasted + pasted_at;
    nl = strchr(start, '\n');
    n = nl != NULL ? (size_t)(nl - start) : strlen(start);
    *line = strndup(start, n);
    *len = n;
    if (nl != NULL)
        pasted_at += n + 1;
    else
        drop_pasted();
    return *line != NULL ? LINE_OK : LINE_EOF;
}

/* ---- compiling what was typed ---------------------------------------------- */

/* What one round of the loop runs. */
struct input {
    int show;  /* print the results */
    int timed; /* :time */
    int nargs; /* arguments pushed after the function */
};

static int incomplete(lua_State *L, int status)
{
    size_t len;
    const char *msg;
    static const char mark[] = "<eof>";
    if (status != LUA_ERRSYNTAX) return 0;
    msg = lua_tolstring(L, -1, &len);
    return len >= sizeof mark - 1 && strcmp(msg + len - (sizeof mark - 1), mark) == 0;
}

/* Text only: a binary chunk from junk input could crash the interpreter. */
static int load(lua_State *L, const char *code, size_t len)
{
    return luaL_loadbufferx(L, code, len, "=stdin", "t");
}

/* Compiles `return <code>`; leaves the function or the message. */
static int load_expression(lua_State *L, const char *code, size_t len)
{
    int status;
    lua_pushliteral(L, "return ");
    lua_pushlstring(L, code, len);
    lua_concat(L, 2);
    status = load(L, lua_tostring(L, -1), lua_rawlen(L, -1));
    lua_remove(L, -2);
    return status;
}

static int try_expression(lua_State *L, const char *code, size_t len)
{
    int status = load_expression(L, code, len);
    if (status != LUA_OK) lua_pop(L, 1);
    return status == LUA_OK;
}

/* Whether code, as `return <code>`, stops short with an <eof> error. */
static int expression_incomplete(lua_State *L, const char *code, size_t len)
{
    int result = incomplete(L, load_expression(L, code, len));
    lua_pop(L, 1);
    return result;
}

/* A trailing ';' asks not to print: "1 + 1;" runs but shows nothing. */
static int ends_with_semicolon(const char *s, size_t len)
{
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r')) len--;
    return len > 0 && s[len - 1] == ';';
}

/*
 * `?name` becomes help("name"); pushes help and its argument.
 * Returns 0 when the line is not a help request.
 */
static int help_request(lua_State *L, const char *s, size_t len, struct input *in)
{
    size_t start = 0, end = len;
    while (start < len && (s[start] == ' ' || s[start] == '\t')) start++;
    if (start == len || s[start] != '?') return 0;
    start++;
    while (start < end && (s[start] == ' ' || s[start] == '\t')) start++;
    while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\r')) end--;
    lua_getfield(L, LUA_REGISTRYINDEX, "gradcalc.help");
    in->nargs = 0;
    if (end > start) {
        lua_pushlstring(L, s + start, end - start);
        in->nargs = 1;
    }
    return 1;
}

/*
 * Reads one statement, over several lines if it needs them, and compiles
 * it. Returns LUA_OK with the function (and its arguments) on the stack;
 * an error status with the message on the stack; or -1 at end of input,
 * -2 when Ctrl-C dropped the input, with nothing on the stack.
 */
static int read_statement(lua_State *L, struct input *in)
{
    char *line;
    size_t len;
    int status, r;
    const char *code;
    size_t skip = 0;

    memset(in, 0, sizeof *in);
    r = read_line(PROMPT, &line, &len);
    if (r != LINE_OK) return r == LINE_EOF ? -1 : -2;
    lua_pushlstring(L, line, len); /* the text typed, for history */
    free(line);
    code = lua_tolstring(L, -1, &len);

    if (help_request(L, code, len, in)) {
        if (use_readline) history_remember(code);
        lua_remove(L, -2 - in->nargs);
        return LUA_OK;
    }
    while (skip < len && (code[skip] == ' ' || code[skip] == '\t')) skip++;
    if (code[skip] == ':' && code[skip + 1] != ':') {
        if (strncmp(code + skip, ":time", 5) == 0 &&
            (code[skip + 5] == ' ' || code[skip + 5] == '\t' || code[skip + 5] == '\0')) {
            in->timed = 1;
            skip += 5;
        } else {
            if (use_readline) history_remember(code);
            lua_pushfstring(L, "unknown command '%s' (the one command is :time stat)", code + skip);
            lua_remove(L, -2);
            return LUA_ERRSYNTAX;
        }
    }

    /* The typed text stays at the bottom; above it, the code after any
       prefix, which grows by a line at a time until it compiles. */
    lua_pushlstring(L, code + skip, len - skip);
    for (;;) {
        code = lua_tolstring(L, -1, &len);
        if (try_expression(L, code, len)) {
            in->show = !ends_with_semicolon(code, len);
            status = LUA_OK;
            break;
        }
        status = load(L, code, len);
        if (status == LUA_OK) break;
        /* Unfinished as a statement, or as an expression ("{1,"): read on. */
        if (!incomplete(L, status) && !expression_incomplete(L, code, len)) break;
        lua_pop(L, 1); /* the message */
        r = read_line(PROMPT2, &line, &len);
        if (r != LINE_OK) {
            if (r == LINE_EOF) /* end of input inside a statement: say why */
                status = load(L, code, lua_rawlen(L, -1));
            else
                lua_pop(L, 2);
            if (r == LINE_INTERRUPTED) return -2;
            break;
        }
        lua_pushliteral(L, "\n");
        lua_pushlstring(L, line, len);
        free(line);
        lua_concat(L, 3);
    }
    /* stack: typed text, code, function or message */
    if (use_readline) {
        lua_pushlstring(L, lua_tostring(L, -3), skip); /* the prefix, if any */
        lua_pushvalue(L, -3);
        lua_concat(L, 2);
        history_remember(lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    lua_remove(L, -2);
    lua_remove(L, -2);
    return status;
}

/* ---- running it -------------------------------------------------------------- */

/* Sets _ to the value at idx, raw, so no __newindex on _G can interfere. */
static void set_last(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_pushliteral(L, "_");
    lua_pushvalue(L, idx);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

/* Runs the compiled input on the stack and shows its results. */
static void evaluate(lua_State *L, const struct input *in)
{
    int base = lua_gettop(L) - in->nargs - 1;
    double start = timing_now(), seconds;
    int status;
    run_sigint_seen = 0;
    status = run_call(L, in->nargs, LUA_MULTRET);
    seconds = timing_now() - start;
    if (status != LUA_OK) {
        run_report(L, status);
    } else {
        int n = lua_gettop(L) - base;
        if (n > 0) set_last(L, base + 1);
        if (n > 0 && in->show) {
            lua_pushcfunction(L, pretty_print_values);
            lua_insert(L, base + 1);
            run_report(L, run_call(L, n, 0));
        }
    }
    if (run_sigint_seen) drop_pasted(); /* Ctrl-C stops the rest of a paste too */
    lua_settop(L, base);
    if (in->timed) {
        char text[64];
        timing_format_seconds(seconds, text, sizeof text);
        printf("%stime: %s%s\n", pretty_esc(ROLE_DIM), text, pretty_esc(ROLE_RESET));
    }
    fflush(stdout);
    names_from_globals(L);
}

void repl_run(lua_State *L)
{
    const char *progname = run_progname;
    int base = lua_gettop(L);

    run_progname = NULL; /* at the prompt, errors need no program name */
    use_readline = isatty(STDIN_FILENO);
    if (use_readline) {
        complete_init(L);
        history_open();
    }
    for (;;) {
        struct input in;
        int status = read_statement(L, &in);
        if (status == -1) break;
        if (status == -2) continue;
        if (status != LUA_OK)
            run_report(L, status);
        else
            evaluate(L, &in);
        lua_settop(L, base);
    }
    if (use_readline) history_close();
    drop_pasted();
    lua_settop(L, base);
    run_progname = progname;
}

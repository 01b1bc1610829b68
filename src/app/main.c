/*
 * main.c - the gradcalc command line.
 *
 *   gradcalc [options] [script [args]]
 *
 * The options, the `arg` table and the exit status are those of the `lua`
 * program, so whatever works with `lua` works with gradcalc; gradcalc adds
 * --help, --version and --color, and the lessons: --lessons lists them,
 * --lesson N (or a file) runs one, --resume continues it where the learner
 * stopped, --replay prints its worked solutions. A lesson stopped by
 * Ctrl-C exits with status 130, as shells expect of an interrupted command.
 * With no script and no -e, a terminal gets the REPL and anything else is
 * run as a script.
 *
 * All the work happens in pmain, called under lua_pcall: even an error
 * while handling the arguments (say, memory running out) is reported
 * rather than ending the process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include "lua/lgradcalc.h"
#include "app/pretty.h"
#include "app/repl.h"
#include "app/run.h"
#include "app/tools.h"
#include "app/who.h"

/* What the command line asks for. */
struct options {
    int script;          /* argv index of the script, 0 when none */
    int interactive;     /* -i: the REPL after the script */
    int version;         /* -v */
    int exec;            /* -e or -l seen: no REPL unless -i */
    int noenv;           /* -E */
    int color;           /* --color */
    int help;            /* --help */
    int show_version;    /* --version */
    int lessons;         /* --lessons */
    const char *lesson;  /* --lesson N|file */
    int replay;          /* --replay */
    int resume;          /* --resume */
    int handout;         /* --handout: the lesson as Markdown */
    int answers;         /* --answers: with the answer key */
    const char *output;  /* --output FILE */
    const char *variant; /* --variant K: the learner's own numbers */
    int argc;
    char **argv;
};

static void print_usage(FILE *to)
{
    fputs("usage: gradcalc [options] [script [args]]\n"
          "Options:\n"
          "  -e stat        run the Lua statement stat\n"
          "  -i             the interactive prompt after running script\n"
          "  -l mod         require library mod into global mod\n"
          "  -l g=mod       require library mod into global g\n"
          "  -v             show the version\n"
          "  -E             ignore environment variables (LUA_INIT, LUA_PATH, ...)\n"
          "  -W             turn warnings on\n"
          "  --             stop handling options\n"
          "  -              stop handling options and run standard input\n"
          "  --color=WHEN   colour the output: auto (the default), always or never\n"
          "  --help         show this help\n"
          "  --version      show the version\n"
          "  --lessons      list the lessons and how far you got\n"
          "  --lesson N     run lesson N (or a lesson file); on a terminal, offers to\n"
          "                 continue from the question where you stopped\n"
          "  --resume       with --lesson: continue from there without asking\n"
          "                 (also when the answers come from a pipe)\n"
          "  --replay       with --lesson: print its worked solutions, asking nothing\n"
          "  --handout      with --lesson: print it as a Markdown handout with blanks\n"
          "  --answers      with --handout: add the answer key\n"
          "  --output FILE  with --handout: write it to FILE (atomically)\n"
          "  --variant K    with --lesson: the lesson with numbers of its own, drawn\n"
          "                 from K (each learner a K; some lessons keep fixed numbers)\n"
          "With no script and no -e, gradcalc starts its prompt on a terminal and\n"
          "runs standard input otherwise. At the prompt, help() gives a tour.\n",
          to);
}

static void print_version(void)
{
    printf("gradcalc %s (%s)\n", GRADCALC_VERSION, LUA_RELEASE);
    fflush(stdout);
}

static void print_banner(void)
{
    printf("gradcalc %s (%s): backpropagation, worked by hand\n", GRADCALC_VERSION, LUA_RELEASE);
    printf("Type help() for a tour, ?name for help on a function, Ctrl-D to quit.\n");
    fflush(stdout);
}

static int option_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "gradcalc: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    print_usage(stderr);
    return 0;
}

/*
 * Long options. An option that takes a value as the next argument says so
 * in takes_arg, and both passes over argv skip that value.
 */
static const struct long_option {
    const char *name;
    int takes_arg;
} long_options[] = {
    { "help", 0 },    { "version", 0 }, { "color", 0 }, /* --color or --color=WHEN */
    { "lessons", 0 }, { "lesson", 1 }, /* --lesson N, --lesson=N, --lesson file.lua */
    { "replay", 0 },  { "resume", 0 },  { "handout", 0 }, { "answers", 0 },
    { "output", 1 },  { "variant", 1 }, { NULL, 0 },
};

/* Handles argv[*i], a long option; returns 0 when it is not understood. */
static int long_option(struct options *o, int *i)
{
    const char *arg = o->argv[*i] + 2;
    size_t len = strcspn(arg, "=");
    const char *value = arg[len] == '=' ? arg + len + 1 : NULL;
    const struct long_option *lo;
    for (lo = long_options; lo->name; lo++)
        if (strlen(lo->name) == len && strncmp(arg, lo->name, len) == 0) break;
    if (lo->name == NULL) return option_error("unrecognized option '%s'", o->argv[*i]);
    if (lo->takes_arg && value == NULL) {
        if (o->argv[*i + 1] == NULL) return option_error("'%s' needs an argument", o->argv[*i]);
        value = o->argv[++*i];
    }
    if (strcmp(lo->name, "help") == 0 && value == NULL) {
        o->help = 1;
    } else if (strcmp(lo->name, "version") == 0 && value == NULL) {
        o->show_version = 1;
    } else if (strcmp(lo->name, "color") == 0) {
        if (value == NULL || strcmp(value, "always") == 0)
            o->color = COLOR_ALWAYS;
        else if (strcmp(value, "never") == 0)
            o->color = COLOR_NEVER;
        else if (strcmp(value, "auto") == 0)
            o->color = COLOR_AUTO;
        else
            return option_error("--color takes auto, always or never, not '%s'", value);
    } else if (strcmp(lo->name, "lessons") == 0 && value == NULL) {
        o->lessons = 1;
    } else if (strcmp(lo->name, "lesson") == 0) {
        o->lesson = value;
    } else if (strcmp(lo->name, "replay") == 0 && value == NULL) {
        o->replay = 1;
    } else if (strcmp(lo->name, "resume") == 0 && value == NULL) {
        o->resume = 1;
    } else if (strcmp(lo->name, "handout") == 0 && value == NULL) {
        o->handout = 1;
    } else if (strcmp(lo->name, "answers") == 0 && value == NULL) {
        o->answers = 1;
    } else if (strcmp(lo->name, "output") == 0) {
        o->output = value;
    } else if (strcmp(lo->name, "variant") == 0) {
        char *end;
        long k = strtol(value, &end, 10);
        if (end == value || *end || k < 1)
            return option_error("--variant takes a whole number from 1 up, not '%s'", value);
        o->variant = value;
    } else {
        return option_error("option '%s' takes no value", o->argv[*i]);
    }
    return 1;
}

/* Reads the options; returns 0 (after saying why) when they make no sense. */
static int parse_options(struct options *o)
{
    char **argv = o->argv;
    for (int i = 1; argv[i] != NULL; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0') { /* the script, or "-" */
            o->script = i;
            return 1;
        }
        if (a[1] == '-') {
            if (a[2] == '\0') { /* "--": the script follows */
                if (argv[i + 1] != NULL) o->script = i + 1;
                return 1;
            }
            if (!long_option(o, &i)) return 0;
            continue;
        }
        switch (a[1]) {
        case 'e':
        case 'l':
            o->exec = 1;
            if (a[2] == '\0' && argv[++i] == NULL) return option_error("'%s' needs an argument", a);
            break;
        case 'i':
        case 'v':
        case 'E':
        case 'W':
            if (a[2] != '\0') return option_error("unrecognized option '%s'", a);
            if (a[1] == 'i')
                o->interactive = 1;
            else if (a[1] == 'v')
                o->version = 1;
            else if (a[1] == 'E')
                o->noenv = 1;
            break;
        default: return option_error("unrecognized option '%s'", a);
        }
    }
    if (o->replay && o->lesson == NULL)
        return option_error("%s goes with --lesson N: gradcalc --lesson 5 --replay", "--replay");
    if (o->resume && o->lesson == NULL)
        return option_error("%s goes with --lesson N: gradcalc --lesson 5 --resume", "--resume");
    if (o->resume && o->replay)
        return option_error("%s asks nothing, so there is nothing to resume", "--replay");
    if (o->handout && o->lesson == NULL)
        return option_error("%s goes with --lesson N: gradcalc --lesson 5 --handout", "--handout");
    if (o->variant && o->lesson == NULL)
        return option_error("%s goes with --lesson N: gradcalc --lesson 3 --variant 7",
                            "--variant");
    if (o->handout && (o->replay || o->resume))
        return option_error("--handout prints the lesson; it goes with neither --replay nor %s",
                            "--resume");
    if (o->answers && !o->handout)
        return option_error("%s goes with --handout: gradcalc --lesson 5 --handout --answers",
                            "--answers");
    if (o->output && !o->handout)
        return option_error("%s goes with --handout: gradcalc --lesson 5 --handout --output l5.md",
                            "--output");
    return 1;
}

/* -l g=mod: g = require("mod"); -l mod: mod = require("mod"). */
static int require_library(lua_State *L, const char *spec)
{
    const char *eq = strchr(spec, '=');
    const char *module = eq != NULL ? eq + 1 : spec;
    int status;
    lua_getglobal(L, "require");
    lua_pushstring(L, module);
    status = run_call(L, 1, 1);
    if (status == LUA_OK) {
        if (eq != NULL)
            lua_pushlstring(L, spec, (size_t)(eq - spec));
        else
            lua_pushstring(L, spec);
        lua_insert(L, -2);
        lua_setglobal(L, lua_tostring(L, -2));
        lua_pop(L, 1);
    }
    return run_report(L, status);
}

static int run_string(lua_State *L, const char *code, const char *chunkname)
{
    int status = luaL_loadbufferx(L, code, strlen(code), chunkname, "t");
    if (status == LUA_OK) status = run_call(L, 0, 0);
    return run_report(L, status);
}

/* Runs -e, -l and -W in the order given; 0 after the first failure. */
static int run_options(lua_State *L, const struct options *o)
{
    int end = o->script ? o->script : o->argc;
    for (int i = 1; i < end; i++) {
        const char *a = o->argv[i];
        if (a[0] != '-') continue;
        if (a[1] == '-') { /* skip a long option's value */
            for (const struct long_option *lo = long_options; lo->name; lo++)
                if (lo->takes_arg && strcmp(a + 2, lo->name) == 0) i++;
            continue;
        }
        if (a[1] == 'e' || a[1] == 'l') {
            const char *value = a[2] != '\0' ? a + 2 : o->argv[++i];
            int status =
                a[1] == 'e' ? run_string(L, value, "=(command line)") : require_library(L, value);
            if (status != LUA_OK) return 0;
        } else if (a[1] == 'W') {
            lua_warning(L, "@on", 0);
        }
    }
    return 1;
}

/* LUA_INIT_5_4 or LUA_INIT: Lua code, or @file, run before anything else. */
static int run_init(lua_State *L)
{
    const char *name = "=LUA_INIT_" LUA_VERSION_MAJOR "_" LUA_VERSION_MINOR;
    const char *init = getenv(name + 1);
    int status;
    if (init == NULL) {
        name = "=LUA_INIT";
        init = getenv(name + 1);
    }
    if (init == NULL) return LUA_OK;
    if (init[0] == '@')
        status = luaL_loadfilex(L, init + 1, "t");
    else
        status = luaL_loadbufferx(L, init, strlen(init), name, "t");
    if (status == LUA_OK) status = run_call(L, 0, 0);
    return run_report(L, status);
}

/*
 * The global `arg`: arg[0] is the script, arg[1..] its arguments, and the
 * interpreter and its options sit at negative indices, as in lua.
 */
static void make_arg_table(lua_State *L, const struct options *o)
{
    int script = o->script ? o->script : 0;
    lua_createtable(L, o->argc > script ? o->argc - script - 1 : 0, script + 1);
    for (int i = 0; i < o->argc; i++) {
        lua_pushstring(L, o->argv[i]);
        lua_rawseti(L, -2, i - script);
    }
    lua_setglobal(L, "arg");
}

/*
 * Runs the script (NULL: standard input) with the arguments after it as
 * `...`. Text only: a binary chunk, from junk input say, could crash Lua.
 */
static int run_script(lua_State *L, const struct options *o)
{
    const char *name = o->script ? o->argv[o->script] : "-";
    int nargs = 0;
    int status;
    if (strcmp(name, "-") == 0 && !(o->script > 1 && strcmp(o->argv[o->script - 1], "--") == 0))
        name = NULL;
    status = luaL_loadfilex(L, name, "t");
    if (status == LUA_OK) {
        if (o->script) {
            nargs = o->argc - o->script - 1;
            luaL_checkstack(L, nargs, "too many arguments to the script");
            for (int i = o->script + 1; i < o->argc; i++) lua_pushstring(L, o->argv[i]);
        }
        status = run_call(L, nargs, LUA_MULTRET);
    }
    return run_report(L, status);
}

/*
 * --lessons, or --lesson N [--replay | --resume]: calls the lessons() or
 * lesson() that tools.c keeps in the registry (so -e cannot redefine them).
 * *interrupted tells whether Ctrl-C stopped the lesson (lessons.c leaves that
 * in the registry).
 */
static int run_lessons(lua_State *L, const struct options *o, int *interrupted)
{
    int status;
    int nargs = 0;
    lua_getfield(L, LUA_REGISTRYINDEX, o->lesson ? "gradcalc.lesson" : "gradcalc.lessons");
    if (o->lesson) {
        char *end;
        long n = strtol(o->lesson, &end, 10);
        if (end != o->lesson && *end == '\0')
            lua_pushinteger(L, n);
        else
            lua_pushstring(L, o->lesson);
        lua_createtable(L, 0, 2);
        lua_pushboolean(L, o->replay);
        lua_setfield(L, -2, "replay");
        lua_pushboolean(L, o->resume);
        lua_setfield(L, -2, "resume");
        lua_pushboolean(L, o->handout);
        lua_setfield(L, -2, "handout");
        lua_pushboolean(L, o->answers);
        lua_setfield(L, -2, "answers");
        if (o->output) lua_pushstring(L, o->output), lua_setfield(L, -2, "output");
        if (o->variant)
            lua_pushinteger(L, strtol(o->variant, NULL, 10)), lua_setfield(L, -2, "variant");
        nargs = 2;
    }
    status = run_report(L, run_call(L, nargs, 0));
    lua_getfield(L, LUA_REGISTRYINDEX, "gradcalc.lesson_interrupted");
    *interrupted = status == LUA_OK && lua_toboolean(L, -1);
    lua_pop(L, 1);
    return status;
}

/* Opens the libraries and the engine: its functions become globals. */
static void open_gradcalc(lua_State *L, int noenv)
{
    if (noenv) {
        lua_pushboolean(L, 1); /* the package library reads this */
        lua_setfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");
    }
    luaL_openlibs(L);
    luaL_requiref(L, "gradcalc", luaopen_gradcalc, 1);
    gradcalc_install_globals(L);
    lua_pushboolean(L, isatty(0) && isatty(1)); /* step() prompts only on a terminal */
    lua_setfield(L, -2, "_interactive");
    tools_install(L, -1);
    lua_pop(L, 1);
}

/* Everything, protected: argc and argv come as arguments 1 and 2. Returns
   true when all went well, or an exit status (130 after a Ctrl-C). */
static int pmain(lua_State *L)
{
    struct options o;
    memset(&o, 0, sizeof o);
    o.argc = (int)lua_tointeger(L, 1);
    o.argv = (char **)lua_touserdata(L, 2);
    luaL_checkversion(L);
    if (!parse_options(&o)) return 0;
    if (o.help || o.show_version) {
        if (o.help)
            print_usage(stdout);
        else
            print_version();
        lua_pushboolean(L, 1);
        return 1;
    }
    pretty_init(o.color);
    open_gradcalc(L, o.noenv);
    make_arg_table(L, &o);
    run_signals_init(L);
    lua_gc(L, LUA_GCRESTART);
    lua_gc(L, LUA_GCGEN, 0, 0);
    who_mark_builtins(L); /* who() shows what comes after this */
    if (o.version) print_version();
    if (!o.noenv && run_init(L) != LUA_OK) return 0;
    if (!run_options(L, &o)) return 0;
    if (o.script && run_script(L, &o) != LUA_OK) return 0;
    if (o.lessons || o.lesson) {
        int interrupted;
        if (run_lessons(L, &o, &interrupted) != LUA_OK) return 0;
        if (interrupted && !o.interactive) {
            lua_pushinteger(L, 130); /* the exit status, see main */
            return 1;
        }
        if (!o.interactive) {
            lua_pushboolean(L, 1);
            return 1;
        }
    }
    if (o.interactive || (!o.script && !o.exec && !o.version && isatty(STDIN_FILENO))) {
        if (isatty(STDIN_FILENO)) print_banner();
        repl_run(L);
    } else if (!o.script && !o.exec && !o.version) {
        if (run_script(L, &o) != LUA_OK) return 0;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* Tensors of a few MiB come and go in every training step: keep freed
 * memory in the heap for reuse rather than handing it back to the system
 * and faulting it in again (matmul at n = 256 runs about 10% faster). */
static void keep_freed_memory(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

int main(int argc, char **argv)
{
    keep_freed_memory();
    lua_State *L = luaL_newstate();
    int status, exit_status;
    if (L == NULL) {
        fprintf(stderr, "gradcalc: not enough memory to start\n");
        return EXIT_FAILURE;
    }
    lua_gc(L, LUA_GCSTOP); /* no collections while starting up */
    lua_pushcfunction(L, pmain);
    lua_pushinteger(L, argc);
    lua_pushlightuserdata(L, argv);
    status = lua_pcall(L, 2, 1, 0);
    if (status == LUA_OK && lua_isinteger(L, -1))
        exit_status = (int)lua_tointeger(L, -1);
    else
        exit_status = status == LUA_OK && lua_toboolean(L, -1) ? EXIT_SUCCESS : EXIT_FAILURE;
    run_report(L, status);
    lua_close(L);
    return exit_status;
}

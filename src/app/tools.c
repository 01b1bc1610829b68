/*
 * tools.c - the learner's helpers at the prompt: help, who, timeit, lesson
 * and lessons, made globals. Each is documented in the entry beside it, and
 * that entry goes into the module's _docs table with the engine's own, so
 * help(who) works like help(sigmoid). The helpers themselves live in
 * help.c, who.c, timing.c and lessons.c.
 */
#include <stddef.h>
#include <lua.h>
#include <lauxlib.h>
#include "app/tools.h"
#include "app/help.h"
#include "app/lessons.h"
#include "app/timing.h"
#include "app/who.h"

static const struct tool {
    const char *name;
    lua_CFunction fn;
    const char *signature, *summary, *example;
} tools[] = {
    { "help", help_show, "help([f])",
      "Without an argument, a short tour of gradcalc and the list of functions.\n"
      "With a function or its name, what it computes, its formula and\n"
      "derivative, and an example. At the prompt, ?name does the same.",
      "help(sigmoid)    help \"matmul\"    ?relu" },
    { "who", who_list, "who()",
      "Lists the variables you have made (not the built-ins), with the shape\n"
      "of each tensor and whether it requires or has a gradient.",
      "x = ones(2, 3); who()" },
    { "timeit", timing_timeit, "timeit(f [, n])",
      "Runs the function f n times (once by default) and prints how long one\n"
      "run took. At the prompt, :time stat times a statement the same way.",
      "timeit(function() return matmul(a, b) end, 10)" },
    { "lessons", lessons_list, "lessons()",
      "Lists the lessons of the course, one line each, with how far you got\n"
      "in each (kept in $XDG_STATE_HOME/gradcalc/progress). From the shell:\n"
      "gradcalc --lessons.",
      "lessons()" },
    { "lesson", lessons_run, "lesson(n [, {replay=true} | {resume=true}])",
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
    help_push_docs(L, module);
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
        const struct tool *t = &tools[i];
        lua_pushvalue(L, module);
        lua_pushcclosure(L, t->fn, 1);
        if (t->fn == help_show || t->fn == lessons_run || t->fn == lessons_list) {
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

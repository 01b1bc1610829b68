/*
 * lplot.c - plot: a list of numbers (a loss curve) drawn in the terminal,
 * or written as SVG (the drawing is in explain/plot.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "explain/plot.h"
#include "lua/lplot.h"
#include "lua/lregister.h"
#include "lua/ltensor.h"

/* ---- plot ------------------------------------------------------------------------------ */

static int l_plot(lua_State *L)
{
    static const char *const options[] = { "width", "height", "file", "title", "print", NULL };
    lua_settop(L, 2);
    lgc_check_options(L, 2, "plot", options);
    double width = 60, height = 15;
    lgc_number_option(L, 2, "plot", "width", &width);
    lgc_number_option(L, 2, "plot", "height", &height);
    if (!(width >= 10 && width <= 1000) || !(height >= 3 && height <= 500))
        return luaL_error(L, "plot: width must be 10 to 1000 and height 3 to 500 characters");
    const char *file = NULL, *title = NULL;
    FILE *out = stdout;
    if (!lua_isnil(L, 2)) {
        if (lua_getfield(L, 2, "file") != LUA_TNIL && !(file = lua_tostring(L, -1)))
            return luaL_error(L, "plot: option file must be a file name");
        if (lua_getfield(L, 2, "title") != LUA_TNIL && !(title = lua_tostring(L, -1)))
            return luaL_error(L, "plot: option title must be a string");
        if (lua_getfield(L, 2, "print") != LUA_TNIL)
            out = lgc_output_option(L, -1, "plot", "print");
    }

    /* The values: a 1-d tensor or a list of numbers, copied into a buffer
     * Lua owns (so an error below frees it). */
    Tensor *t = lgc_test(L, 1);
    int64_t n;
    double *v;
    if (t) {
        if (t->ndim > 1)
            return luaL_error(
                L, "plot: expects a 1-d tensor or a list of numbers, got a %d-d tensor", t->ndim);
        n = t->numel;
        v = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *v, 0);
        memcpy(v, t->data, (size_t)n * sizeof *v);
    } else {
        if (!lua_istable(L, 1))
            return luaL_error(L, "plot: expects a list of numbers or a 1-d tensor, got %s",
                              luaL_typename(L, 1));
        n = (int64_t)lua_rawlen(L, 1);
        v = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *v, 0);
        for (int64_t i = 0; i < n; i++) {
            lua_rawgeti(L, 1, (lua_Integer)i + 1);
            Tensor *x = lgc_test(L, -1);
            if (x && x->numel == 1)
                v[i] = x->data[0]; /* a list of losses as tensors */
            else if (lua_type(L, -1) == LUA_TNUMBER)
                v[i] = lua_tonumber(L, -1);
            else
                return luaL_error(L, "plot: value %I is a %s, expected a number",
                                  (lua_Integer)i + 1,
                                  x ? "tensor of more than one element" : luaL_typename(L, -1));
            lua_pop(L, 1);
        }
    }
    if (n == 0) return luaL_error(L, "plot: nothing to plot, the list of values is empty");

    /* read again: a finalizer run by the allocations above may have closed it */
    if (out && out != stdout)
        out = lua_isnil(L, 2) ? stdout : lgc_output_option(L, 5, "plot", "print");
    char *text = gc_plot_text(v, n, (int)width, (int)height, title);
    if (!text) return lgc_raise(L);
    if (out) fputs(text, out), fflush(out);
    free(text);
    if (file && gc_plot_svg(v, n, file, title)) return lgc_raise(L);
    return 0;
}

static const LuaFunction functions[] = {
    { "plot", NULL, "plot", l_plot,
      "plot(values [, {width=60, height=15, title=, file=\"loss.svg\", print=true}])",
      "Draws a line chart of a list of numbers (or of one-element tensors, e.g. losses) or of a "
      "1-d tensor in the terminal with braille dots: height rows of chart with the maximum and "
      "minimum labelled on the y-axis, then the x-axis with the first, middle and last step "
      "numbers. Non-finite values (nan, inf) leave a gap and a note. file also writes an SVG line "
      "chart (written to file.tmp, then renamed, so it never is half written); print=false draws "
      "only the file.",
      NULL,
      "losses = {}; for i = 1, 50 do losses[i] = 1 / i end; plot(losses, {file = \"loss.svg\"})" },
};

void lgc_open_plot(lua_State *L)
{
    lgc_register(L, lua_gettop(L), functions, sizeof functions / sizeof functions[0]);
}

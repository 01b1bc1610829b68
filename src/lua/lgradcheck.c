/*
 * lgradcheck.c - gradcheck: every gradient of a function checked against
 * central differences, as a table a learner reads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ops.h"
#include "explain/print.h"
#include "lua/lgradcheck.h"
#include "lua/lregister.h"
#include "lua/ltensor.h"

/* ---- gradcheck -------------------------------------------------------------------- */

/* Calls f (at index 1) with the inputs (the list at index 2) and returns the
 * scalar it checks: the output itself when it has one element, else
 * Σ_k w_k×out_k with the fixed weights w_k = k/n. Leaves the output on the
 * stack. Errors (from f too) propagate as Lua errors. */
static double evaluate(lua_State *L, int ninputs, Tensor **out)
{
    luaL_checkstack(L, ninputs + 2, "gradcheck");
    lua_pushvalue(L, 1);
    for (int k = 1; k <= ninputs; k++) lua_rawgeti(L, 2, k);
    lua_call(L, ninputs, 1);
    Tensor *y = lgc_test(L, -1);
    if (!y) luaL_error(L, "gradcheck: f must return a tensor, got %s", luaL_typename(L, -1));
    *out = y;
    double s = 0;
    if (y->numel == 1) return y->data[0];
    for (int64_t k = 0; k < y->numel; k++) s += (double)(k + 1) / (double)y->numel * y->data[k];
    return s;
}

/* State that must be put back whatever happens while f runs perturbed. */
typedef struct Probe {
    double *where, value; /* the element being moved, and its true value */
    int no_grad;          /* whether recording is switched off */
} Probe;

static void restore(Probe *p)
{
    if (p->where) *p->where = p->value, p->where = NULL;
    if (p->no_grad) gc_no_grad_depth--, p->no_grad = 0;
}

/* The ops whose derivative jumps somewhere (a kink, in the op table): a
 * gradient check near the jump compares different slopes. Their names, in
 * the table's order, as they appear in out's graph. Written into a C buffer
 * before anything is pushed, so an out-of-memory error cannot leak order. */
static void push_kinked_ops(lua_State *L, Tensor *out)
{
    int64_t n = 0;
    Tensor **order = out ? gc_topo_order(out, &n) : NULL;
    char names[512] = "";
    size_t len = 0;
    for (int op = 0; op < OP_COUNT; op++)
        for (int64_t i = 0; gc_ops[op].kink && i < n; i++)
            if (order[i]->op == &gc_ops[op]) {
                if (len < sizeof names)
                    len += (size_t)snprintf(names + len, sizeof names - len, "%s%s",
                                            len ? ", " : "", gc_ops[op].name);
                break;
            }
    free(order);
    lua_pushstring(L, names);
}

/* "w[2][1]" (or "input2[2][1]" for an unnamed input k): element i of x,
 * with Lua's 1-based indices. */
static void element_label(const Tensor *x, int k, int64_t i, char *buf, size_t size)
{
    size_t len = x->name ? (size_t)snprintf(buf, size, "%s", x->name)
                         : (size_t)snprintf(buf, size, "input%d", k);
    int64_t stride = x->numel;
    for (int d = 0; d < x->ndim && len < size; d++) {
        stride /= x->shape[d];
        len += (size_t)snprintf(buf + len, size - len, "[%lld]",
                                (long long)(i / stride % x->shape[d] + 1));
    }
}

/* Writes s padded to width columns; counts characters, not the bytes of
 * UTF-8 such as the − of "f(x−h)". */
static void cell(FILE *out, const char *s, int width)
{
    int columns = 0;
    for (const char *p = s; *p; p++) columns += (*p & 0xC0) != 0x80;
    fprintf(out, "%s%*s", s, width > columns ? width - columns + 1 : 1, "");
}

static int within(double a, double b, double atol, double rtol)
{
    return fabs(a - b) <= atol + rtol * fabs(b);
}

/* Past this many elements a full check would run f twice per element
 * (65,536 elements of an O(n) f is ~10^10 operations): gradcheck then checks
 * an evenly spaced sample of this many, and says so. */
#define GRADCHECK_MAX_ELEMENTS 1000

/* The stack slots of gradcheck_body. */
enum { F = 1, INPUTS, OPTIONS, PROBE, SINK, HELD };

/* Where the table goes, read again after every call of f: f may close the
 * file it was asked to print into. NULL: not printed. */
static FILE *sink(lua_State *L)
{
    if (lua_isnil(L, SINK)) return NULL;
    if (lua_isboolean(L, SINK)) return stdout;
    luaL_Stream *s = luaL_testudata(L, SINK, LUA_FILEHANDLE);
    if (!s || !s->closef) luaL_error(L, "gradcheck: f closed the file given as option print");
    return s->f;
}

/* The body of gradcheck, run under lua_pcall so that the probe is always
 * undone: 1 f, 2 list of inputs, 3 options, 4 light userdata Probe.
 *
 * Every tensor it uses across a call of f is anchored: the inputs by
 * references of its own at HELD (f gets a private copy of the list, so it
 * may change or empty the caller's), the analytic gradients in a table, the
 * outputs on the stack, and the print file as a value at SINK. */
static int gradcheck_body(lua_State *L)
{
    static const char *const options[] = { "eps", "atol", "rtol", "print", "max_elements", NULL };
    Probe *probe = lua_touserdata(L, PROBE);
    double h = 1e-6, atol = 1e-5, rtol = 1e-3, max_elements = GRADCHECK_MAX_ELEMENTS;
    lgc_check_options(L, OPTIONS, "gradcheck", options);
    lgc_number_option(L, OPTIONS, "gradcheck", "eps", &h);
    lgc_number_option(L, OPTIONS, "gradcheck", "atol", &atol);
    lgc_number_option(L, OPTIONS, "gradcheck", "rtol", &rtol);
    lgc_number_option(L, OPTIONS, "gradcheck", "max_elements", &max_elements);
    if (!(h > 0)) return luaL_error(L, "gradcheck: eps (the step h) must be > 0");
    if (!(max_elements >= 1))
        return luaL_error(L, "gradcheck: max_elements must be at least 1 (math.huge checks all)");
    lua_settop(L, PROBE);
    lua_pushboolean(L, 1); /* SINK: stdout unless print says otherwise */
    if (!lua_isnil(L, OPTIONS)) {
        lua_getfield(L, OPTIONS, "print");
        if (!lua_isnil(L, -1)) {
            if (!lgc_output_option(L, -1, "gradcheck", "print")) lua_pushnil(L), lua_replace(L, -2);
            lua_replace(L, SINK);
        } else {
            lua_pop(L, 1);
        }
    }
    int n = (int)lua_rawlen(L, INPUTS), checked = 0;
    int64_t total = 0; /* elements to check */
    /* HELD: references of gradcheck's own, in slots f never sees (even
     * debug.getmetatable(x).__gc(x) in f cannot free what C uses) */
    lua_createtable(L, n, 0);
    lua_createtable(L, n, 0); /* the private copy of the list, given to f */
    for (int k = 1; k <= n; k++) {
        Tensor **held = lgc_newslot(L); /* before x is read: this may run finalizers */
        lua_rawseti(L, HELD, k);
        lua_rawgeti(L, INPUTS, k);
        Tensor *x = lgc_test(L, -1);
        if (!x)
            return luaL_error(L, "gradcheck: inputs[%d] is a %s, expected a tensor", k,
                              luaL_typename(L, -1));
        for (int j = 1; j < k; j++) { /* each input's gradient is set aside once */
            lua_rawgeti(L, HELD, j);
            if (lgc_test(L, -1) == x)
                return luaL_error(
                    L, "gradcheck: inputs[%d] is the same tensor as inputs[%d]; pass it once", k,
                    j);
            lua_pop(L, 1);
        }
        gc_retain(x);
        *held = x;
        checked += x->requires_grad;
        if (x->requires_grad) total += x->numel;
        lua_rawseti(L, -2, k);
    }
    lua_replace(L, INPUTS);
    if (!checked)
        return luaL_error(L, "gradcheck: no input requires a gradient; make them with var()");
    if (gc_no_grad_depth > 0)
        return luaL_error(
            L, "gradcheck: called inside no_grad, where no graph is recorded for backward");

    /* 1. The analytic gradient: one forward and one backward. The inputs'
     *    own gradients are set aside so that nothing accumulates into them.
     *    The slots that will hold the new gradients are made first: between
     *    setting aside and giving back, nothing can fail. */
    Tensor *y;
    evaluate(L, n, &y);       /* stays on the stack, so y stays alive */
    lua_createtable(L, n, 0); /* analytic gradients, by input */
    int analytic = lua_gettop(L);
    for (int k = 1; k <= n; k++) {
        lgc_newslot(L);
        lua_rawseti(L, analytic, k);
    }
    Tensor **saved = lua_newuserdatauv(L, (size_t)n * sizeof *saved + 1, 0);
    if (!(y = lgc_test(L, analytic - 1))) /* freed by a finalizer, through the debug library */
        return luaL_error(L, "gradcheck: the tensor f returned was freed");
    Tensor *weights = y->requires_grad ? gc_new_like(y) : NULL;
    if (y->requires_grad && !weights) return lgc_raise(L);
    for (int k = 1; k <= n; k++) {
        lua_rawgeti(L, HELD, k);
        Tensor *x = lgc_test(L, -1);
        saved[k - 1] = x->grad, x->grad = NULL;
        lua_pop(L, 1);
    }
    int failed = 0;
    if (weights) {
        for (int64_t i = 0; i < y->numel; i++)
            weights->data[i] = y->numel == 1 ? 1 : (double)(i + 1) / (double)y->numel;
        failed = gc_backward(y, weights, NULL, NULL);
        gc_release(weights);
    }
    for (int k = 1; k <= n; k++) { /* keep the new gradients, give the old ones back */
        lua_rawgeti(L, HELD, k);
        Tensor *x = lgc_test(L, -1);
        lua_rawgeti(L, analytic, k);
        *(Tensor **)lua_touserdata(L, -1) = x->grad; /* NULL: no gradient reached x */
        x->grad = saved[k - 1];
        lua_pop(L, 2);
    }
    if (failed) return lgc_raise(L);
    push_kinked_ops(L, y);
    const char *kinked_ops = lua_tostring(L, -1);

    /* 2. The numerical gradient, by central differences, recording off. */
    probe->no_grad = 1, gc_no_grad_depth++;
    double f0 = evaluate(L, n, &y);
    int64_t ny = y->numel;
    lua_pop(L, 1);
    int64_t picks = total > (int64_t)fmin(max_elements, 1e15) ? (int64_t)max_elements : total;
    char nb[8][40];
    int wide = gc_print_precision > 12 ? gc_print_precision : 12; /* f(x±h) differ late */
    int widths[6] = { 13, wide + 7, wide + 7, gc_print_precision + 7, gc_print_precision + 7, 10 };
    FILE *out = sink(L);
    if (out) {
        fprintf(out,
                "gradcheck: central differences (f(x+h) − f(x−h))/2h with h = %s; pass when "
                "|numerical − analytic| ≤ atol + rtol×|numerical| (atol = %s, rtol = %s)\n",
                gc_format_number(h, 6, nb[0], 40), gc_format_number(atol, 6, nb[1], 40),
                gc_format_number(rtol, 6, nb[2], 40));
        if (ny != 1)
            fprintf(out, "  f returns %lld numbers; checked: Σ_k (k/%lld)×f_k\n", (long long)ny,
                    (long long)ny);
        if (picks < total)
            fprintf(out,
                    "  %lld elements require a gradient; checked: %lld of them, evenly spaced "
                    "(option max_elements, default %d; math.huge checks all)\n",
                    (long long)total, (long long)picks, GRADCHECK_MAX_ELEMENTS);
        const char *heads[] = {
            "element", "f(x+h)", "f(x−h)", "numerical", "analytic", "rel. error"
        };
        for (int c = 0; c < 6; c++) cell(out, heads[c], widths[c]);
        fputs("result\n", out);
    }
    lua_newtable(L); /* the rows */
    int rows = lua_gettop(L), nrows = 0, all_pass = 1, kinks = 0;
    int64_t seen = 0, pick = 0, next = 0; /* element `seen` overall is checked when == next */
    for (int k = 1; k <= n; k++) {
        lua_rawgeti(L, HELD, k);
        Tensor *x = lgc_test(L, -1);
        lua_rawgeti(L, analytic, k);
        Tensor *g = lgc_test(L, -1);
        lua_pop(L, 2); /* both stay anchored by their tables */
        if (!x->requires_grad) continue;
        for (int64_t i = 0; i < x->numel; i++, seen++) {
            if (seen != next) continue;
            next = picks < total ? (int64_t)((double)++pick * (double)total / (double)picks)
                                 : seen + 1;
            probe->where = &x->data[i], probe->value = x->data[i];
            x->data[i] = probe->value + h;
            double fp = evaluate(L, n, &y);
            x->data[i] = probe->value - h;
            double fm = evaluate(L, n, &y);
            lua_pop(L, 2);
            x->data[i] = probe->value, probe->where = NULL;

            double numerical = (fp - fm) / (2 * h), ana = g ? g->data[i] : 0;
            double right = (fp - f0) / h, left = (f0 - fm) / h; /* one-sided slopes */
            double scale = fmax(fabs(numerical), fabs(ana));
            double rel = scale > 0 ? fabs(numerical - ana) / scale : 0;
            /* On a kink the two one-sided slopes disagree by far more than
             * curvature×h; the analytic gradient may then be either one. */
            int kink = fabs(right - left) > 10 * (atol + rtol * fmax(fabs(right), fabs(left)));
            int pass = within(ana, numerical, atol, rtol) ||
                       (kink && (within(ana, right, atol, rtol) || within(ana, left, atol, rtol)));
            all_pass &= pass, kinks += kink;

            char label[160];
            element_label(x, k, i, label, sizeof label);
            const char *result =
                pass ? (kink ? "pass (kink)" : "pass") : (kink ? "FAIL (kink)" : "FAIL");
            out = sink(L);
            if (out) {
                const char *cells[] = { label,
                                        gc_format_number(fp, wide, nb[0], 40),
                                        gc_format_number(fm, wide, nb[1], 40),
                                        gc_format_number(numerical, gc_print_precision, nb[2], 40),
                                        gc_format_number(ana, gc_print_precision, nb[3], 40),
                                        gc_format_number(rel, 3, nb[4], 40) };
                for (int c = 0; c < 6; c++) cell(out, cells[c], widths[c]);
                fprintf(out, "%s\n", result);
            }
            if (out && kink)
                fprintf(
                    out,
                    "  warning: %s sits on a kink: the slope is %s to the right and %s to the "
                    "left%s%s%s; the analytic gradient takes one side (or their average), so it is "
                    "checked against either\n",
                    label, gc_format_number(right, 4, nb[5], 40),
                    gc_format_number(left, 4, nb[6], 40), *kinked_ops ? " (from " : "", kinked_ops,
                    *kinked_ops ? " in f)" : "");

            lua_createtable(L, 0, 10);
            lua_pushstring(L, label), lua_setfield(L, -2, "element");
            lua_pushinteger(L, k), lua_setfield(L, -2, "input");
            lua_pushinteger(L, (lua_Integer)i + 1), lua_setfield(L, -2, "position");
            lua_pushnumber(L, fp), lua_setfield(L, -2, "f_plus");
            lua_pushnumber(L, fm), lua_setfield(L, -2, "f_minus");
            lua_pushnumber(L, numerical), lua_setfield(L, -2, "numerical");
            lua_pushnumber(L, ana), lua_setfield(L, -2, "analytic");
            lua_pushnumber(L, rel), lua_setfield(L, -2, "rel_error");
            lua_pushboolean(L, pass), lua_setfield(L, -2, "pass");
            lua_pushboolean(L, kink), lua_setfield(L, -2, "kink");
            lua_rawseti(L, rows, ++nrows);
        }
    }
    restore(probe);
    out = sink(L);
    if (out) {
        int passed = 0;
        for (int r = 1; r <= nrows; r++) {
            lua_rawgeti(L, rows, r);
            lua_getfield(L, -1, "pass");
            passed += lua_toboolean(L, -1);
            lua_pop(L, 2);
        }
        fprintf(out, "gradcheck: %d of %d elements pass%s%s\n", passed, nrows,
                all_pass ? "" : " — the analytic gradient is wrong where it says FAIL",
                kinks ? " (see the kink warnings)" : "");
        fflush(out);
    }
    lua_pushboolean(L, all_pass);
    lua_pushvalue(L, rows);
    return 2;
}

static int l_gradcheck(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_settop(L, 3);
    if (lgc_test(L, 2)) { /* one tensor: a list of one */
        lua_createtable(L, 1, 0);
        lua_pushvalue(L, 2);
        lua_rawseti(L, -2, 1);
        lua_replace(L, 2);
    }
    if (!lua_istable(L, 2))
        return luaL_error(L, "gradcheck: inputs must be a tensor or a list of tensors, got %s",
                          luaL_typename(L, 2));
    Probe probe = { NULL, 0, 0 };
    lua_pushcfunction(L, gradcheck_body);
    lua_insert(L, 1);
    lua_pushlightuserdata(L, &probe);
    int status = lua_pcall(L, 4, 2, 0);
    restore(&probe); /* even when f raised an error halfway */
    if (status != LUA_OK) return lua_error(L);
    return 2;
}

static const LuaFunction functions[] = {
    { "gradcheck", NULL, "gradcheck", l_gradcheck,
      "gradcheck(f, inputs [, {eps=1e-6, atol=1e-5, rtol=1e-3, print=true, max_elements=1000}])",
      "Checks backward against finite differences. f receives the input tensors as arguments and "
      "returns a tensor; one with several elements is checked through Σ_k (k/n)×out_k (fixed, "
      "distinct weights, so a mistake in any element shows). For each element of each input that "
      "requires a gradient it computes f at x+h and x−h with recording off, and prints a table: "
      "element, f(x+h), f(x−h), the estimate (f(x+h) − f(x−h))/2h, the gradient from one backward, "
      "the relative error |num − ana|/max(|num|, |ana|), and pass when |num − ana| ≤ atol + "
      "rtol×|num|. An element on a kink (relu, abs, max… switching branch within h: the slopes "
      "to either side differ) gets a warning and passes if the analytic gradient matches either "
      "side. Past max_elements (1000) elements requiring a gradient, an evenly spaced sample of "
      "that many is checked, and the table says so (max_elements = math.huge checks all: f runs "
      "twice per element). f may change or empty the list it was given. The inputs' own gradients "
      "are left as they were. print may be false or an open file. "
      "Returns true when every element passes, and the rows (fields element, f_plus, f_minus, "
      "numerical, analytic, rel_error, pass, kink).",
      "(f(x+h) − f(x−h)) / 2h  ≈  ∂f/∂x, error O(h²)",
      "gradcheck(function(x) return sum(sigmoid(x) * x) end, {var({0.5, -1}, \"x\")})" },
};

void lgc_open_gradcheck(lua_State *L)
{
    lgc_register(L, lua_gettop(L), functions, sizeof functions / sizeof functions[0]);
}

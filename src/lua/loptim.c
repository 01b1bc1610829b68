/*
 * loptim.c - the Lua side of training: optim.SGD, optim.RMSprop and
 * optim.Adam (the maths is in optim.c), gradcheck (central differences
 * against one backward), and plot (drawing is in plot.c).
 *
 * Functions that print take true (standard output), false, or an open Lua
 * file, so their text can also go to a file (and be read back by tests).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lua/ltensor.h"
#include "lua/loptim.h"
#include "core/optim.h"
#include "explain/plot.h"
#include "explain/print.h"

#define OPTIMIZER "gradcalc.Optimizer"

/* ---- small helpers ------------------------------------------------------------ */

/* Where the printing option at idx sends text: NULL for false/nil, stdout
 * for true, or the FILE of an open Lua file. */
static FILE *output(lua_State *L, int idx, const char *who, const char *option)
{
    if (lua_isnoneornil(L, idx) || (lua_isboolean(L, idx) && !lua_toboolean(L, idx))) return NULL;
    if (lua_isboolean(L, idx)) return stdout;
    luaL_Stream *s = luaL_testudata(L, idx, LUA_FILEHANDLE);
    if (s && s->closef) return s->f;
    luaL_error(L, "%s: option %s is true, false or an open file (io.stdout, io.open(...)), got %s",
               who, option, s ? "a closed file" : luaL_typename(L, idx));
    return NULL;
}

/* Checks that every key of the options table at idx is one of valid
 * (a NULL-terminated list); the error lists them. */
static void check_options(lua_State *L, int idx, const char *who, const char *const *valid)
{
    if (lua_isnoneornil(L, idx)) return;
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        const char *key = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        int known = 0;
        for (int i = 0; key && valid[i]; i++) known |= !strcmp(key, valid[i]);
        if (!known) {
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            for (int i = 0; valid[i]; i++) {
                if (i) luaL_addstring(&b, ", ");
                luaL_addstring(&b, valid[i]);
            }
            luaL_pushresult(&b);
            luaL_error(L, "%s: unknown option '%s' (valid options: %s)", who,
                       key ? key : luaL_typename(L, -2), lua_tostring(L, -1));
        }
    }
}

/* Reads number option key of the table at idx into *value, if present. */
static void number_option(lua_State *L, int idx, const char *who, const char *key, double *value)
{
    if (lua_isnoneornil(L, idx)) return;
    int type = lua_getfield(L, idx, key);
    if (type == LUA_TNUMBER)
        *value = lua_tonumber(L, -1);
    else if (type != LUA_TNIL)
        luaL_error(L, "%s: option %s must be a number, got %s", who, key, luaL_typename(L, -1));
    lua_pop(L, 1);
}

/* ---- optimizers ------------------------------------------------------------------ */

static Optimizer *check_optimizer(lua_State *L, int idx)
{
    Optimizer **o = luaL_checkudata(L, idx, OPTIMIZER);
    if (!*o) luaL_error(L, "this optimizer has been freed");
    return *o;
}

static const char *const sgd_options[] = { "lr",       "momentum",     "dampening",
                                           "nesterov", "weight_decay", NULL };
static const char *const rmsprop_options[] = { "lr",       "alpha",        "eps",
                                               "momentum", "weight_decay", NULL };
static const char *const adam_options[] = { "lr", "betas", "eps", "weight_decay", NULL };

/* optim.SGD(params, options) and its siblings. */
static int new_optimizer(lua_State *L, OptimKind kind)
{
    char who[32];
    snprintf(who, sizeof who, "optim.%s", gc_optim_name(kind));
    OptimConfig c = gc_optim_defaults(kind);
    lua_settop(L, 2);
    check_options(L, 2, who,
                  kind == GC_SGD       ? sgd_options
                  : kind == GC_RMSPROP ? rmsprop_options
                                       : adam_options);
    number_option(L, 2, who, "lr", &c.lr);
    number_option(L, 2, who, "weight_decay", &c.weight_decay);
    number_option(L, 2, who, "momentum", &c.momentum);
    number_option(L, 2, who, "dampening", &c.dampening);
    number_option(L, 2, who, "alpha", &c.alpha);
    number_option(L, 2, who, "eps", &c.eps);
    if (!lua_isnil(L, 2)) {
        lua_getfield(L, 2, "nesterov");
        c.nesterov = lua_toboolean(L, -1);
        int type = lua_getfield(L, 2, "betas");
        if (type != LUA_TNIL) {
            if (type != LUA_TTABLE || lua_rawlen(L, -1) != 2 ||
                lua_rawgeti(L, -1, 1) != LUA_TNUMBER || lua_rawgeti(L, -2, 2) != LUA_TNUMBER)
                return luaL_error(L, "%s: betas must be a list of two numbers, e.g. {0.9, 0.999}",
                                  who);
            c.beta1 = lua_tonumber(L, -2), c.beta2 = lua_tonumber(L, -1);
        }
        lua_settop(L, 2);
    }

    /* The parameters: a list of tensors (or one tensor). */
    if (lgc_test(L, 1)) {
        lua_createtable(L, 1, 0);
        lua_pushvalue(L, 1);
        lua_rawseti(L, -2, 1);
        lua_replace(L, 1);
    }
    if (!lua_istable(L, 1))
        return luaL_error(L, "%s: params must be a list of tensors, e.g. {w, b}; got %s", who,
                          luaL_typename(L, 1));
    int n = (int)lua_rawlen(L, 1);
    Tensor **params = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *params, 0);
    for (int k = 1; k <= n; k++) {
        lua_rawgeti(L, 1, k);
        if (!(params[k - 1] = lgc_test(L, -1)))
            return luaL_error(L, "%s: params[%d] is a %s, expected a tensor", who, k,
                              luaL_typename(L, -1));
        lua_pop(L, 1);
    }
    Optimizer **slot = lua_newuserdatauv(L, sizeof *slot, 0); /* owned by Lua before it exists */
    *slot = NULL;
    luaL_setmetatable(L, OPTIMIZER);
    if (!(*slot = gc_optim_new(&c, n, params, who))) return lgc_raise(L);
    return 1;
}

static int l_sgd(lua_State *L) { return new_optimizer(L, GC_SGD); }
static int l_rmsprop(lua_State *L) { return new_optimizer(L, GC_RMSPROP); }
static int l_adam(lua_State *L) { return new_optimizer(L, GC_ADAM); }

static int l_step(lua_State *L)
{
    static const char *const step_options[] = { "trace", NULL };
    Optimizer *o = check_optimizer(L, 1);
    FILE *trace = NULL;
    check_options(L, 2, "step", step_options);
    if (!lua_isnoneornil(L, 2)) {
        lua_getfield(L, 2, "trace");
        trace = output(L, -1, "step", "trace");
    }
    if (gc_optim_step(o, trace)) return lgc_raise(L);
    return 0;
}

static int l_optim_zero_grad(lua_State *L)
{
    gc_optim_zero_grad(check_optimizer(L, 1));
    return 0;
}

static int optimizer_gc(lua_State *L)
{
    Optimizer **o = luaL_checkudata(L, 1, OPTIMIZER);
    gc_optim_free(*o);
    *o = NULL;
    return 0;
}

/* The shortest text that reads back as v: 0.1, not 0.10000000000000001. */
static const char *exact(double v, char *buf)
{
    for (int digits = 6; digits < 17; digits++)
        if (strtod(gc_format_number(v, digits, buf, 40), NULL) == v) return buf;
    return gc_format_number(v, 17, buf, 40);
}

static int optimizer_tostring(lua_State *L)
{
    Optimizer *o = check_optimizer(L, 1);
    const OptimConfig *c = &o->c;
    char b[6][40];
    if (c->kind == GC_SGD)
        lua_pushfstring(L,
                        "optim.SGD(lr=%s, momentum=%s, dampening=%s, nesterov=%s, weight_decay=%s)",
                        exact(c->lr, b[0]), exact(c->momentum, b[1]), exact(c->dampening, b[2]),
                        c->nesterov ? "true" : "false", exact(c->weight_decay, b[3]));
    else if (c->kind == GC_RMSPROP)
        lua_pushfstring(L, "optim.RMSprop(lr=%s, alpha=%s, eps=%s, momentum=%s, weight_decay=%s)",
                        exact(c->lr, b[0]), exact(c->alpha, b[1]), exact(c->eps, b[2]),
                        exact(c->momentum, b[3]), exact(c->weight_decay, b[4]));
    else
        lua_pushfstring(L, "optim.Adam(lr=%s, betas={%s, %s}, eps=%s, weight_decay=%s)",
                        exact(c->lr, b[0]), exact(c->beta1, b[1]), exact(c->beta2, b[2]),
                        exact(c->eps, b[3]), exact(c->weight_decay, b[4]));
    lua_pushfstring(L, " over %d parameter%s", o->n, o->n == 1 ? "" : "s");
    lua_concat(L, 2);
    return 1;
}

/* opt.lr (readable and settable, for schedules), opt.params, and methods. */
static int optimizer_index(lua_State *L)
{
    Optimizer *o = check_optimizer(L, 1);
    const char *key = luaL_checkstring(L, 2);
    if (!strcmp(key, "lr")) {
        lua_pushnumber(L, o->c.lr);
    } else if (!strcmp(key, "params")) {
        lua_createtable(L, o->n, 0);
        for (int k = 0; k < o->n; k++) {
            gc_retain(o->params[k]);
            lgc_push(L, o->params[k]);
            lua_rawseti(L, -2, k + 1);
        }
    } else {
        lua_getmetatable(L, 1);
        lua_getfield(L, -1, "methods");
        lua_getfield(L, -1, key);
    }
    return 1;
}

static int optimizer_newindex(lua_State *L)
{
    Optimizer *o = check_optimizer(L, 1);
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "lr"))
        return luaL_error(L, "optimizer: cannot set field '%s' (settable: lr)", key);
    double lr = luaL_checknumber(L, 3);
    if (!(lr >= 0))
        return luaL_error(L, "optimizer: lr (the learning rate) must be >= 0, got %f", lr);
    o->c.lr = lr;
    return 0;
}

/* ---- gradcheck -------------------------------------------------------------------- */

/* Calls f (at index 1) with the inputs (the list at index 2) and returns the
 * scalar it checks: the output itself when it has one element, else
 * Σ_k w_k·out_k with the fixed weights w_k = k/n. Leaves the output on the
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
 * the table's order, as they appear in out's graph. */
static void push_kinked_ops(lua_State *L, Tensor *out)
{
    int64_t n = 0;
    Tensor **order = out ? gc_topo_order(out, &n) : NULL;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    int found = 0;
    for (int op = 0; op < OP_COUNT; op++)
        for (int64_t i = 0; gc_ops[op].kink && i < n; i++)
            if (order[i]->op == &gc_ops[op]) {
                luaL_addstring(&b, found++ ? ", " : "");
                luaL_addstring(&b, gc_ops[op].name);
                break;
            }
    free(order);
    luaL_pushresult(&b);
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

/* The body of gradcheck, run under lua_pcall so that the probe is always
 * undone: 1 f, 2 list of inputs, 3 options, 4 light userdata Probe. */
static int gradcheck_body(lua_State *L)
{
    static const char *const options[] = { "eps", "atol", "rtol", "print", NULL };
    Probe *probe = lua_touserdata(L, 4);
    double h = 1e-6, atol = 1e-5, rtol = 1e-3;
    check_options(L, 3, "gradcheck", options);
    number_option(L, 3, "gradcheck", "eps", &h);
    number_option(L, 3, "gradcheck", "atol", &atol);
    number_option(L, 3, "gradcheck", "rtol", &rtol);
    if (!(h > 0)) return luaL_error(L, "gradcheck: eps (the step h) must be > 0");
    FILE *out = stdout;
    if (!lua_isnil(L, 3)) {
        lua_getfield(L, 3, "print");
        if (!lua_isnil(L, -1)) out = output(L, -1, "gradcheck", "print");
        lua_pop(L, 1);
    }
    int n = (int)lua_rawlen(L, 2), checked = 0;
    for (int k = 1; k <= n; k++) {
        lua_rawgeti(L, 2, k);
        Tensor *x = lgc_test(L, -1);
        if (!x)
            return luaL_error(L, "gradcheck: inputs[%d] is a %s, expected a tensor", k,
                              luaL_typename(L, -1));
        for (int j = 1; j < k; j++) { /* each input's gradient is set aside once */
            lua_rawgeti(L, 2, j);
            if (lgc_test(L, -1) == x)
                return luaL_error(
                    L, "gradcheck: inputs[%d] is the same tensor as inputs[%d]; pass it once", k,
                    j);
            lua_pop(L, 1);
        }
        checked += x->requires_grad;
        lua_pop(L, 1);
    }
    if (!checked)
        return luaL_error(L, "gradcheck: no input requires a gradient; make them with var()");
    if (gc_no_grad_depth > 0)
        return luaL_error(
            L, "gradcheck: called inside no_grad, where no graph is recorded for backward");

    /* 1. The analytic gradient: one forward and one backward. The inputs'
     *    own gradients are set aside so that nothing accumulates into them. */
    Tensor *y;
    evaluate(L, n, &y);       /* stays on the stack, so y stays alive */
    lua_createtable(L, n, 0); /* analytic gradients, by input */
    int analytic = lua_gettop(L);
    Tensor **saved = lua_newuserdatauv(L, (size_t)n * sizeof *saved, 0);
    for (int k = 1; k <= n; k++) {
        lua_rawgeti(L, 2, k);
        Tensor *x = lgc_test(L, -1);
        saved[k - 1] = x->grad, x->grad = NULL;
        lua_pop(L, 1);
    }
    int failed = 0;
    if (y->requires_grad) {
        Tensor *weights = gc_new_like(y);
        if (weights)
            for (int64_t i = 0; i < y->numel; i++)
                weights->data[i] = y->numel == 1 ? 1 : (double)(i + 1) / (double)y->numel;
        failed = !weights || gc_backward(y, weights, NULL, NULL);
        if (weights) gc_release(weights);
    }
    for (int k = 1; k <= n; k++) { /* keep the new gradients, give the old ones back */
        lua_rawgeti(L, 2, k);
        Tensor *x = lgc_test(L, -1);
        if (x->grad)
            lgc_push(L, x->grad);
        else
            lua_pushboolean(L, 0); /* no gradient reached x: all zeros */
        x->grad = saved[k - 1];
        lua_rawseti(L, analytic, k);
        lua_pop(L, 1);
    }
    if (failed) return lgc_raise(L);
    push_kinked_ops(L, y);
    const char *kinked_ops = lua_tostring(L, -1);

    /* 2. The numerical gradient, by central differences, recording off. */
    probe->no_grad = 1, gc_no_grad_depth++;
    double f0 = evaluate(L, n, &y);
    int64_t ny = y->numel;
    lua_pop(L, 1);
    char nb[8][40];
    int wide = gc_print_precision > 12 ? gc_print_precision : 12; /* f(x±h) differ late */
    int widths[6] = { 13, wide + 7, wide + 7, gc_print_precision + 7, gc_print_precision + 7, 10 };
    if (out) {
        fprintf(out,
                "gradcheck: central differences (f(x+h) − f(x−h))/2h with h = %s; pass when "
                "|numerical − analytic| ≤ atol + rtol·|numerical| (atol = %s, rtol = %s)\n",
                gc_format_number(h, 6, nb[0], 40), gc_format_number(atol, 6, nb[1], 40),
                gc_format_number(rtol, 6, nb[2], 40));
        if (ny != 1)
            fprintf(out, "  f returns %lld numbers; checked: Σ_k (k/%lld)·f_k\n", (long long)ny,
                    (long long)ny);
        const char *heads[] = {
            "element", "f(x+h)", "f(x−h)", "numerical", "analytic", "rel. error"
        };
        for (int c = 0; c < 6; c++) cell(out, heads[c], widths[c]);
        fputs("result\n", out);
    }
    lua_newtable(L); /* the rows */
    int rows = lua_gettop(L), nrows = 0, all_pass = 1, kinks = 0;
    for (int k = 1; k <= n; k++) {
        lua_rawgeti(L, 2, k);
        Tensor *x = lgc_test(L, -1);
        lua_rawgeti(L, analytic, k);
        Tensor *g = lgc_test(L, -1);
        lua_pop(L, 2);
        if (!x->requires_grad) continue;
        for (int64_t i = 0; i < x->numel; i++) {
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
             * curvature·h; the analytic gradient may then be either one. */
            int kink = fabs(right - left) > 10 * (atol + rtol * fmax(fabs(right), fabs(left)));
            int pass = within(ana, numerical, atol, rtol) ||
                       (kink && (within(ana, right, atol, rtol) || within(ana, left, atol, rtol)));
            all_pass &= pass, kinks += kink;

            char label[160];
            element_label(x, k, i, label, sizeof label);
            const char *result =
                pass ? (kink ? "pass (kink)" : "pass") : (kink ? "FAIL (kink)" : "FAIL");
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

/* ---- plot ------------------------------------------------------------------------------ */

static int l_plot(lua_State *L)
{
    static const char *const options[] = { "width", "height", "file", "title", "print", NULL };
    lua_settop(L, 2);
    check_options(L, 2, "plot", options);
    double width = 60, height = 15;
    number_option(L, 2, "plot", "width", &width);
    number_option(L, 2, "plot", "height", &height);
    if (!(width >= 10 && width <= 1000) || !(height >= 3 && height <= 500))
        return luaL_error(L, "plot: width must be 10 to 1000 and height 3 to 500 characters");
    const char *file = NULL, *title = NULL;
    FILE *out = stdout;
    if (!lua_isnil(L, 2)) {
        if (lua_getfield(L, 2, "file") != LUA_TNIL && !(file = lua_tostring(L, -1)))
            return luaL_error(L, "plot: option file must be a file name");
        if (lua_getfield(L, 2, "title") != LUA_TNIL && !(title = lua_tostring(L, -1)))
            return luaL_error(L, "plot: option title must be a string");
        if (lua_getfield(L, 2, "print") != LUA_TNIL) out = output(L, -1, "plot", "print");
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

    char *text = gc_plot_text(v, n, (int)width, (int)height, title);
    if (!text) return lgc_raise(L);
    if (out) fputs(text, out), fflush(out);
    free(text);
    if (file && gc_plot_svg(v, n, file, title)) return lgc_raise(L);
    return 0;
}

/* ---- registration, with help --------------------------------------------------------------- */

typedef struct Entry {
    const char *name;  /* public name: the key of its help entry */
    const char *table; /* NULL: a module function; else the sub-table it lives in */
    const char *field;
    lua_CFunction fn;
    const char *signature, *summary, *formula, *example;
} Entry;

static const Entry entries[] = {
    { "optim.SGD", "optim", "SGD", l_sgd,
      "optim.SGD(params, {lr=, momentum=0, dampening=0, nesterov=false, weight_decay=0})",
      "Stochastic gradient descent over a list of leaf tensors, updating them as PyTorch's "
      "torch.optim.SGD does; opt:step() updates every parameter that has a gradient, "
      "opt:zero_grad() clears them, opt:step{trace=true} prints each update with its numbers, "
      "opt.lr can be read and set.\n"
      "Differences from the formulas often worked by hand:\n"
      "- momentum is v = μ·v + g with the learning rate outside (w ← w − lr·v), not the average "
      "v = βv + (1−β)g (which shrinks the step by 1−β) nor v = μv − lr·g; w ← w + v (the same "
      "while lr is constant, not when it changes).\n"
      "- the first step sets v = g (not (1−dampening)·g, and not μ·0 + g computed from zero: the "
      "same number).\n"
      "- dampening scales the new gradient, v = μ·v + (1−dampening)·g, from the second step on; "
      "dampening = μ gives the moving average except at step 1.\n"
      "- nesterov uses g + μ·v in place of v (the look-ahead gradient at w − lr·μ·v, rewritten so "
      "that only the current gradient is needed).\n"
      "- weight_decay λ adds λ·w to the gradient first (L2 regularisation, ½λ‖w‖² in the loss).",
      "weight_decay: g ← g + λ·w\nmomentum:     v ← g (first step), then v ← μ·v + "
      "(1−dampening)·g\n"
      "nesterov:     g ← g + μ·v, else g ← v\nupdate:       w ← w − lr·g",
      "opt = optim.SGD({w, b}, {lr = 0.1, momentum = 0.9})\n"
      "loss = mse(x * w + b, y); opt:zero_grad(); loss:backward(); opt:step{trace = true}" },
    { "optim.RMSprop", "optim", "RMSprop", l_rmsprop,
      "optim.RMSprop(params, {lr=0.01, alpha=0.99, eps=1e-8, momentum=0, weight_decay=0})",
      "RMSprop as PyTorch's torch.optim.RMSprop (not centered): each weight's step is divided by "
      "the root of a running mean of its squared gradients. Same methods as optim.SGD.\n"
      "Differences from the formulas often worked by hand:\n"
      "- ε sits outside the root, g/(√v + ε); some courses write g/√(v + ε).\n"
      "- the decay rate is called alpha (α), where courses write β or ρ (often 0.9; here 0.99).\n"
      "- no bias correction: v starts at 0, so the first steps are large (√(1−α) smaller "
      "denominator).\n"
      "- with momentum μ the scaled gradient is averaged, buf = μ·buf + g/(√v + ε), and lr stays "
      "outside: w ← w − lr·buf.",
      "v ← α·v + (1−α)·g²\nno momentum:  w ← w − lr·g/(√v + ε)\n"
      "momentum:     buf ← μ·buf + g/(√v + ε);  w ← w − lr·buf",
      "opt = optim.RMSprop({w}, {lr = 0.01})" },
    { "optim.Adam", "optim", "Adam", l_adam,
      "optim.Adam(params, {lr=0.001, betas={0.9, 0.999}, eps=1e-8, weight_decay=0})",
      "Adam as PyTorch's torch.optim.Adam: momentum (m) and RMSprop (v) together, both bias "
      "corrected. Same methods as optim.SGD; t counts the steps each parameter has taken with a "
      "gradient.\n"
      "Differences from the formulas often worked by hand:\n"
      "- ε is added after the root of the bias-corrected v, lr·m̂/(√v̂ + ε); some write √(v̂ + ε), "
      "and the paper's fast form lr·√(1−β2^t)/(1−β1^t)·m/(√v + ε) puts ε before the correction (a "
      "slightly different number while v is small).\n"
      "- m and v are the averages βm + (1−β)g, not the sums μm + g of SGD's momentum.\n"
      "- weight_decay λ adds λ·w to the gradient before m and v (L2, as in torch.optim.Adam); "
      "AdamW instead subtracts lr·λ·w from w directly, so the decay is not rescaled by √v̂.",
      "m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²\nm̂ = m/(1−β1^t);  v̂ = v/(1−β2^t)\n"
      "w ← w − lr·m̂/(√v̂ + ε)",
      "opt = optim.Adam({w1, w2}, {lr = 0.01})\nfor i = 1, 100 do opt:zero_grad(); "
      "loss = f(); loss:backward(); opt:step() end" },
    { "Optimizer:step", NULL, NULL, NULL, "opt:step([{trace=true}])",
      "Updates every parameter of the optimizer that has a gradient (the others are skipped), in "
      "place and unrecorded, as the in-place ops do: a graph built before the step can no longer "
      "run backward. trace=true prints each element's update as equations with numbers (the first "
      "4 elements of a tensor larger than 6, then a count); trace may also be an open file.",
      NULL, "opt:step{trace = true}" },
    { "Optimizer:zero_grad", NULL, NULL, NULL, "opt:zero_grad()",
      "Clears the gradient of every parameter (x.grad becomes nil), as before each backward of a "
      "training loop; the optimizer's state (v, m, t) is kept.",
      NULL, "opt:zero_grad()" },
    { "gradcheck", NULL, "gradcheck", l_gradcheck,
      "gradcheck(f, inputs [, {eps=1e-6, atol=1e-5, rtol=1e-3, print=true}])",
      "Checks backward against finite differences. f receives the input tensors as arguments and "
      "returns a tensor; one with several elements is checked through Σ_k (k/n)·out_k (fixed, "
      "distinct weights, so a mistake in any element shows). For each element of each input that "
      "requires a gradient it computes f at x+h and x−h with recording off, and prints a table: "
      "element, f(x+h), f(x−h), the estimate (f(x+h) − f(x−h))/2h, the gradient from one backward, "
      "the relative error |num − ana|/max(|num|, |ana|), and pass when |num − ana| ≤ atol + "
      "rtol·|num|. An element on a kink (relu, abs, max… switching branch within h: the slopes "
      "to either side differ) gets a warning and passes if the analytic gradient matches either "
      "side. The inputs' own gradients are left as they were. print may be false or an open file. "
      "Returns true when every element passes, and the rows (fields element, f_plus, f_minus, "
      "numerical, analytic, rel_error, pass, kink).",
      "(f(x+h) − f(x−h)) / 2h  ≈  ∂f/∂x, error O(h²)",
      "gradcheck(function(x) return sum(sigmoid(x) * x) end, {var({0.5, -1}, \"x\")})" },
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

void lgc_open_optim(lua_State *L)
{
    static const luaL_Reg methods[] = { { "step", l_step },
                                        { "zero_grad", l_optim_zero_grad },
                                        { NULL, NULL } };
    static const luaL_Reg metamethods[] = { { "__gc", optimizer_gc },
                                            { "__tostring", optimizer_tostring },
                                            { "__index", optimizer_index },
                                            { "__newindex", optimizer_newindex },
                                            { NULL, NULL } };
    int module = lua_gettop(L);
    luaL_newmetatable(L, OPTIMIZER);
    luaL_setfuncs(L, metamethods, 0);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "methods");
    lua_pop(L, 1);

    if (lua_getfield(L, module, "_docs") != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, module, "_docs");
    }
    int docs = lua_gettop(L);
    if (lua_getfield(L, module, "optim") != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, module, "optim");
    }
    int optim = lua_gettop(L);
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
        const Entry *e = &entries[i];
        lua_createtable(L, 0, 6);
        lua_pushstring(L, e->name), lua_setfield(L, -2, "name");
        lua_pushstring(L, e->signature), lua_setfield(L, -2, "signature");
        lua_pushstring(L, e->summary), lua_setfield(L, -2, "summary");
        if (e->formula) lua_pushstring(L, e->formula), lua_setfield(L, -2, "formula");
        lua_pushstring(L, e->example), lua_setfield(L, -2, "example");
        lua_pushboolean(L, e->fn == NULL), lua_setfield(L, -2, "method_only");
        lua_setfield(L, docs, e->name);
        if (!e->fn) continue;
        lua_pushcfunction(L, e->fn);
        lua_setfield(L, e->table ? optim : module, e->field);
    }
    lua_settop(L, module);
}

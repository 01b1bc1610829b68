/*
 * loptim.c - the Lua side of training: optim.SGD, optim.RMSprop,
 * optim.Adam, optim.Adagrad and optim.AdamW (the maths is in optim.c).
 *
 * Functions that print take true (standard output), false, or an open Lua
 * file, so their text can also go to a file (and be read back by tests).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lua/ltensor.h"
#include "lua/loptim.h"
#include "lua/lregister.h"
#include "core/optim.h"
#include "explain/print.h"

#define OPTIMIZER "gradcalc.Optimizer"

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
static const char *const adagrad_options[] = { "lr",           "lr_decay",
                                               "weight_decay", "initial_accumulator_value",
                                               "eps",          NULL };

/* optim.SGD(params, options) and its siblings. */
static int new_optimizer(lua_State *L, OptimKind kind)
{
    char who[32];
    snprintf(who, sizeof who, "optim.%s", gc_optim_name(kind));
    OptimConfig c = gc_optim_defaults(kind);
    lua_settop(L, 2);
    lgc_check_options(L, 2, who,
                      kind == GC_SGD       ? sgd_options
                      : kind == GC_RMSPROP ? rmsprop_options
                      : kind == GC_ADAGRAD ? adagrad_options
                                           : adam_options);
    lgc_number_option(L, 2, who, "lr", &c.lr);
    lgc_number_option(L, 2, who, "weight_decay", &c.weight_decay);
    lgc_number_option(L, 2, who, "momentum", &c.momentum);
    lgc_number_option(L, 2, who, "dampening", &c.dampening);
    lgc_number_option(L, 2, who, "alpha", &c.alpha);
    lgc_number_option(L, 2, who, "eps", &c.eps);
    lgc_number_option(L, 2, who, "lr_decay", &c.lr_decay);
    lgc_number_option(L, 2, who, "initial_accumulator_value", &c.initial_accumulator_value);
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
    /* Everything is allocated before the tensors are read from the list:
     * an allocation may run finalizers (Lua code), which could change it. */
    Optimizer **slot = lua_newuserdatauv(L, sizeof *slot, 0); /* owned by Lua before it exists */
    *slot = NULL;
    luaL_setmetatable(L, OPTIMIZER);
    int n = (int)lua_rawlen(L, 1);
    Tensor **params = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *params, 0);
    for (int k = 1; k <= n; k++) {
        lua_rawgeti(L, 1, k);
        if (!(params[k - 1] = lgc_test(L, -1)))
            return luaL_error(L, "%s: params[%d] is a %s, expected a tensor", who, k,
                              luaL_typename(L, -1));
        lua_pop(L, 1);
    }
    if (!(*slot = gc_optim_new(&c, n, params, who))) return lgc_raise(L);
    lua_pop(L, 1); /* the list of pointers: the optimizer is the result */
    return 1;
}

static int l_sgd(lua_State *L) { return new_optimizer(L, GC_SGD); }
static int l_rmsprop(lua_State *L) { return new_optimizer(L, GC_RMSPROP); }
static int l_adam(lua_State *L) { return new_optimizer(L, GC_ADAM); }
static int l_adagrad(lua_State *L) { return new_optimizer(L, GC_ADAGRAD); }
static int l_adamw(lua_State *L) { return new_optimizer(L, GC_ADAMW); }

static int l_step(lua_State *L)
{
    static const char *const step_options[] = { "trace", NULL };
    Optimizer *o = check_optimizer(L, 1);
    FILE *trace = NULL;
    lgc_check_options(L, 2, "step", step_options);
    if (!lua_isnoneornil(L, 2)) {
        lua_getfield(L, 2, "trace");
        trace = lgc_output_option(L, -1, "step", "trace");
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
    else if (c->kind == GC_ADAGRAD)
        lua_pushfstring(L,
                        "optim.Adagrad(lr=%s, lr_decay=%s, weight_decay=%s, "
                        "initial_accumulator_value=%s, eps=%s)",
                        exact(c->lr, b[0]), exact(c->lr_decay, b[1]), exact(c->weight_decay, b[2]),
                        exact(c->initial_accumulator_value, b[3]), exact(c->eps, b[4]));
    else
        lua_pushfstring(L, "optim.%s(lr=%s, betas={%s, %s}, eps=%s, weight_decay=%s)",
                        gc_optim_name(c->kind), exact(c->lr, b[0]), exact(c->beta1, b[1]),
                        exact(c->beta2, b[2]), exact(c->eps, b[3]), exact(c->weight_decay, b[4]));
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
            Tensor **slot = lgc_newslot(L); /* first: an out-of-memory error leaks nothing */
            gc_retain(o->params[k]);
            *slot = o->params[k];
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

/* ---- registration, with help ---------------------------------------------------- */

static const LuaFunction functions[] = {
    { "optim.SGD", "optim", "SGD", l_sgd,
      "optim.SGD(params, {lr=, momentum=0, dampening=0, nesterov=false, weight_decay=0})",
      "Stochastic gradient descent over a list of leaf tensors, updating them as PyTorch's "
      "torch.optim.SGD does; opt:step() updates every parameter that has a gradient, "
      "opt:zero_grad() clears them, opt:step{trace=true} prints each update with its numbers, "
      "opt.lr can be read and set.\n"
      "Differences from the formulas often worked by hand:\n"
      "- momentum is v = μ×v + g with the learning rate outside (w ← w − lr×v), not the average "
      "v = βv + (1−β)g (which shrinks the step by 1−β) nor v = μv − lr×g; w ← w + v (the same "
      "while lr is constant, not when it changes).\n"
      "- the first step sets v = g (not (1−dampening)×g, and not μ×0 + g computed from zero: the "
      "same number).\n"
      "- dampening scales the new gradient, v = μ×v + (1−dampening)×g, from the second step on; "
      "dampening = μ gives the moving average except at step 1.\n"
      "- nesterov uses g + μ×v in place of v (the look-ahead gradient at w − lr×μ×v, rewritten so "
      "that only the current gradient is needed).\n"
      "- weight_decay λ adds λ×w to the gradient first (L2 regularisation, ½λ‖w‖² in the loss).",
      "weight_decay: g ← g + λ×w\nmomentum:     v ← g (first step), then v ← μ×v + "
      "(1−dampening)×g\n"
      "nesterov:     g ← g + μ×v, else g ← v\nupdate:       w ← w − lr×g",
      "opt = optim.SGD({w, b}, {lr = 0.1, momentum = 0.9})\n"
      "loss = mse(x * w + b, y); opt:zero_grad(); loss:backward(); opt:step{trace = true}" },
    { "optim.RMSprop", "optim", "RMSprop", l_rmsprop,
      "optim.RMSprop(params, {lr=0.01, alpha=0.99, eps=1e-8, momentum=0, weight_decay=0})",
      "RMSprop as PyTorch's torch.optim.RMSprop (not centered): each weight's step is divided by "
      "the root of s, a running mean of its squared gradients (PyTorch's square_avg). Same "
      "methods as optim.SGD.\n"
      "Differences from the formulas often worked by hand:\n"
      "- ε sits outside the root, g/(√s + ε); some courses write g/√(s + ε).\n"
      "- the decay rate is called alpha (α), where courses write β or ρ (often 0.9; here 0.99).\n"
      "- no bias correction: s starts at 0, so the first steps are large (√(1−α) smaller "
      "denominator).\n"
      "- with momentum μ the scaled gradient is averaged, buf = μ×buf + g/(√s + ε), and lr stays "
      "outside: w ← w − lr×buf.",
      "s ← α×s + (1−α)×g²\nno momentum:  w ← w − lr×g/(√s + ε)\n"
      "momentum:     buf ← μ×buf + g/(√s + ε);  w ← w − lr×buf",
      "opt = optim.RMSprop({w}, {lr = 0.01})" },
    { "optim.Adam", "optim", "Adam", l_adam,
      "optim.Adam(params, {lr=0.001, betas={0.9, 0.999}, eps=1e-8, weight_decay=0})",
      "Adam as PyTorch's torch.optim.Adam: a running mean m of the gradients (as momentum keeps) "
      "and v of their squares (as RMSprop's s), both bias "
      "corrected. Same methods as optim.SGD; t counts the steps each parameter has taken with a "
      "gradient.\n"
      "Differences from the formulas often worked by hand:\n"
      "- ε is added after the root of the bias-corrected v, lr×m̂/(√v̂ + ε); some write √(v̂ + ε), "
      "and the paper's fast form lr×√(1−β2^t)/(1−β1^t)×m/(√v + ε) puts ε before the correction (a "
      "slightly different number while v is small).\n"
      "- m and v are the averages βm + (1−β)g, not the sums μm + g of SGD's momentum.\n"
      "- weight_decay λ adds λ×w to the gradient before m and v (L2, as in torch.optim.Adam); "
      "AdamW instead subtracts lr×λ×w from w directly, so the decay is not rescaled by √v̂.",
      "m ← β1×m + (1−β1)×g;  v ← β2×v + (1−β2)×g²\nm̂ = m/(1−β1^t);  v̂ = v/(1−β2^t)\n"
      "w ← w − lr×m̂/(√v̂ + ε)",
      "opt = optim.Adam({w1, w2}, {lr = 0.01})\nfor i = 1, 100 do opt:zero_grad(); "
      "loss = f(); loss:backward(); opt:step() end" },
    { "optim.Adagrad", "optim", "Adagrad", l_adagrad,
      "optim.Adagrad(params, {lr=0.01, lr_decay=0, weight_decay=0, initial_accumulator_value=0, "
      "eps=1e-10})",
      "Adagrad as PyTorch's torch.optim.Adagrad: each weight's step is divided by the root of the "
      "sum of all its squared gradients so far, so often-moved weights slow down. Same methods as "
      "optim.SGD.\n"
      "Differences from the formulas often worked by hand:\n"
      "- ε sits outside the root, g/(√sum + ε), and is tiny (1e-10).\n"
      "- lr_decay shrinks the rate as lr/(1 + (t−1)×lr_decay), t counting this parameter's steps.\n"
      "- the sum starts at initial_accumulator_value (0), not at ε.",
      "g ← g + λ×w (weight_decay)\nsum ← sum + g²\nw ← w − lr_t×g/(√sum + ε),  lr_t = lr/(1 + "
      "(t−1)×lr_decay)",
      "opt = optim.Adagrad({w}, {lr = 0.1})" },
    { "optim.AdamW", "optim", "AdamW", l_adamw,
      "optim.AdamW(params, {lr=0.001, betas={0.9, 0.999}, eps=1e-8, weight_decay=0.01})",
      "AdamW as PyTorch's torch.optim.AdamW: Adam with decoupled weight decay. Each step first "
      "shrinks w by the factor 1 − lr×λ, then takes Adam's step; the decay is not rescaled by √v̂ "
      "as Adam's L2 weight_decay is. Same methods as optim.SGD.\n"
      "Differences from the formulas often worked by hand:\n"
      "- weight_decay defaults to 0.01 (Adam's is 0).\n"
      "- the bias corrections are applied as PyTorch does: a step size lr/(1−β1^t) and a "
      "denominator √v/√(1−β2^t) + ε, which is lr×m̂/(√v̂ + ε) up to rounding.",
      "w ← w×(1 − lr×λ)\nm ← β1×m + (1−β1)×g;  v ← β2×v + (1−β2)×g²\n"
      "w ← w − lr/(1−β1^t)×m/(√v/√(1−β2^t) + ε)",
      "opt = optim.AdamW({w1, w2}, {lr = 0.01, weight_decay = 0.05})" },
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
    lua_pushliteral(L, OPTIMIZER); /* getmetatable(opt) gives the name: no __gc from Lua */
    lua_setfield(L, -2, "__metatable");
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "methods");
    lua_pop(L, 1);

    lgc_register(L, module, functions, sizeof functions / sizeof functions[0]);
}

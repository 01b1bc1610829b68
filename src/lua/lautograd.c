/*
 * lautograd.c - gradients from Lua: backward, zero_grad, detach, no_grad,
 * requires_grad_, clone, and the in-place updates (never recorded).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ops.h"
#include "lua/lautograd.h"
#include "lua/lcustom.h"
#include "lua/lregister.h"
#include "lua/ltensor.h"
#include "lua/ltrace.h"

/* ---- autograd ---------------------------------------------------------------------- */

/* Leaves add up gradients over backward calls; say so when it happens. */
static void note_accumulation(Tensor **leaves, int64_t n)
{
    if (n == 0) return;
    fprintf(stderr, "note: backward added to the gradient already held by ");
    for (int64_t i = 0; i < n && i < 3; i++) {
        char shape[96];
        if (leaves[i]->name)
            fprintf(stderr, "%s%s", i ? ", " : "", leaves[i]->name);
        else
            fprintf(stderr, "%sa leaf of shape %s", i ? ", " : "",
                    gc_shape_str(leaves[i]->ndim, leaves[i]->shape, shape, sizeof shape));
    }
    if (n > 3) fprintf(stderr, " and %lld more", (long long)(n - 3));
    fprintf(stderr,
            " (gradients accumulate; call zero_grad() before backward to start from zero)\n");
}

static int l_backward(lua_State *L)
{
    Tensor *root = lgc_check(L, 1), *seed = NULL;
    int opts = 0;
    if (lua_istable(L, 2) &&
        lua_rawlen(L, 2) == 0) { /* options: backward{grad = g, trace = true, ...} */
        lua_settop(L, 2);
        lua_getfield(L, 2, "grad");
        lua_insert(L, 2); /* the grad at 2, the options at 3 */
        opts = 3;
    }
    if (!lua_isnoneornil(L, 2)) seed = lgc_totensor(L, 2, "backward");
    Tensor **accumulated;
    int64_t n;
    if (lgc_custom_busy())
        return luaL_error(L, "backward: a custom op's backward cannot start another backward pass");
    if (gc_backward(root, seed, &accumulated, &n)) return lgc_raise(L);
    note_accumulation(accumulated, n);
    free(accumulated);
    return opts ? lgc_backward_trace(L, 1, opts) : 0;
}

static int l_zero_grad(lua_State *L)
{
    gc_zero_grad(lgc_check(L, 1));
    return 0;
}

static int l_detach(lua_State *L) { RESULT(gc_detach(lgc_check(L, 1))); }

static int l_requires_grad_(lua_State *L)
{
    lua_settop(L, 2);
    if (lua_isnil(L, 2)) lua_pushboolean(L, 1), lua_replace(L, 2);
    lua_pushstring(L, "requires_grad");
    lua_insert(L, 2);
    lua_settable(L, 1); /* through __newindex, which checks it is a leaf */
    return 1;
}

static int no_grad_finish(lua_State *L, int status, lua_KContext ctx)
{
    (void)ctx;
    gc_no_grad_depth--;
    if (status != LUA_OK && status != LUA_YIELD) return lua_error(L);
    return lua_gettop(L) - 1;
}

static int l_no_grad(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_pushboolean(L, 0); /* placeholder below fn, so results start at 2 */
    lua_insert(L, 1);
    gc_no_grad_depth++;
    /* not yieldable: recording is switched off for the whole process, so a
     * coroutine suspended inside fn would leave it off for everyone */
    int status = lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, 0);
    return no_grad_finish(L, status, 0);
}

/* ---- in-place updates: never recorded ------------------------------------------------- */

static int inplace_done(lua_State *L, int failed)
{
    if (failed) return lgc_raise(L);
    lua_settop(L, 1);
    return 1;
}

static int l_add_(lua_State *L)
{
    Tensor *t = lgc_check(L, 1), *s = lgc_totensor(L, 2, "add_");
    return inplace_done(L, gc_add_(t, s, luaL_optnumber(L, 3, 1), "add_"));
}

static int l_sub_(lua_State *L)
{
    Tensor *t = lgc_check(L, 1), *s = lgc_totensor(L, 2, "sub_");
    return inplace_done(L, gc_add_(t, s, -luaL_optnumber(L, 3, 1), "sub_"));
}

static int l_mul_(lua_State *L)
{
    Tensor *t = lgc_check(L, 1), *s = lgc_totensor(L, 2, "mul_");
    return inplace_done(L, gc_mul_(t, s));
}

static int l_copy_(lua_State *L)
{
    Tensor *t = lgc_check(L, 1), *s = lgc_totensor(L, 2, "copy_");
    return inplace_done(L, gc_copy_(t, s));
}

static int l_fill_(lua_State *L)
{
    return inplace_done(L, gc_fill_(lgc_check(L, 1), luaL_checknumber(L, 2)));
}

static int l_zero_(lua_State *L) { return inplace_done(L, gc_fill_(lgc_check(L, 1), 0)); }

static int l_clone(lua_State *L) { RESULT(gc_copy(lgc_check(L, 1))); }

static const LuaFunction functions[] = {
    /* autograd */
    { "backward", NULL, "backward", l_backward, "y:backward([grad])",
      "Computes the gradient of y with respect to every tensor it was computed from. Without an "
      "argument y must have one element. Every node keeps its gradient (read h.grad); leaves "
      "accumulate over calls, so call zero_grad() between steps.",
      NULL, "x = var(3); y = x^2; y:backward(); x.grad  --> 6", BOTH, NO_OP },
    { "grad", NULL, NULL, NULL, "x.grad",
      "The gradient that backward left in x: ∂y/∂x for the y it started from, one number per "
      "element of x (nil before any backward reaches x). A leaf adds every backward's gradient "
      "to it, as in PyTorch, until zero_grad() clears it.",
      NULL, "x = var({1, 2}); sum(x * x):backward(); print(x.grad)  --> tensor([2, 4])", METHOD,
      NO_OP },
    { "zero_grad", NULL, "zero_grad", l_zero_grad, "x:zero_grad()",
      "Clears x's gradient (x.grad becomes nil) so the next backward starts from zero.", NULL,
      "w:zero_grad()", BOTH, NO_OP },
    { "detach", NULL, "detach", l_detach, "x:detach()",
      "A new leaf with x's values and no history: gradients stop here.", NULL, "y = x:detach()",
      BOTH, NO_OP },
    { "requires_grad_", NULL, "requires_grad_", l_requires_grad_, "x:requires_grad_([bool])",
      "Turns gradient tracking of a leaf on (default) or off and returns x.", NULL,
      "w = ones(2):requires_grad_()", METHOD, NO_OP },
    { "no_grad", NULL, "no_grad", l_no_grad, "no_grad(fn, ...)",
      "Runs fn without recording the graph and returns its results: use it for updates and "
      "evaluation.",
      NULL, "no_grad(function() w:sub_(0.5 * w.grad) end)", GLOBAL, NO_OP },
    { "clone", NULL, "clone", l_clone, "x:clone()", "A copy of x's values, as a new leaf.", NULL,
      "y = x:clone()", METHOD, NO_OP },
    /* in-place updates */
    { "add_", NULL, "add_", l_add_, "x:add_(y [, alpha])",
      "x = x + alpha×y in place (never recorded in the graph); returns x.", NULL,
      "w:add_(w.grad, -0.5)", METHOD, NO_OP },
    { "sub_", NULL, "sub_", l_sub_, "x:sub_(y [, alpha])",
      "x = x − alpha×y in place (never recorded); a backward that still needs the old x fails "
      "with an error instead of a wrong gradient.",
      NULL, "w:sub_(0.5 * w.grad)", METHOD, NO_OP },
    { "mul_", NULL, "mul_", l_mul_, "x:mul_(y)", "x = x×y in place (never recorded).", NULL,
      "v:mul_(0.9)", METHOD, NO_OP },
    { "fill_", NULL, "fill_", l_fill_, "x:fill_(v)", "Sets every element of x to v.", NULL,
      "x:fill_(0.5)", METHOD, NO_OP },
    { "copy_", NULL, "copy_", l_copy_, "x:copy_(y)", "Copies y's values into x (y broadcasts).",
      NULL, "x:copy_({1, 2})", METHOD, NO_OP },
    { "zero_", NULL, "zero_", l_zero_, "x:zero_()", "Sets every element of x to 0.", NULL,
      "x:zero_()", METHOD, NO_OP },
};

void lgc_open_autograd(lua_State *L)
{
    lgc_register(L, lua_gettop(L), functions, sizeof functions / sizeof functions[0]);
}

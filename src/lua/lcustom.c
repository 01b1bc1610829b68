/*
 * lcustom.c - custom{name=, forward=, backward=}: an op whose forward and
 * backward the learner writes in Lua, as torch.autograd.Function does.
 *
 *   mysig = custom{name = "mysig",
 *       forward = function(ctx, x) local y = 1 / (1 + exp(-x)); ctx:save(y); return y end,
 *       backward = function(ctx, grad) local y = ctx.saved[1]; return grad * y * (1 - y) end}
 *   h = mysig(x)
 *
 * forward runs with recording off; its result becomes one node of the
 * graph, whose backward kernel calls the learner's backward through a hook
 * (core/ops/custom.c). Each node keeps its own Lua thread for that call, so
 * it runs on a stack of its own whatever coroutine started backward.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ops.h"
#include "lua/lcustom.h"
#include "lua/lregister.h"
#include "lua/ltensor.h"

#define MAX_ARGS 64 /* arguments of one call of a custom op */

typedef struct LuaHook {
    GcHook base;
    lua_State *thread; /* its own stack, anchored with ctx and backward */
    int anchor;        /* registry ref of {thread, ctx, backward, name} */
    int ninputs;
    int position[MAX_ARGS]; /* the forward argument each tensor input was */
} LuaHook;

static int busy; /* a custom backward is running: backward() may not start again */

int lgc_custom_busy(void) { return busy; }

static void hook_release(GcHook *self)
{
    LuaHook *h = (LuaHook *)self;
    luaL_unref(h->thread, LUA_REGISTRYINDEX, h->anchor);
    free(h);
}

/* Runs on the hook's thread, protected: backward(ctx, grad), then adds
 * each returned gradient into its input's. 1: the node, 2: the hook. */
static int run_backward(lua_State *T)
{
    Tensor *out = lua_touserdata(T, 1);
    LuaHook *h = lua_touserdata(T, 2);
    lua_settop(T, 0);
    lua_rawgeti(T, LUA_REGISTRYINDEX, h->anchor);
    lua_getfield(T, 1, "name");
    const char *name = lua_tostring(T, 2);
    int base = lua_gettop(T);
    lua_getfield(T, 1, "backward");
    lua_getfield(T, 1, "ctx");
    Tensor *grad = gc_copy(out->grad);
    if (!grad) return lgc_raise(T);
    lgc_push(T, grad);
    lua_call(T, 2, LUA_MULTRET);
    int nresults = lua_gettop(T) - base;
    for (int k = 0; k < h->ninputs; k++) {
        Tensor *input = out->inputs[k];
        int at = h->position[k];
        if (at > nresults || lua_isnil(T, base + at) || !gc_needs_grad(input)) continue;
        Tensor *g = lgc_totensor(T, base + at, name);
        if (!gc_same_shape(g, input)) {
            char b1[96], b2[96];
            return luaL_error(T,
                              "%s: backward returned a gradient of shape %s for argument %d, "
                              "whose shape is %s; a gradient has the shape of its input",
                              name, gc_shape_str(g->ndim, g->shape, b1, sizeof b1), at,
                              gc_shape_str(input->ndim, input->shape, b2, sizeof b2));
        }
        if (!gc_grad_of(input) || gc_add_(input->grad, g, 1, name)) return lgc_raise(T);
    }
    return 0;
}

static int hook_backward(Tensor *out, GcHook *self)
{
    LuaHook *h = (LuaHook *)self;
    lua_State *T = h->thread;
    if (busy) {
        gc_set_error("a custom backward cannot start another backward pass");
        return -1;
    }
    lua_settop(T, 0);
    lua_pushcfunction(T, run_backward);
    lua_pushlightuserdata(T, out);
    lua_pushlightuserdata(T, h);
    busy = 1;
    int status = lua_pcall(T, 2, 0, 0);
    busy = 0;
    if (status != LUA_OK) {
        gc_set_error("%s", lua_isstring(T, -1) ? lua_tostring(T, -1) : "custom backward failed");
        lua_settop(T, 0);
        return -1;
    }
    return 0;
}

/* ctx:save(...): keeps values for backward in ctx.saved. */
static int ctx_save(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "saved");
    int saved = lua_gettop(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, saved);
    for (int i = 2; i < saved; i++) {
        lua_pushvalue(L, i);
        lua_rawseti(L, saved, ++n);
    }
    return 0;
}

/* Runs forward(ctx, ...) with recording off: 1 the op, 2 ctx, 3.. the args. */
static int run_forward(lua_State *L)
{
    lua_getfield(L, 1, "forward");
    lua_replace(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* op(...): 1 is the op's table, 2.. the arguments. */
static int custom_call(lua_State *L)
{
    int nargs = lua_gettop(L) - 1;
    if (nargs > MAX_ARGS) return luaL_error(L, "a custom op takes at most %d arguments", MAX_ARGS);
    lua_getfield(L, 1, "name");
    const char *name = lua_tostring(L, -1);
    int name_at = lua_gettop(L);
    lua_createtable(L, 0, 3); /* ctx */
    int ctx = lua_gettop(L);
    lua_newtable(L), lua_setfield(L, ctx, "saved");
    lua_pushcfunction(L, ctx_save), lua_setfield(L, ctx, "save");
    lua_pushvalue(L, name_at), lua_setfield(L, ctx, "name");

    lua_pushcfunction(L, run_forward);
    lua_pushvalue(L, 1);
    lua_pushvalue(L, ctx);
    for (int i = 2; i <= nargs + 1; i++) lua_pushvalue(L, i);
    gc_no_grad_depth++;
    int status = lua_pcall(L, nargs + 2, 1, 0);
    gc_no_grad_depth--;
    if (status != LUA_OK) return lua_error(L);
    if (lua_isnil(L, -1))
        return luaL_error(L, "%s: forward returned nothing; it must return a tensor", name);
    Tensor *result = lgc_totensor(L, -1, name);

    lua_createtable(L, 0, 4); /* the anchor: what the backward needs */
    lua_State *thread = lua_newthread(L);
    lua_setfield(L, -2, "thread");
    lua_pushvalue(L, ctx), lua_setfield(L, -2, "ctx");
    lua_getfield(L, 1, "backward"), lua_setfield(L, -2, "backward");
    lua_pushvalue(L, name_at), lua_setfield(L, -2, "name");
    int anchor = luaL_ref(L, LUA_REGISTRYINDEX);
    LuaHook *h = calloc(1, sizeof *h);
    if (!h) {
        luaL_unref(L, LUA_REGISTRYINDEX, anchor);
        return luaL_error(L, "%s: out of memory", name);
    }
    h->base.backward = hook_backward;
    h->base.release = hook_release;
    snprintf(h->base.name, sizeof h->base.name, "%s", name);
    h->thread = thread, h->anchor = anchor;
    Tensor *inputs[MAX_ARGS];
    for (int i = 2; i <= nargs + 1; i++) {
        Tensor *t = lgc_test(L, i);
        if (t) inputs[h->ninputs] = t, h->position[h->ninputs++] = i - 1;
    }
    Tensor **slot = lgc_newslot(L);
    *slot = gc_custom(h->ninputs, inputs, result, &h->base); /* owns h from here */
    return lgc_result(L, slot);
}

static int custom_tostring(lua_State *L)
{
    lua_getfield(L, 1, "name");
    lua_pushfstring(L, "custom op %s", lua_tostring(L, -1));
    return 1;
}

/* custom{name=, forward=, backward=}: the op, a callable table. */
static int l_custom(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const valid[] = { "name", "forward", "backward", NULL };
    lgc_check_options(L, 1, "custom", valid);
    if (lua_getfield(L, 1, "forward") != LUA_TFUNCTION)
        return luaL_error(L, "custom: forward must be a function(ctx, ...) returning a tensor");
    if (lua_getfield(L, 1, "backward") != LUA_TFUNCTION)
        return luaL_error(L, "custom: backward must be a function(ctx, grad) returning one "
                             "gradient per argument of forward");
    if (lua_getfield(L, 1, "name") == LUA_TNIL) {
        lua_pop(L, 1);
        lua_pushliteral(L, "custom");
    } else if (!lua_isstring(L, -1)) {
        return luaL_error(L, "custom: name must be a string, got %s", luaL_typename(L, -1));
    }
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, -2), lua_setfield(L, -2, "name");
    lua_pushvalue(L, -4), lua_setfield(L, -2, "forward");
    lua_pushvalue(L, -3), lua_setfield(L, -2, "backward");
    if (luaL_newmetatable(L, "gradcalc.CustomOp")) {
        lua_pushcfunction(L, custom_call), lua_setfield(L, -2, "__call");
        lua_pushcfunction(L, custom_tostring), lua_setfield(L, -2, "__tostring");
        lua_pushliteral(L, "gradcalc.CustomOp"), lua_setfield(L, -2, "__metatable");
    }
    lua_setmetatable(L, -2);
    return 1;
}

static const LuaFunction functions[] = {
    { "custom", NULL, "custom", l_custom,
      "custom{name=, forward=function(ctx, ...), backward=function(ctx, grad)}",
      "An op whose forward and backward you write, as torch.autograd.Function: op(x, ...) runs "
      "forward(ctx, x, ...) with recording off and records its result as one node; backward() "
      "then calls backward(ctx, grad), which returns the gradient for each argument of forward "
      "(nil for none), each of its argument's shape. ctx:save(...) keeps values in ctx.saved for "
      "backward. It is traced, explained and gradchecked like a built-in op, so gradcheck catches "
      "a wrong backward and names the element.",
      "y = forward(ctx, x, …)",
      "mysig = custom{name = \"mysig\",\n"
      "  forward = function(ctx, x) local y = 1 / (1 + exp(-x)); ctx:save(y); return y end,\n"
      "  backward = function(ctx, g) local y = ctx.saved[1]; return g * y * (1 - y) end}\n"
      "gradcheck(function(x) return sum(mysig(x)) end, {var({-1, 0.5})})",
      0, NO_OP, "∂L/∂x = backward(ctx, ∂L/∂y)" },
};

void lgc_open_custom(lua_State *L)
{
    lgc_register(L, lua_gettop(L), functions, sizeof functions / sizeof functions[0]);
}

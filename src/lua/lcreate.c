/*
 * lcreate.c - making tensors from Lua: tensor, var, zeros, ones, full, eye,
 * arange, linspace, rand, randn and seed. The values are filled in by the
 * core (core/create.c); this file reads the arguments.
 */
#include <stdlib.h>
#include <string.h>

#include "core/create.h"
#include "core/ops.h"
#include "lua/lcreate.h"
#include "lua/lregister.h"
#include "lua/ltensor.h"

static void apply_options(lua_State *L, Tensor *t, int idx)
{
    if (lua_isnoneornil(L, idx)) return;
    luaL_checktype(L, idx, LUA_TTABLE);
    if (lua_getfield(L, idx, "requires_grad") != LUA_TNIL) t->requires_grad = lua_toboolean(L, -1);
    if (lua_getfield(L, idx, "name") != LUA_TNIL && gc_set_name(t, luaL_checkstring(L, -1)))
        lgc_raise(L);
    lua_pop(L, 2);
}

/* tensor(data, options) and var(data, name) share this: data at 1, options
 * at 2; the new tensor replaces the data. who names the function the
 * learner called in any error. */
static Tensor *new_tensor(lua_State *L, const char *who)
{
    Tensor *t = lgc_test(L, 1);
    if (t) { /* a tensor argument is copied */
        Tensor **slot = lgc_newslot(L);
        if (!(*slot = gc_copy(t))) lgc_raise(L);
        t = *slot;
        lua_replace(L, 1);
    } else {
        luaL_checkany(L, 1);
        t = lgc_totensor(L, 1, who);
    }
    apply_options(L, t, 2);
    return t;
}

static int l_tensor(lua_State *L)
{
    lua_settop(L, 2);
    new_tensor(L, "tensor");
    lua_settop(L, 1);
    return 1;
}

static int l_var(lua_State *L)
{
    lua_settop(L, 2);
    const char *name = luaL_optstring(L, 2, NULL);
    lua_pushnil(L);   /* no options; the name stays on the stack, at 3, */
    lua_insert(L, 2); /* so a collection while the tensor is made keeps it */
    Tensor *t = new_tensor(L, "var");
    t->requires_grad = 1;
    if (name && gc_set_name(t, name)) return lgc_raise(L);
    lua_settop(L, 1);
    return 1;
}

static int filled(lua_State *L, const char *who, double value)
{
    int64_t shape[GC_MAXDIM];
    int ndim = lgc_shape(L, 1, shape, who);
    RESULT(gc_full(ndim, shape, value));
}

static int l_zeros(lua_State *L) { return filled(L, "zeros", 0); }
static int l_ones(lua_State *L) { return filled(L, "ones", 1); }

static int l_full(lua_State *L)
{
    double value = luaL_checknumber(L, 2);
    lua_settop(L, 1);
    return filled(L, "full", value);
}

static int l_eye(lua_State *L)
{
    int64_t shape[2] = { (int64_t)luaL_checkinteger(L, 1),
                         (int64_t)luaL_optinteger(L, 2, luaL_checkinteger(L, 1)) };
    if (shape[0] < 0 || shape[1] < 0) return luaL_error(L, "eye: sizes cannot be negative");
    RESULT(gc_eye(shape[0], shape[1]));
}

static int l_arange(lua_State *L)
{
    double a = luaL_checknumber(L, 1), b, step = luaL_optnumber(L, 3, 1);
    if (lua_isnoneornil(L, 2))
        b = a, a = 0;
    else
        b = luaL_checknumber(L, 2);
    RESULT(gc_arange(a, b, step));
}

static int l_linspace(lua_State *L)
{
    double a = luaL_checknumber(L, 1), b = luaL_checknumber(L, 2);
    int64_t n = (int64_t)luaL_checkinteger(L, 3);
    RESULT(gc_linspace(a, b, n));
}

static int random_tensor(lua_State *L, const char *who, int normal)
{
    int64_t shape[GC_MAXDIM];
    int ndim = lgc_shape(L, 1, shape, who);
    RESULT(gc_random(ndim, shape, normal));
}

static int l_rand(lua_State *L) { return random_tensor(L, "rand", 0); }
static int l_randn(lua_State *L) { return random_tensor(L, "randn", 1); }

static int l_seed(lua_State *L)
{
    gc_seed((uint64_t)luaL_checkinteger(L, 1));
    return 0;
}

static const LuaFunction functions[] = {
    { "tensor", NULL, "tensor", l_tensor, "tensor(data [, {requires_grad=bool, name=string}])",
      "A new tensor from a number (a 0-d tensor), a nested table of numbers (one nesting level per "
      "dimension), or another tensor (copied). requires_grad=true makes it a leaf of the graph "
      "whose "
      "gradient backward computes.",
      NULL, "w = tensor({{0.15, 0.20}, {0.25, 0.30}}, {requires_grad=true, name=\"w\"})" },
    { "var", NULL, "var", l_var, "var(data [, name])",
      "A leaf tensor that requires a gradient: the weights and inputs whose derivatives you want. "
      "Same data as tensor().",
      NULL, "w1 = var(0.15, \"w1\")" },
    { "zeros", NULL, "zeros", l_zeros, "zeros(d1, d2, ...) or zeros({d1, d2, ...})",
      "A tensor of the given shape filled with 0.", NULL, "zeros(2, 3)" },
    { "ones", NULL, "ones", l_ones, "ones(d1, d2, ...) or ones({d1, d2, ...})",
      "A tensor of the given shape filled with 1.", NULL, "ones(3)" },
    { "full", NULL, "full", l_full, "full(shape, value)",
      "A tensor of the given shape (a number or a table) filled with value.", NULL,
      "full({2, 2}, 0.5)" },
    { "eye", NULL, "eye", l_eye, "eye(n [, m])", "The n×n identity matrix (n×m when m is given).",
      NULL, "eye(3)" },
    { "arange", NULL, "arange", l_arange, "arange(a, b [, step]) or arange(b)",
      "Numbers from a up to but not including b, step apart (default 1); arange(b) starts at 0. "
      "As in PyTorch, the end is excluded.",
      NULL, "arange(0, 1, 0.25)  --> 0, 0.25, 0.5, 0.75" },
    { "linspace", NULL, "linspace", l_linspace, "linspace(a, b, n)",
      "n evenly spaced numbers from a to b, both included.", NULL, "linspace(-1, 1, 5)" },
    { "rand", NULL, "rand", l_rand, "rand(d1, d2, ...) or rand({...})",
      "Uniform random numbers in [0, 1). seed(n) makes them the same on every machine.", NULL,
      "seed(1); rand(2, 2)" },
    { "randn", NULL, "randn", l_randn, "randn(d1, d2, ...) or randn({...})",
      "Normally distributed random numbers (mean 0, standard deviation 1).", NULL,
      "seed(1); randn(3)" },
    { "seed", NULL, "seed", l_seed, "seed(n)",
      "Restarts the random number generator of rand and randn at seed n: the same seed gives the "
      "same numbers on every machine.",
      NULL, "seed(42)" },
};

void lgc_open_create(lua_State *L)
{
    lgc_register(L, lua_gettop(L), functions, sizeof functions / sizeof functions[0]);
}

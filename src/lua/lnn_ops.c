/*
 * lnn_ops.c - conv2d, conv1d, pooling, batch_norm, layer_norm, dropout,
 * where, masked_fill, tril, triu, clamp, elu, silu, variance, std,
 * logsumexp and norm for Lua: one table of functions with their help, as in
 * lgradcalc.c. Each function converts its arguments and options (a
 * trailing table, by name as in PyTorch), then calls the engine.
 */
#include <lauxlib.h>
#include <math.h>
#include <string.h>

#include "lua/lnn_ops.h"
#include "lua/lregister.h"
#include "lua/ltensor.h"

/* ---- options ---------------------------------------------------------------------- */

/* An options table: a table with no list part, that is not a tensor. */
static int is_options(lua_State *L, int idx)
{
    return lua_type(L, idx) == LUA_TTABLE && !lgc_test(L, idx) && lua_rawlen(L, idx) == 0;
}

static int64_t whole(lua_State *L, int idx, const char *who, const char *what)
{
    if (!lua_isnumber(L, idx))
        luaL_error(L, "%s: %s must be a number, got %s", who, what, luaL_typename(L, idx));
    lua_Number v = lua_tonumber(L, idx);
    if (v != floor(v) || v < -1e9 || v > 1e9)
        luaL_error(L, "%s: %s must be a whole number, got %f", who, what, (double)v);
    return (int64_t)v;
}

/* A number or {h, w} at idx into v[0], v[1]; nil leaves v as it is.
 * With one_d, only a number (or {n}) is allowed, copied to both. */
static void pair(lua_State *L, int idx, const char *who, const char *what, int one_d, int64_t *v)
{
    idx = lua_absindex(L, idx);
    if (lua_isnil(L, idx)) return;
    if (lua_type(L, idx) == LUA_TTABLE) {
        int n = (int)lua_rawlen(L, idx);
        if (n != (one_d ? 1 : 2))
            luaL_error(L,
                       one_d ? "%s: %s must be a number or {n}, got a table of %d"
                             : "%s: %s must be a number or {h, w}, got a table of %d",
                       who, what, n);
        for (int k = 1; k <= n; k++) {
            lua_rawgeti(L, idx, k);
            v[k - 1] = whole(L, -1, who, what);
            lua_pop(L, 1);
        }
        if (one_d) v[1] = v[0];
        return;
    }
    v[0] = v[1] = whole(L, idx, who, what);
}

static void pair_field(lua_State *L, int opts, const char *key, const char *who, int one_d,
                       int64_t *v)
{
    if (!opts) return;
    lua_getfield(L, opts, key);
    pair(L, -1, who, key, one_d, v);
    lua_pop(L, 1);
}

static double number_field(lua_State *L, int opts, const char *key, const char *who, double dflt)
{
    if (!opts) return dflt;
    lua_getfield(L, opts, key);
    double v = dflt;
    if (!lua_isnil(L, -1)) {
        if (!lua_isnumber(L, -1))
            luaL_error(L, "%s: %s must be a number, got %s", who, key, luaL_typename(L, -1));
        v = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    return v;
}

static int bool_field(lua_State *L, int opts, const char *key, int dflt)
{
    if (!opts) return dflt;
    lua_getfield(L, opts, key);
    int v = lua_isnil(L, -1) ? dflt : lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

/* A tensor option (a table of numbers is converted; it stays on the stack). */
static Tensor *tensor_field(lua_State *L, int opts, const char *key, const char *who)
{
    if (!opts) return NULL;
    lua_getfield(L, opts, key);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return NULL;
    }
    return lgc_totensor(L, -1, who);
}

/* ---- convolutions and pooling --------------------------------------------------------- */

static int conv(lua_State *L, int one_d)
{
    const char *who = one_d ? "conv1d" : "conv2d";
    static const char *const valid[] = { "stride", "padding", "dilation", "groups", NULL };
    lua_settop(L, 4);
    if (is_options(L, 3)) { /* conv2d(x, w, opts) */
        lua_pushnil(L);
        lua_insert(L, 3);
        lua_settop(L, 4);
    }
    Tensor *x = lgc_totensor(L, 1, who), *w = lgc_totensor(L, 2, who);
    Tensor *b = lua_isnil(L, 3) ? NULL : lgc_totensor(L, 3, who);
    int opts = lua_isnil(L, 4) ? 0 : 4;
    if (opts) {
        luaL_checktype(L, 4, LUA_TTABLE);
        lgc_check_options(L, 4, who, valid);
    }
    ConvOptions o = { { 1, 1 }, { 0, 0 }, { 1, 1 }, 1 };
    pair_field(L, opts, "stride", who, one_d, o.stride);
    pair_field(L, opts, "padding", who, one_d, o.padding);
    pair_field(L, opts, "dilation", who, one_d, o.dilation);
    int64_t groups[2] = { 1, 1 };
    pair_field(L, opts, "groups", who, 1, groups);
    o.groups = groups[0];
    RESULT(gc_conv(x, w, b, &o, one_d));
}
static int l_conv2d(lua_State *L) { return conv(L, 0); }
static int l_conv1d(lua_State *L) { return conv(L, 1); }

static int pool(lua_State *L, OpCode op)
{
    const char *who = gc_ops[op].name;
    static const char *const valid[] = { "stride", "padding", NULL };
    lua_settop(L, 3);
    Tensor *x = lgc_totensor(L, 1, who);
    int64_t kernel[2] = { 0, 0 }, padding[2] = { 0, 0 };
    if (lua_isnil(L, 2)) return luaL_error(L, "%s: give the kernel size (a number or {h, w})", who);
    pair(L, 2, who, "kernel", 0, kernel);
    int64_t stride[2] = { kernel[0], kernel[1] };
    int opts = lua_isnil(L, 3) ? 0 : 3;
    if (opts) {
        luaL_checktype(L, 3, LUA_TTABLE);
        lgc_check_options(L, 3, who, valid);
    }
    pair_field(L, opts, "stride", who, 0, stride);
    pair_field(L, opts, "padding", who, 0, padding);
    RESULT(gc_pool2d(op, x, kernel, stride, padding));
}
static int l_max_pool2d(lua_State *L) { return pool(L, OP_MAX_POOL2D); }
static int l_avg_pool2d(lua_State *L) { return pool(L, OP_AVG_POOL2D); }

/* ---- normalisation --------------------------------------------------------------------- */

/* batch_norm(x, {running_mean=, running_var=, weight=, bias=, training=, momentum=, eps=}),
 * or PyTorch's order: batch_norm(x, running_mean, running_var, weight, bias, training,
 * momentum, eps). */
static int l_batch_norm(lua_State *L)
{
    static const char *const valid[] = { "running_mean", "running_var", "weight", "bias",
                                         "training",     "momentum",    "eps",    NULL };
    const char *who = "batch_norm";
    Tensor *x = lgc_totensor(L, 1, who);
    if (!is_options(L, 2) && !lua_isnone(L, 2)) { /* the positional form */
        lua_settop(L, 8);
        lua_createtable(L, 0, 7);
        for (int i = 0; i < 7; i++) {
            lua_pushvalue(L, 2 + i);
            lua_setfield(L, -2, valid[i]);
        }
        lua_replace(L, 2);
    }
    lua_settop(L, 2);
    int opts = lua_isnil(L, 2) ? 0 : 2;
    if (opts) lgc_check_options(L, 2, who, valid);
    Tensor *rm = tensor_field(L, opts, "running_mean", who);
    Tensor *rv = tensor_field(L, opts, "running_var", who);
    Tensor *w = tensor_field(L, opts, "weight", who);
    Tensor *b = tensor_field(L, opts, "bias", who);
    int training = bool_field(L, opts, "training", 0);
    double momentum = number_field(L, opts, "momentum", who, 0.1);
    double eps = number_field(L, opts, "eps", who, 1e-5);
    RESULT(gc_batch_norm(x, w, b, rm, rv, training, momentum, eps));
}

static int l_layer_norm(lua_State *L)
{
    static const char *const valid[] = { "weight", "bias", "eps", NULL };
    const char *who = "layer_norm";
    lua_settop(L, 3);
    Tensor *x = lgc_totensor(L, 1, who);
    int64_t shape[GC_MAXDIM];
    int ndim = 0;
    if (lua_type(L, 2) == LUA_TNUMBER) {
        shape[ndim++] = whole(L, 2, who, "normalized_shape");
    } else if (lua_type(L, 2) == LUA_TTABLE) {
        int n = (int)lua_rawlen(L, 2);
        if (n < 1 || n > GC_MAXDIM)
            return luaL_error(L, "%s: normalized_shape must list 1 to %d sizes, got %d", who,
                              GC_MAXDIM, n);
        for (int k = 1; k <= n; k++) {
            lua_rawgeti(L, 2, k);
            shape[ndim++] = whole(L, -1, who, "normalized_shape");
            lua_pop(L, 1);
        }
    } else {
        return luaL_error(L, "%s: normalized_shape must be a number or a table of sizes, got %s",
                          who, luaL_typename(L, 2));
    }
    int opts = lua_isnil(L, 3) ? 0 : 3;
    if (opts) {
        luaL_checktype(L, 3, LUA_TTABLE);
        lgc_check_options(L, 3, who, valid);
    }
    Tensor *w = tensor_field(L, opts, "weight", who);
    Tensor *b = tensor_field(L, opts, "bias", who);
    double eps = number_field(L, opts, "eps", who, 1e-5);
    RESULT(gc_layer_norm(x, ndim, shape, w, b, eps));
}

/* ---- dropout and masking ---------------------------------------------------------------- */

static int l_dropout(lua_State *L)
{
    static const char *const valid[] = { "p", "training", NULL };
    lua_settop(L, 3);
    Tensor *x = lgc_totensor(L, 1, "dropout");
    double p = 0.5;
    int training = 1;
    if (is_options(L, 2)) {
        lgc_check_options(L, 2, "dropout", valid);
        p = number_field(L, 2, "p", "dropout", 0.5);
        training = bool_field(L, 2, "training", 1);
    } else {
        p = luaL_optnumber(L, 2, 0.5);
        if (!lua_isnil(L, 3)) training = lua_toboolean(L, 3);
    }
    RESULT(gc_dropout(x, p, training));
}

static int l_where(lua_State *L)
{
    lua_settop(L, 3);
    Tensor *c = lgc_totensor(L, 1, "where"), *a = lgc_totensor(L, 2, "where");
    Tensor *b = lgc_totensor(L, 3, "where");
    RESULT(gc_where(c, a, b));
}

/* x:where(cond, y) is where(cond, x, y), as PyTorch's method. */
static int l_where_method(lua_State *L)
{
    lua_settop(L, 3);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 3);
    lua_replace(L, 3);
    lua_replace(L, 2);
    lua_replace(L, 1);
    return l_where(L);
}

static int l_masked_fill(lua_State *L)
{
    lua_settop(L, 3);
    Tensor *x = lgc_totensor(L, 1, "masked_fill"), *mask = lgc_totensor(L, 2, "masked_fill");
    Tensor *v = lgc_totensor(L, 3, "masked_fill");
    char b1[96];
    if (v->numel != 1)
        return luaL_error(L, "masked_fill: value must be a number (or one-element tensor), got %s",
                          gc_shape_str(v->ndim, v->shape, b1, sizeof b1));
    RESULT(gc_where(mask, v, x));
}

static int tri(lua_State *L, int upper)
{
    Tensor *x = lgc_totensor(L, 1, upper ? "triu" : "tril");
    int64_t k = lua_isnoneornil(L, 2) ? 0 : whole(L, 2, upper ? "triu" : "tril", "k");
    RESULT(gc_tri(x, k, upper));
}
static int l_tril(lua_State *L) { return tri(L, 0); }
static int l_triu(lua_State *L) { return tri(L, 1); }

static int l_clamp(lua_State *L)
{
    lua_settop(L, 3);
    Tensor *x = lgc_totensor(L, 1, "clamp");
    int has_lo = !lua_isnil(L, 2), has_hi = !lua_isnil(L, 3);
    double lo = has_lo ? luaL_checknumber(L, 2) : 0, hi = has_hi ? luaL_checknumber(L, 3) : 0;
    RESULT(gc_clamp(x, has_lo, lo, has_hi, hi));
}

/* ---- activations and statistics ---------------------------------------------------------- */

static int l_elu(lua_State *L)
{
    double alpha = luaL_optnumber(L, 2, 1.0);
    RESULT(gc_elu(lgc_totensor(L, 1, "elu"), alpha));
}

static int l_silu(lua_State *L) { RESULT(gc_silu(lgc_totensor(L, 1, "silu"))); }

/* variance(x [, dim [, {unbiased=, keepdim=}]]), variance(x, {..}), or PyTorch's
 * positional variance(x, dim, unbiased, keepdim). */
static int spread(lua_State *L, OpCode op, const char *who)
{
    static const char *const valid[] = { "unbiased", "keepdim", NULL };
    lua_settop(L, 4);
    Tensor *x = lgc_totensor(L, 1, who);
    if (is_options(L, 2)) {
        lua_pushnil(L);
        lua_insert(L, 2);
        lua_settop(L, 4);
    }
    int dim = lua_isnil(L, 2) ? GC_ALL_DIMS : lgc_dim(L, 2, who), unbiased = 1, keepdim = 0;
    if (is_options(L, 3)) {
        lgc_check_options(L, 3, who, valid);
        unbiased = bool_field(L, 3, "unbiased", 1);
        keepdim = bool_field(L, 3, "keepdim", 0);
    } else {
        if (!lua_isnil(L, 3)) unbiased = lua_toboolean(L, 3);
        keepdim = lua_toboolean(L, 4);
    }
    RESULT(gc_variance(op, x, dim, unbiased, keepdim));
}
static int l_variance(lua_State *L) { return spread(L, OP_VARIANCE, "variance"); }
static int l_std(lua_State *L) { return spread(L, OP_STD, "std"); }

static int l_logsumexp(lua_State *L)
{
    Tensor *x = lgc_totensor(L, 1, "logsumexp");
    int dim = lua_isnoneornil(L, 2) ? GC_ALL_DIMS : lgc_dim(L, 2, "logsumexp");
    int keepdim = lua_toboolean(L, 3); /* before RESULT pushes its slot at 3 */
    RESULT(gc_logsumexp(x, dim, keepdim));
}

static int l_norm(lua_State *L)
{
    Tensor *x = lgc_totensor(L, 1, "norm");
    double p = 2;
    if (lua_type(L, 2) == LUA_TSTRING) {
        const char *s = lua_tostring(L, 2);
        if (strcmp(s, "fro"))
            return luaL_error(L, "norm: p must be a number, math.huge or \"fro\", got \"%s\"", s);
    } else {
        p = luaL_optnumber(L, 2, 2);
    }
    RESULT(gc_norm(x, p));
}

/* ---- the table, with help ------------------------------------------------------------------ */

static const LuaFunction functions[] = {
    { "conv2d", NULL, "conv2d", l_conv2d,
      "conv2d(x, w [, b] [, {stride=1, padding=0, dilation=1, groups=1}])",
      "2-d convolution (cross-correlation, as in PyTorch) of images x [N, C, H, W] (or one image "
      "[C, H, W]) with kernels w [O, C/groups, kH, kW] and bias b [O]. stride, padding and "
      "dilation are a number or {h, w}; groups splits the channels into independent groups. "
      "The output is [N, O, OH, OW], OH = ⌊(H + 2×padding − dilation×(kH − 1) − 1)/stride⌋ + 1.",
      NULL, "y = conv2d(randn(1, 1, 5, 5), var(randn(2, 1, 3, 3)), nil, {padding=1})", GLOBAL,
      OP_CONV },
    { "conv1d", NULL, "conv1d", l_conv1d,
      "conv1d(x, w [, b] [, {stride=1, padding=0, dilation=1, groups=1}])",
      "1-d convolution of sequences x [N, C, L] (or [C, L]) with kernels w [O, C/groups, k] and "
      "bias b [O]; the options are numbers. It is conv2d with a height of 1.",
      NULL, "conv1d(randn(2, 3, 10), var(randn(4, 3, 3)), var(zeros(4)), {stride=2})", GLOBAL,
      OP_CONV },
    { "max_pool2d", NULL, "max_pool2d", l_max_pool2d,
      "max_pool2d(x, kernel [, {stride=kernel, padding=0}])",
      "The largest value of each kernel×kernel window of x [N, C, H, W] (or [C, H, W]); kernel, "
      "stride and padding are a number or {h, w}; padding is at most half the kernel. The "
      "gradient goes to the first largest value of each window.",
      NULL, "max_pool2d(var(randn(1, 1, 4, 4)), 2)", GLOBAL, OP_MAX_POOL2D },
    { "avg_pool2d", NULL, "avg_pool2d", l_avg_pool2d,
      "avg_pool2d(x, kernel [, {stride=kernel, padding=0}])",
      "The mean of each window of x; padded zeros count in the mean (count_include_pad, as "
      "PyTorch's default). Each input of a window gets its share ∂L/∂y / window size.",
      NULL, "avg_pool2d(var(randn(1, 1, 4, 4)), 2)", GLOBAL, OP_AVG_POOL2D },
    { "batch_norm", NULL, "batch_norm", l_batch_norm,
      "batch_norm(x, {running_mean=, running_var=, weight=, bias=, training=false, "
      "momentum=0.1, eps=1e-5})",
      "Normalises each channel (dim 2) of x [N, C] or [N, C, H, W]. Training uses the batch's "
      "mean and biased variance, and updates running_mean and running_var in place: r = (1 − "
      "momentum)×r + momentum×(batch mean, or unbiased batch variance). Evaluation uses the "
      "running statistics. weight and bias [C] scale and shift (default 1 and 0). PyTorch's "
      "positional order batch_norm(x, running_mean, running_var, weight, bias, training, "
      "momentum, eps) also works.",
      NULL,
      "rm, rv = zeros(3), ones(3); y = batch_norm(var(randn(4, 3)), {running_mean=rm, "
      "running_var=rv, training=true})",
      GLOBAL, OP_BATCH_NORM },
    { "layer_norm", NULL, "layer_norm", l_layer_norm,
      "layer_norm(x, normalized_shape [, {weight=, bias=, eps=1e-5}])",
      "Normalises x over its last dims (normalized_shape, a number or a table of sizes) to mean "
      "0 and (biased) variance 1, then scales by weight and shifts by bias (of that shape).",
      NULL, "layer_norm(var(randn(2, 5)), 5)", GLOBAL, OP_LAYER_NORM },
    { "dropout", NULL, "dropout", l_dropout, "dropout(x [, p=0.5 [, training=true]])",
      "Zeroes each element with probability p and scales the others by 1/(1 − p), so the mean is "
      "unchanged; the same mask carries the gradient. Uses gradcalc's generator: seed(n) makes "
      "the mask reproducible. With training = false it returns x.",
      NULL, "seed(1); dropout(ones(8), 0.25)", GLOBAL, OP_DROPOUT },
    { "where", NULL, "where", l_where, "where(cond, a, b)",
      "Elementwise a where cond is nonzero (1), else b; the three broadcast. The gradient goes to "
      "the chosen side.",
      NULL, "where(tensor({1, 0, 1}), var({1, 2, 3}), 0)  --> tensor([1, 0, 3])", GLOBAL,
      OP_WHERE },
    { "Tensor:where", NULL, "where", l_where_method, "x:where(cond, y)",
      "where(cond, x, y), as PyTorch's method.", NULL, "var({1, 2}):where(tensor({1, 0}), 0)",
      METHOD, OP_WHERE },
    { "masked_fill", NULL, "masked_fill", l_masked_fill, "masked_fill(x, mask, value)",
      "x with value wherever mask is nonzero (mask broadcasts); those elements get no gradient. "
      "Used to hide positions, e.g. masked_fill(scores, triu(ones(n, n), 1), -math.huge).",
      NULL, "masked_fill(var({1, 2, 3}), tensor({0, 1, 0}), -1)  --> tensor([1, -1, 3])", BOTH,
      OP_WHERE },
    { "tril", NULL, "tril", l_tril, "tril(x [, k=0])",
      "The lower triangle of the last two dims of x: elements with column − row ≤ k are kept, "
      "the others are 0.",
      NULL, "tril(ones(3, 3))", BOTH, OP_TRIL },
    { "triu", NULL, "triu", l_triu, "triu(x [, k=0])",
      "The upper triangle: elements with column − row ≥ k are kept, the others are 0.", NULL,
      "triu(ones(3, 3), 1)", BOTH, OP_TRIU },
    { "clamp", NULL, "clamp", l_clamp, "clamp(x, lo, hi)",
      "x limited to [lo, hi]: min(max(x, lo), hi); either bound may be nil. The gradient passes "
      "where lo ≤ x ≤ hi (bounds included, as in PyTorch).",
      NULL, "clamp(var({-2, 0.5, 3}), 0, 1)  --> tensor([0, 0.5, 1])", BOTH, OP_CLAMP },
    { "elu", NULL, "elu", l_elu, "elu(x [, alpha=1])",
      "Exponential linear unit: x for x > 0, else alpha×(eˣ − 1); smooth below 0, unlike relu.",
      NULL, "elu(var({-1, 2}))", GLOBAL, OP_ELU },
    { "silu", NULL, "silu", l_silu, "silu(x)",
      "Sigmoid linear unit (swish): x×σ(x), one op with its own derivative.", NULL,
      "silu(var({-1, 0, 2}))", GLOBAL, OP_SILU },
    { "variance", NULL, "variance", l_variance,
      "variance(x [, dim [, {unbiased=true, keepdim=false}]])",
      "Variance of all elements or along dim: Σ (x − mean)² / (n − 1), or / n with unbiased = "
      "false. (PyTorch's torch.var; the name var is gradcalc's leaf constructor, but x:var(...) "
      "works as a method.)",
      NULL, "variance(tensor({1, 2, 3, 4}))  --> 1.6667", GLOBAL, OP_VARIANCE },
    { "Tensor:var", NULL, "var", l_variance, "x:var([dim [, {unbiased=true, keepdim=false}]])",
      "The method form of variance(x, ...), as PyTorch's x.var().", NULL,
      "tensor({{1, 2}, {3, 5}}):var(2)", METHOD, OP_VARIANCE },
    { "std", NULL, "std", l_std, "std(x [, dim [, {unbiased=true, keepdim=false}]])",
      "Standard deviation: the square root of variance(x, ...).", NULL,
      "std(tensor({1, 2, 3, 4}))  --> 1.291", BOTH, OP_STD },
    { "logsumexp", NULL, "logsumexp", l_logsumexp, "logsumexp(x, dim [, keepdim])",
      "ln Σ e^x along dim (every element without dim), computed without overflow by taking out "
      "the largest value. Its gradient is softmax(x).",
      NULL, "logsumexp(tensor({{1, 2}, {3, 4}}), 2)", BOTH, OP_LOGSUMEXP },
    { "norm", NULL, "norm", l_norm, "norm(x [, p=2])",
      "The p-norm of all elements, (Σ |x|^p)^(1/p): p = 2 is the Euclidean length, 1 the sum of "
      "|x|, math.huge the largest |x|. A zero norm has gradient 0, as in PyTorch.",
      NULL, "norm(var({3, 4}))  --> 5", BOTH, OP_NORM },
    { NULL },
};

void lgc_open_nn_ops(lua_State *L)
{
    lgc_register(L, lua_gettop(L), functions, sizeof functions / sizeof functions[0]);
}

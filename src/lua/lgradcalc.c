/*
 * lgradcalc.c - the gradcalc module: every public function, each with its
 * help text beside it in one table, and luaopen_gradcalc.
 *
 * Each function only converts its arguments, calls the engine, and turns
 * an engine failure into a Lua error. Lua dims and indices count from 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lua/ltensor.h"
#include "lua/ltrace.h"
#include "lua/lautograd.h"
#include "lua/lcreate.h"
#include "lua/lcustom.h"
#include "lua/lgradcheck.h"
#include "lua/loptim.h"
#include "lua/lplot.h"
#include "lua/lregister.h"
#include "lua/ldata.h"
#include "lua/lgradcalc.h"
#include "explain/print.h"
#include "lua/llib.h"
#include "lua/lnn_ops.h"

static int l_precision(lua_State *L)
{
    int previous = gc_print_precision;
    if (!lua_isnoneornil(L, 1)) {
        lua_Integer n = luaL_checkinteger(L, 1);
        luaL_argcheck(L, n >= 1 && n <= 17, 1,
                      "precision is a number of significant digits, 1 to 17");
        gc_print_precision = (int)n;
    }
    lua_pushinteger(L, previous);
    return 1;
}

/* ---- reading --------------------------------------------------------------------- */

static int l_dim(lua_State *L)
{
    lua_pushinteger(L, lgc_check(L, 1)->ndim);
    return 1;
}
static int l_numel(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)lgc_check(L, 1)->numel);
    return 1;
}

static int l_size(lua_State *L)
{
    Tensor *t = lgc_check(L, 1);
    if (lua_isnoneornil(L, 2)) {
        lua_getfield(L, 1, "shape");
        return 1;
    }
    int d = gc_norm_dim(lgc_dim(L, 2, "size"), t->ndim, "size");
    if (d < 0) return lgc_raise(L);
    lua_pushinteger(L, (lua_Integer)t->shape[d]);
    return 1;
}

static int l_item(lua_State *L)
{
    Tensor *t = lgc_check(L, 1);
    char buf[96];
    if (t->numel != 1)
        return luaL_error(L,
                          "item: the tensor has %I elements (shape %s); item() needs exactly one",
                          (lua_Integer)t->numel, gc_shape_str(t->ndim, t->shape, buf, sizeof buf));
    lua_pushnumber(L, t->data[0]);
    return 1;
}

static void push_nested(lua_State *L, const Tensor *t, int dim, int64_t offset, int64_t stride)
{
    if (dim == t->ndim) {
        lua_pushnumber(L, t->data[offset]);
        return;
    }
    int64_t n = t->shape[dim], inner = n ? stride / n : 0;
    luaL_checkstack(L, 2, "totable");
    lua_createtable(L, (int)n, 0);
    for (int64_t k = 0; k < n; k++) {
        push_nested(L, t, dim + 1, offset + k * inner, inner);
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
}

static int l_totable(lua_State *L)
{
    Tensor *t = lgc_check(L, 1);
    push_nested(L, t, 0, 0, t->numel);
    return 1;
}

static int l_select(lua_State *L)
{
    Tensor *t = lgc_test(L, 1);
    if (!t) { /* Lua's own select(n, ...), which the global shadows, done here so its
                 errors name select as Lua's do */
        int n = lua_gettop(L);
        if (lua_type(L, 1) == LUA_TSTRING && *lua_tostring(L, 1) == '#') {
            lua_pushinteger(L, n - 1);
            return 1;
        }
        int isint;
        lua_Integer i = lua_tointegerx(L, 1, &isint);
        if (!isint)
            return luaL_error(L, "bad argument #1 to 'select' (%s)",
                              lua_isnumber(L, 1)
                                  ? "number has no integer representation"
                                  : lua_pushfstring(L, "number expected, got %s",
                                                    n ? luaL_typename(L, 1) : "no value"));
        if (i < 0)
            i = n + i;
        else if (i > n)
            i = n;
        if (i < 1) return luaL_error(L, "bad argument #1 to 'select' (index out of range)");
        return n - (int)i;
    }
    int dim = lgc_dim(L, 2, "select");
    lua_Integer i = luaL_checkinteger(L, 3);
    if (i == 0)
        return luaL_error(
            L, "select: indices are numbered from 1 (or from -1 at the end); 0 is not an index");
    RESULT(gc_select(t, dim, i > 0 ? (int64_t)i - 1 : (int64_t)i));
}

static int l_narrow(lua_State *L)
{
    Tensor *t = lgc_check(L, 1);
    int dim = lgc_dim(L, 2, "narrow");
    lua_Integer start = luaL_checkinteger(L, 3), len = luaL_checkinteger(L, 4);
    if (start == 0)
        return luaL_error(
            L, "narrow: indices are numbered from 1 (or from -1 at the end); 0 is not an index");
    RESULT(gc_narrow(t, dim, start > 0 ? (int64_t)start - 1 : (int64_t)start, (int64_t)len));
}

/* ---- arithmetic and shapes ---------------------------------------------------------- */

static int binary(lua_State *L, OpCode op)
{
    lua_settop(L, 2);
    return lgc_arith(L, op);
}

static int l_matmul(lua_State *L)
{
    Tensor *a = lgc_totensor(L, 1, "matmul"), *b = lgc_totensor(L, 2, "matmul");
    RESULT(gc_matmul(a, b));
}

static int l_dot(lua_State *L)
{
    Tensor *a = lgc_totensor(L, 1, "dot"), *b = lgc_totensor(L, 2, "dot");
    RESULT(gc_dot(a, b));
}

static int l_t(lua_State *L)
{
    Tensor *a = lgc_check(L, 1);
    if (a->ndim > 2)
        return luaL_error(L,
                          "t: expects a tensor of at most 2 dimensions, got %d; use "
                          "x:transpose(d1, d2)",
                          a->ndim);
    if (a->ndim < 2) {
        lua_settop(L, 1);
        return 1;
    }
    RESULT(gc_transpose(a, 0, 1));
}

static int l_transpose(lua_State *L)
{
    Tensor *a = lgc_check(L, 1);
    int d1 = lgc_dim(L, 2, "transpose"), d2 = lgc_dim(L, 3, "transpose");
    RESULT(gc_transpose(a, d1, d2));
}

static int l_reshape(lua_State *L)
{
    Tensor *a = lgc_check(L, 1);
    int64_t shape[GC_MAXDIM];
    int ndim = 0;
    if (lua_type(L, 2) == LUA_TTABLE) lua_settop(L, 2);
    for (int idx = 2, top = lua_gettop(L); idx <= top; idx++) {
        int table = lua_type(L, idx) == LUA_TTABLE;
        int count = table ? (int)lua_rawlen(L, idx) : 1;
        if (count > GC_MAXDIM - ndim) /* refused, not cut short to a shape never asked for */
            return luaL_error(L, "reshape: at most %d dimensions are supported", GC_MAXDIM);
        for (int k = 1; k <= count; k++) {
            if (!table) {
                shape[ndim++] = (int64_t)luaL_checkinteger(L, idx);
                continue;
            }
            lua_rawgeti(L, idx, k);
            shape[ndim++] = (int64_t)luaL_checkinteger(L, -1);
            lua_pop(L, 1);
        }
    }
    RESULT(gc_reshape(a, ndim, shape));
}

static int l_flatten(lua_State *L)
{
    int64_t all = -1;
    RESULT(gc_reshape(lgc_check(L, 1), 1, &all));
}

/* Reads a list of tensors (or numbers) for cat and stack. */
static int tensor_list(lua_State *L, Tensor ***list, const char *who)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    int n = (int)lua_rawlen(L, 1);
    if (n == 0) return luaL_error(L, "%s: expected a non-empty list of tensors", who);
    *list = lua_newuserdatauv(L, (size_t)n * sizeof **list, 0); /* collected with the call */
    for (int k = 1; k <= n; k++) {
        luaL_checkstack(L, 2, who);
        lua_rawgeti(L, 1, k); /* stays on the stack with any converted tensor */
        (*list)[k - 1] = lgc_totensor(L, -1, who);
    }
    return n;
}

static int joined(lua_State *L, int stack)
{
    const char *who = stack ? "stack" : "cat";
    int dim = lua_isnoneornil(L, 2) ? 0 : lgc_dim(L, 2, who);
    Tensor **list = NULL;
    int n = tensor_list(L, &list, who);
    RESULT(stack ? gc_stack(n, list, dim) : gc_cat(n, list, dim));
}

static int l_cat(lua_State *L) { return joined(L, 0); }
static int l_stack(lua_State *L) { return joined(L, 1); }

/* ---- functions ---------------------------------------------------------------------- */

/* Every elementwise op of the table, as one function: the op is its upvalue.
 * A second argument is the op's scalar (leaky_relu's slope) for unary ops. */
static int l_elementwise(lua_State *L)
{
    OpCode op = (OpCode)lua_tointeger(L, lua_upvalueindex(1));
    const OpDef *def = &gc_ops[op];
    if (def->df_db) return binary(L, op);
    double arg = op == OP_LEAKY_RELU ? luaL_optnumber(L, 2, 0.01) : 0;
    Tensor *a = lgc_totensor(L, 1, def->name);
    RESULT(gc_unary_arg(op, a, arg));
}

static int softmax_like(lua_State *L, OpCode op)
{
    Tensor *a = lgc_totensor(L, 1, gc_ops[op].name);
    int dim = lua_isnoneornil(L, 2) ? -1 : lgc_dim(L, 2, gc_ops[op].name);
    RESULT(gc_softmax(op, a, dim));
}
static int l_softmax(lua_State *L) { return softmax_like(L, OP_SOFTMAX); }
static int l_log_softmax(lua_State *L) { return softmax_like(L, OP_LOG_SOFTMAX); }

/* sum(x), sum(x, dim [, keepdim]); max and min with a dim also return the
 * positions (1-based) of the winners, as PyTorch returns (values, indices). */
static int reduction(lua_State *L, OpCode op)
{
    Tensor *a = lgc_totensor(L, 1, gc_ops[op].name);
    if ((op == OP_MAX || op == OP_MIN) && lgc_test(L, 2))
        return binary(L, op == OP_MAX ? OP_MAXIMUM : OP_MINIMUM);
    int dim = lua_isnoneornil(L, 2) ? GC_ALL_DIMS : lgc_dim(L, 2, gc_ops[op].name);
    int keepdim = lua_toboolean(L, 3);
    Tensor **slot = lgc_newslot(L);
    *slot = gc_reduce(op, a, dim, keepdim);
    lgc_result(L, slot);
    if ((op == OP_MAX || op == OP_MIN) && dim != GC_ALL_DIMS) {
        Tensor **where = lgc_newslot(L); /* the positions max and min keep for backward */
        *where = gc_reduce_positions(*slot);
        return lgc_result(L, where) + 1;
    }
    return 1;
}
static int l_sum(lua_State *L) { return reduction(L, OP_SUM); }
static int l_mean(lua_State *L) { return reduction(L, OP_MEAN); }
static int l_max(lua_State *L) { return reduction(L, OP_MAX); }
static int l_min(lua_State *L) { return reduction(L, OP_MIN); }

static int l_argmax(lua_State *L)
{
    Tensor *a = lgc_totensor(L, 1, "argmax");
    int dim = lua_isnoneornil(L, 2) ? GC_ALL_DIMS : lgc_dim(L, 2, "argmax");
    RESULT(gc_argmax(a, dim));
}

/* loss(pred, target [, {reduction = "mean" | "sum" | "none"}]) */
static int loss(lua_State *L, OpCode op)
{
    const char *who = gc_ops[op].name;
    static const char *const valid[] = { "reduction", NULL };
    static const char *const names[] = { "mean", "sum", "none", NULL };
    Tensor *p = lgc_totensor(L, 1, who), *t = lgc_totensor(L, 2, who);
    GcReduction how = GC_REDUCE_MEAN;
    if (!lua_isnoneornil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
        lgc_check_options(L, 3, who, valid);
        if (lua_getfield(L, 3, "reduction") != LUA_TNIL) {
            const char *r = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
            int k = 0;
            while (names[k] && strcmp(r, names[k])) k++;
            if (!names[k])
                return luaL_error(L, "%s: reduction must be \"mean\", \"sum\" or \"none\", got %s",
                                  who, luaL_tolstring(L, -1, NULL));
            how = (GcReduction)k;
        }
        lua_pop(L, 1);
    }
    RESULT(gc_loss(op, p, t, how));
}
static int l_mse(lua_State *L) { return loss(L, OP_MSE); }
static int l_bce(lua_State *L) { return loss(L, OP_BCE); }
static int l_cross_entropy(lua_State *L) { return loss(L, OP_CROSS_ENTROPY); }
static int l_nll(lua_State *L) { return loss(L, OP_NLL); }

static int l_is_tensor(lua_State *L)
{
    lua_pushboolean(L, lgc_test(L, 1) != NULL);
    return 1;
}

/* ---- the table of public functions, with their help ----------------------------------- */

static const LuaFunction functions[] = {
    { "precision", NULL, "precision", l_precision, "precision([n])",
      "Sets how many significant digits tensors print with (1 to 17, default 6) and returns the "
      "previous setting; without n, returns the current one.",
      NULL, "precision(9)", GLOBAL, NO_OP },
    { "is_tensor", NULL, "is_tensor", l_is_tensor, "is_tensor(x)", "true when x is a tensor.", NULL,
      "is_tensor(ones(2))  --> true", GLOBAL, NO_OP },
    /* reading */
    { "dim", NULL, "dim", l_dim, "x:dim()", "The number of dimensions of x (0 for a scalar).", NULL,
      "ones(2, 3):dim()  --> 2", METHOD, NO_OP },
    { "numel", NULL, "numel", l_numel, "x:numel()", "The number of elements of x.", NULL,
      "ones(2, 3):numel()  --> 6", METHOD, NO_OP },
    { "size", NULL, "size", l_size, "x:size([dim])",
      "The shape of x as a table, or the size of one dimension.", NULL, "ones(2, 3):size(2)  --> 3",
      METHOD, NO_OP },
    { "item", NULL, "item", l_item, "x:item()", "The number held by a one-element tensor.", NULL,
      "sum(ones(3)):item()  --> 3", METHOD, NO_OP },
    { "totable", NULL, "totable", l_totable, "x:totable()",
      "The values of x as nested Lua tables (a number for a 0-d tensor).", NULL,
      "eye(2):totable()  --> {{1, 0}, {0, 1}}", METHOD, NO_OP },
    { "select", NULL, "select", l_select, "select(x, dim, i) or x:select(dim, i)",
      "The i-th slice of x along dim, with that dimension removed; x[i] is x:select(1, i). With a "
      "first argument that is not a tensor, select is Lua's own select(n, ...).",
      NULL, "eye(3):select(2, 1)  --> tensor([1, 0, 0])", BOTH, OP_SELECT },
    { "narrow", NULL, "narrow", l_narrow, "narrow(x, dim, start, length)",
      "The slice of x along dim from index start, length entries long.", NULL,
      "arange(10):narrow(1, 3, 4)  --> tensor([2, 3, 4, 5])", BOTH, OP_NARROW },
    /* arithmetic and shapes */
    { "matmul", NULL, "matmul", l_matmul, "matmul(a, b) or a:matmul(b)",
      "Matrix product as in PyTorch: [m,k]@[k,n] -> [m,n]; a 1-d operand is a row on the left or "
      "a column on the right; leading dims are batches and broadcast.",
      NULL, "matmul(tensor({{1, 2}, {3, 4}}), tensor({1, 1}))  --> tensor([3, 7])", BOTH,
      OP_MATMUL },
    { "dot", NULL, "dot", l_dot, "dot(a, b)",
      "Dot product of two 1-d tensors of the same length: Σᵢ aᵢbᵢ. (Given a graph and a file name, "
      "dot(E, file) writes the Graphviz file, as todot(E, file) does; todot is its own name.)",
      "Σᵢ aᵢbᵢ", "dot(tensor({1, 2}), tensor({3, 4}))  --> 11", BOTH, NO_OP,
      "∂/∂a = b;  ∂/∂b = a" },
    { "t", NULL, "t", l_t, "x:t()  or  x.T  or  t(x)",
      "Transpose of a matrix (a 0-d or 1-d tensor is returned as it is), as torch.t.", NULL,
      "ones(2, 3):t()", BOTH, OP_TRANSPOSE },
    { "transpose", NULL, "transpose", l_transpose, "transpose(x, d1, d2)",
      "x with dimensions d1 and d2 swapped.", NULL,
      "ones(2, 3, 4):transpose(1, 3).shape  --> {4, 3, 2}", BOTH, OP_TRANSPOSE },
    { "reshape", NULL, "reshape", l_reshape, "reshape(x, d1, d2, ...) or x:reshape({...})",
      "The same values in the same order with a new shape; one size may be -1 and is worked out.",
      NULL, "arange(6):reshape(2, 3)", BOTH, OP_RESHAPE },
    { "flatten", NULL, "flatten", l_flatten, "flatten(x)", "x as a 1-d tensor.", NULL,
      "eye(2):flatten()  --> tensor([1, 0, 0, 1])", BOTH, OP_RESHAPE },
    { "cat", NULL, "cat", l_cat, "cat({a, b, ...} [, dim])",
      "Joins tensors along an existing dimension (default 1); the other sizes must match.", NULL,
      "cat({ones(2), zeros(3)})", GLOBAL, OP_CAT },
    { "stack", NULL, "stack", l_stack, "stack({a, b, ...} [, dim])",
      "Joins equal-shaped tensors along a new dimension (default 1).", NULL,
      "stack({ones(2), zeros(2)}).shape  --> {2, 2}", GLOBAL, OP_CAT },
    /* functions */
    { "softmax", NULL, "softmax", l_softmax, "softmax(x [, dim])",
      "Turns scores into probabilities along dim (default: the last): positive, summing to 1.",
      NULL, "softmax(tensor({1, 2, 3}))", BOTH, OP_SOFTMAX },
    { "log_softmax", NULL, "log_softmax", l_log_softmax, "log_softmax(x [, dim])",
      "log(softmax(x)), computed without overflow; pair it with nll.", NULL,
      "log_softmax(tensor({1, 2, 3}))", BOTH, OP_LOG_SOFTMAX },
    { "sum", NULL, "sum", l_sum, "sum(x [, dim [, keepdim]])",
      "Sum of all elements (a 0-d tensor), or along one dim (removed unless keepdim is true).",
      NULL, "sum(tensor({{1, 2}, {3, 4}}), 1)  --> tensor([4, 6])", BOTH, OP_SUM },
    { "mean", NULL, "mean", l_mean, "mean(x [, dim [, keepdim]])",
      "Average of all elements, or along one dim.", NULL, "mean(tensor({1, 2, 3}))  --> 2", BOTH,
      OP_MEAN },
    { "max", NULL, "max", l_max, "max(x)  or  max(x, dim [, keepdim])  or  max(a, b)",
      "Largest element; along a dim it returns the values and their positions (1-based), as "
      "PyTorch does; with two tensors it is maximum(a, b). The gradient goes to the winner; "
      "tied winners of max(x) share it equally, as in PyTorch.",
      NULL, "values, where = max(tensor({{1, 5}, {7, 2}}), 2)", BOTH, OP_MAX },
    { "min", NULL, "min", l_min, "min(x)  or  min(x, dim [, keepdim])  or  min(a, b)",
      "Smallest element; along a dim, the values and their positions (1-based).", NULL,
      "min(tensor({3, 1, 2}))  --> 1", BOTH, OP_MIN },
    { "argmax", NULL, "argmax", l_argmax, "argmax(x [, dim])",
      "Position (1-based) of the largest element along dim, or in the flattened tensor. Ties go "
      "to the first. Not differentiable.",
      NULL, "argmax(tensor({{1, 5}, {7, 2}}), 2)  --> tensor([2, 1])", BOTH, NO_OP },
    /* losses */
    { "mse", NULL, "mse", l_mse, "mse(pred, target [, {reduction=\"mean\"}])",
      "Mean squared error: the mean over all elements of (pred − target)². With two outputs it "
      "equals the ½Σ(target − out)² of many hand-worked examples. reduction=\"sum\" gives the sum, "
      "\"none\" the squares themselves.",
      NULL, "mse(tensor({0.75, 0.77}), {0.01, 0.99})", BOTH, OP_MSE },
    { "bce", NULL, "bce", l_bce, "bce(p, target [, {reduction=\"mean\"}])",
      "Binary cross-entropy of probabilities p (after a sigmoid) against targets in [0, 1], "
      "averaged (reduction=\"sum\": summed; \"none\": one term per element). Logs are floored "
      "at −100 as in PyTorch.",
      NULL, "bce(sigmoid(var(0)), 1)", BOTH, OP_BCE },
    { "cross_entropy", NULL, "cross_entropy", l_cross_entropy,
      "cross_entropy(logits, labels [, {reduction=\"mean\"}])",
      "Softmax of the scores [N, C] then the negative log-probability of each sample's class "
      "(labels are class numbers 1..C), averaged over the batch. Its gradient is (softmax − "
      "onehot)/N. reduction=\"sum\" sums the samples' losses; \"none\" gives them as a tensor [N].",
      NULL, "cross_entropy(var({{2, 1, 0}}), {1})", BOTH, OP_CROSS_ENTROPY },
    { "nll", NULL, "nll", l_nll, "nll(logp, labels [, {reduction=\"mean\"}])",
      "Negative log-likelihood: minus the mean of logp[n][label n]; feed it log_softmax output. "
      "reduction=\"sum\" or \"none\" as for cross_entropy.",
      NULL, "nll(log_softmax(var({{2, 1, 0}})), {1})", BOTH, OP_NLL },
    { NULL },
};

/* The elementwise ops, made from their rows in the op table: a function in
 * the module, a tensor method, and a help entry each. The module is on top
 * of the stack. */
static void open_elementwise(lua_State *L)
{
    int module = lua_gettop(L);
    for (int op = 0; op < OP_COUNT; op++) {
        const OpDef *d = &gc_ops[op];
        if (!d->elementwise) continue;
        LuaFunction doc = { d->name,    NULL, NULL,       NULL, d->signature,
                            d->summary, NULL, d->example, BOTH, op };
        lgc_register(L, module, &doc, 1); /* the help entry */
        luaL_getmetatable(L, GRADCALC_TENSOR);
        lua_getfield(L, -1, "methods");
        lua_pushinteger(L, op);
        lua_pushcclosure(L, l_elementwise, 1);
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, d->name);     /* the method */
        lua_setfield(L, module, d->name); /* the module's function */
        lua_settop(L, module);
    }
}

/* _ops: the op table as Lua sees it, for tests and tools that go over every
 * op: {name=, formula=, derivative=, elementwise=, inputs=, kink=}. */
static void push_op_list(lua_State *L)
{
    lua_createtable(L, OP_COUNT, 0);
    for (int op = 0; op < OP_COUNT; op++) {
        const OpDef *d = &gc_ops[op];
        lua_createtable(L, 0, 6);
        lua_pushstring(L, d->name), lua_setfield(L, -2, "name");
        lua_pushstring(L, d->formula), lua_setfield(L, -2, "formula");
        lua_pushstring(L, d->derivative), lua_setfield(L, -2, "derivative");
        lua_pushboolean(L, d->elementwise), lua_setfield(L, -2, "elementwise");
        if (d->elementwise) lua_pushinteger(L, d->df_db ? 2 : 1), lua_setfield(L, -2, "inputs");
        lua_pushboolean(L, d->kink), lua_setfield(L, -2, "kink");
        lua_rawseti(L, -2, op + 1);
    }
}

int luaopen_gradcalc(lua_State *L)
{
    static const luaL_Reg no_methods[] = { { NULL, NULL } };
    lgc_open_tensor(L, no_methods); /* the methods come with the functions */
    lua_newtable(L);                /* the module */
    lgc_register(L, -1, functions, sizeof functions / sizeof functions[0]);
    open_elementwise(L);
    push_op_list(L);
    lua_setfield(L, -2, "_ops");
    lua_pushstring(L, GRADCALC_VERSION);
    lua_setfield(L, -2, "version");
    luaL_getmetatable(L, GRADCALC_TENSOR);
    lua_setfield(L, -2, "Tensor");
    lgc_open_create(L);
    lgc_open_autograd(L);
    lgc_open_custom(L);
    lgc_open_trace(L);
    lgc_open_optim(L);
    lgc_open_gradcheck(L);
    lgc_open_plot(L);
    lgc_open_nn_ops(L);
    lgc_open_data(L);
    lgc_open_lualib(L);

    static int seeded = 0; /* a fresh sequence per run until seed(n) */
    if (!seeded) gc_seed((uint64_t)time(NULL)), seeded = 1;
    return 1;
}

void gradcalc_install_globals(lua_State *L)
{
    luaL_requiref(L, "gradcalc", luaopen_gradcalc, 0);
    lua_pushnil(L);
    while (lua_next(L, -2)) { /* functions and sub-tables (optim), not _docs or Tensor */
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "_";
        if (key[0] != '_' && strcmp(key, "Tensor") && (lua_isfunction(L, -1) || lua_istable(L, -1)))
            lua_setglobal(L, key);
        else
            lua_pop(L, 1);
    }
    lua_setglobal(L, "gradcalc");
}

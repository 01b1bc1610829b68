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
#include "lua/loptim.h"
#include "lua/ldata.h"
#include "lua/lgradcalc.h"
#include "explain/print.h"
#include "lua/llib.h"

/* Runs an engine call whose result goes into a slot pushed first; read the
 * arguments before, as the slot takes the next stack index. */
#define RESULT(call)                     \
    do {                                 \
        Tensor **slot_ = lgc_newslot(L); \
        *slot_ = (call);                 \
        return lgc_result(L, slot_);     \
    } while (0)

/* ---- creation ----------------------------------------------------------------- */

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
    Tensor **slot = lgc_newslot(L);
    if ((*slot = gc_new(ndim, shape)) && value != 0) gc_fill_(*slot, value);
    return lgc_result(L, slot);
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
    Tensor **slot = lgc_newslot(L);
    if (shape[0] < 0 || shape[1] < 0) return luaL_error(L, "eye: sizes cannot be negative");
    if (gc_shape_numel(2, shape, "eye") < 0) return lgc_raise(L);
    if ((*slot = gc_new(2, shape)))
        for (int64_t i = 0; i < shape[0] && i < shape[1]; i++) (*slot)->data[i * shape[1] + i] = 1;
    return lgc_result(L, slot);
}

static int l_arange(lua_State *L)
{
    double a = luaL_checknumber(L, 1), b, step = luaL_optnumber(L, 3, 1);
    if (lua_isnoneornil(L, 2))
        b = a, a = 0;
    else
        b = luaL_checknumber(L, 2);
    if (step == 0) return luaL_error(L, "arange: step cannot be 0");
    double count = (b - a) / step;
    if (!(count < 1e12))
        return luaL_error(L, "arange: from %f to %f by %f is too many values", a, b, step);
    int64_t n = count > 0 ? (int64_t)count + ((double)(int64_t)count < count) : 0;
    Tensor **slot = lgc_newslot(L);
    if ((*slot = gc_new(1, &n)))
        for (int64_t i = 0; i < n; i++) (*slot)->data[i] = a + (double)i * step;
    return lgc_result(L, slot);
}

static int l_linspace(lua_State *L)
{
    double a = luaL_checknumber(L, 1), b = luaL_checknumber(L, 2);
    int64_t n = (int64_t)luaL_checkinteger(L, 3);
    if (n < 0) return luaL_error(L, "linspace: the number of points cannot be negative");
    Tensor **slot = lgc_newslot(L);
    if ((*slot = gc_new(1, &n)))
        for (int64_t i = 0; i < n; i++)
            (*slot)->data[i] = n == 1       ? a
                               : i == n - 1 ? b
                                            : a + (b - a) * (double)i / (double)(n - 1);
    return lgc_result(L, slot);
}

static int random_tensor(lua_State *L, const char *who, double (*draw)(void))
{
    int64_t shape[GC_MAXDIM];
    int ndim = lgc_shape(L, 1, shape, who);
    Tensor **slot = lgc_newslot(L);
    if ((*slot = gc_new(ndim, shape)))
        for (int64_t i = 0; i < (*slot)->numel; i++) (*slot)->data[i] = draw();
    return lgc_result(L, slot);
}

static int l_rand(lua_State *L) { return random_tensor(L, "rand", gc_uniform); }
static int l_randn(lua_State *L) { return random_tensor(L, "randn", gc_normal); }

static int l_seed(lua_State *L)
{
    gc_seed((uint64_t)luaL_checkinteger(L, 1));
    return 0;
}

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

static int l_add(lua_State *L) { return binary(L, OP_ADD); }
static int l_sub(lua_State *L) { return binary(L, OP_SUB); }
static int l_mul(lua_State *L) { return binary(L, OP_MUL); }
static int l_div(lua_State *L) { return binary(L, OP_DIV); }
static int l_pow(lua_State *L) { return binary(L, OP_POW); }
static int l_maximum(lua_State *L) { return binary(L, OP_MAXIMUM); }
static int l_minimum(lua_State *L) { return binary(L, OP_MINIMUM); }

static int l_matmul(lua_State *L)
{
    Tensor *a = lgc_totensor(L, 1, "matmul"), *b = lgc_totensor(L, 2, "matmul");
    RESULT(gc_matmul(a, b));
}

static int l_dot(lua_State *L)
{
    Tensor *a = lgc_totensor(L, 1, "dot"), *b = lgc_totensor(L, 2, "dot");
    char b1[96], b2[96];
    if (a->ndim != 1 || b->ndim != 1 || a->numel != b->numel)
        return luaL_error(L,
                          "dot: expected two 1-d tensors of the same length, got shapes %s and %s",
                          gc_shape_str(a->ndim, a->shape, b1, sizeof b1),
                          gc_shape_str(b->ndim, b->shape, b2, sizeof b2));
    RESULT(gc_matmul(a, b));
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

#define UNARY_FN(fn, op) \
    static int l_##fn(lua_State *L) { RESULT(gc_unary(op, lgc_totensor(L, 1, #fn))); }
UNARY_FN(neg, OP_NEG)
UNARY_FN(exp, OP_EXP)
UNARY_FN(log, OP_LOG)
UNARY_FN(sqrt, OP_SQRT)
UNARY_FN(abs, OP_ABS)
UNARY_FN(sigmoid, OP_SIGMOID)
UNARY_FN(tanh, OP_TANH)
UNARY_FN(relu, OP_RELU)

static int l_leaky_relu(lua_State *L)
{
    double slope = luaL_optnumber(L, 2, 0.01);
    Tensor *a = lgc_totensor(L, 1, "leaky_relu");
    RESULT(gc_leaky_relu(a, slope));
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
        *where = gc_copy((*slot)->saved);
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

static int loss(lua_State *L, OpCode op)
{
    Tensor *p = lgc_totensor(L, 1, gc_ops[op].name), *t = lgc_totensor(L, 2, gc_ops[op].name);
    RESULT(gc_loss(op, p, t));
}
static int l_mse(lua_State *L) { return loss(L, OP_MSE); }
static int l_bce(lua_State *L) { return loss(L, OP_BCE); }
static int l_cross_entropy(lua_State *L) { return loss(L, OP_CROSS_ENTROPY); }
static int l_nll(lua_State *L) { return loss(L, OP_NLL); }

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
    int status = lua_pcallk(L, lua_gettop(L) - 2, LUA_MULTRET, 0, 0, no_grad_finish);
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

static int l_is_tensor(lua_State *L)
{
    lua_pushboolean(L, lgc_test(L, 1) != NULL);
    return 1;
}

/* ---- the table of public functions, with their help ----------------------------------- */

enum { GLOBAL = 1, METHOD = 2, BOTH = 3 };
#define NO_OP (-1)

typedef struct Function {
    const char *name;
    lua_CFunction fn;
    int where; /* a global (and module field), a tensor method, or both */
    int op;    /* the op whose formula and derivative help shows */
    const char *signature;
    const char *summary;
    const char *example;
} Function;

static const Function functions[] = {
    /* creation */
    { "tensor", l_tensor, GLOBAL, NO_OP, "tensor(data [, {requires_grad=bool, name=string}])",
      "A new tensor from a number (a 0-d tensor), a nested table of numbers (one nesting level per "
      "dimension), or another tensor (copied). requires_grad=true makes it a leaf of the graph "
      "whose "
      "gradient backward computes.",
      "w = tensor({{0.15, 0.20}, {0.25, 0.30}}, {requires_grad=true, name=\"w\"})" },
    { "var", l_var, GLOBAL, NO_OP, "var(data [, name])",
      "A leaf tensor that requires a gradient: the weights and inputs whose derivatives you want. "
      "Same data as tensor().",
      "w1 = var(0.15, \"w1\")" },
    { "zeros", l_zeros, GLOBAL, NO_OP, "zeros(d1, d2, ...) or zeros({d1, d2, ...})",
      "A tensor of the given shape filled with 0.", "zeros(2, 3)" },
    { "ones", l_ones, GLOBAL, NO_OP, "ones(d1, d2, ...) or ones({d1, d2, ...})",
      "A tensor of the given shape filled with 1.", "ones(3)" },
    { "full", l_full, GLOBAL, NO_OP, "full(shape, value)",
      "A tensor of the given shape (a number or a table) filled with value.", "full({2, 2}, 0.5)" },
    { "eye", l_eye, GLOBAL, NO_OP, "eye(n [, m])", "The n×n identity matrix (n×m when m is given).",
      "eye(3)" },
    { "arange", l_arange, GLOBAL, NO_OP, "arange(a, b [, step]) or arange(b)",
      "Numbers from a up to but not including b, step apart (default 1); arange(b) starts at 0. "
      "As in PyTorch, the end is excluded.",
      "arange(0, 1, 0.25)  --> 0, 0.25, 0.5, 0.75" },
    { "linspace", l_linspace, GLOBAL, NO_OP, "linspace(a, b, n)",
      "n evenly spaced numbers from a to b, both included.", "linspace(-1, 1, 5)" },
    { "rand", l_rand, GLOBAL, NO_OP, "rand(d1, d2, ...) or rand({...})",
      "Uniform random numbers in [0, 1). seed(n) makes them the same on every machine.",
      "seed(1); rand(2, 2)" },
    { "randn", l_randn, GLOBAL, NO_OP, "randn(d1, d2, ...) or randn({...})",
      "Normally distributed random numbers (mean 0, standard deviation 1).", "seed(1); randn(3)" },
    { "seed", l_seed, GLOBAL, NO_OP, "seed(n)",
      "Restarts the random number generator of rand and randn at seed n: the same seed gives the "
      "same numbers on every machine.",
      "seed(42)" },
    { "precision", l_precision, GLOBAL, NO_OP, "precision([n])",
      "Sets how many significant digits tensors print with (1 to 17, default 6) and returns the "
      "previous setting; without n, returns the current one.",
      "precision(9)" },
    { "is_tensor", l_is_tensor, GLOBAL, NO_OP, "is_tensor(x)", "true when x is a tensor.",
      "is_tensor(ones(2))  --> true" },
    /* reading */
    { "dim", l_dim, METHOD, NO_OP, "x:dim()", "The number of dimensions of x (0 for a scalar).",
      "ones(2, 3):dim()  --> 2" },
    { "numel", l_numel, METHOD, NO_OP, "x:numel()", "The number of elements of x.",
      "ones(2, 3):numel()  --> 6" },
    { "size", l_size, METHOD, NO_OP, "x:size([dim])",
      "The shape of x as a table, or the size of one dimension.", "ones(2, 3):size(2)  --> 3" },
    { "item", l_item, METHOD, NO_OP, "x:item()", "The number held by a one-element tensor.",
      "sum(ones(3)):item()  --> 3" },
    { "totable", l_totable, METHOD, NO_OP, "x:totable()",
      "The values of x as nested Lua tables (a number for a 0-d tensor).",
      "eye(2):totable()  --> {{1, 0}, {0, 1}}" },
    { "select", l_select, BOTH, OP_SELECT, "select(x, dim, i) or x:select(dim, i)",
      "The i-th slice of x along dim, with that dimension removed; x[i] is x:select(1, i). With a "
      "first argument that is not a tensor, select is Lua's own select(n, ...).",
      "eye(3):select(2, 1)  --> tensor([1, 0, 0])" },
    { "narrow", l_narrow, BOTH, OP_NARROW, "narrow(x, dim, start, length)",
      "The slice of x along dim from index start, length entries long.",
      "arange(10):narrow(1, 3, 4)  --> tensor([2, 3, 4, 5])" },
    /* arithmetic and shapes */
    { "add", l_add, BOTH, OP_ADD, "add(a, b)  or  a + b",
      "Elementwise sum, broadcasting shapes as NumPy does.", "var(2) + 3" },
    { "sub", l_sub, BOTH, OP_SUB, "sub(a, b)  or  a - b", "Elementwise difference.", "var(2) - 3" },
    { "mul", l_mul, BOTH, OP_MUL, "mul(a, b)  or  a * b",
      "Elementwise product (not the matrix product: that is matmul).", "var(2) * 3" },
    { "div", l_div, BOTH, OP_DIV, "div(a, b)  or  a / b", "Elementwise quotient.", "var(1) / 4" },
    { "neg", l_neg, BOTH, OP_NEG, "neg(a)  or  -a", "Elementwise negation.", "-var(2)" },
    { "pow", l_pow, BOTH, OP_POW, "pow(x, p)  or  x ^ p",
      "x raised to the power p, elementwise; p may be a number or a tensor.",
      "pow(var(3), 2)  --> 9" },
    { "maximum", l_maximum, BOTH, OP_MAXIMUM, "maximum(a, b)  (also max(a, b))",
      "Elementwise larger of a and b. The gradient goes to the larger input (split on a tie): "
      "max routes.",
      "maximum(var(2), var(5))" },
    { "minimum", l_minimum, BOTH, OP_MINIMUM, "minimum(a, b)  (also min(a, b))",
      "Elementwise smaller of a and b; the gradient goes to the smaller input.",
      "minimum(var(2), var(5))" },
    { "matmul", l_matmul, BOTH, OP_MATMUL, "matmul(a, b) or a:matmul(b)",
      "Matrix product as in PyTorch: [m,k]@[k,n] -> [m,n]; a 1-d operand is a row on the left or "
      "a column on the right; leading dims are batches and broadcast.",
      "matmul(tensor({{1, 2}, {3, 4}}), tensor({1, 1}))  --> tensor([3, 7])" },
    { "dot", l_dot, BOTH, OP_MATMUL, "dot(a, b)",
      "Dot product of two 1-d tensors of the same length: Σᵢ aᵢbᵢ.",
      "dot(tensor({1, 2}), tensor({3, 4}))  --> 11" },
    { "t", l_t, METHOD, OP_TRANSPOSE, "x:t()  or  x.T",
      "Transpose of a matrix (a 0-d or 1-d tensor is returned as it is).", "ones(2, 3):t()" },
    { "transpose", l_transpose, BOTH, OP_TRANSPOSE, "transpose(x, d1, d2)",
      "x with dimensions d1 and d2 swapped.",
      "ones(2, 3, 4):transpose(1, 3).shape  --> {4, 3, 2}" },
    { "reshape", l_reshape, BOTH, OP_RESHAPE, "reshape(x, d1, d2, ...) or x:reshape({...})",
      "The same values in the same order with a new shape; one size may be -1 and is worked out.",
      "arange(6):reshape(2, 3)" },
    { "flatten", l_flatten, BOTH, OP_RESHAPE, "flatten(x)", "x as a 1-d tensor.",
      "eye(2):flatten()  --> tensor([1, 0, 0, 1])" },
    { "cat", l_cat, GLOBAL, OP_CAT, "cat({a, b, ...} [, dim])",
      "Joins tensors along an existing dimension (default 1); the other sizes must match.",
      "cat({ones(2), zeros(3)})" },
    { "stack", l_stack, GLOBAL, OP_CAT, "stack({a, b, ...} [, dim])",
      "Joins equal-shaped tensors along a new dimension (default 1).",
      "stack({ones(2), zeros(2)}).shape  --> {2, 2}" },
    /* functions */
    { "exp", l_exp, BOTH, OP_EXP, "exp(x)", "e to the power x, elementwise.",
      "exp(var(0))  --> 1" },
    { "log", l_log, BOTH, OP_LOG, "log(x)", "Natural logarithm, elementwise.",
      "log(var(1))  --> 0" },
    { "sqrt", l_sqrt, BOTH, OP_SQRT, "sqrt(x)", "Square root, elementwise.",
      "sqrt(var(9))  --> 3" },
    { "abs", l_abs, BOTH, OP_ABS, "abs(x)",
      "Absolute value, elementwise. Its kink at 0 gets derivative 0.", "abs(var(-2))  --> 2" },
    { "sigmoid", l_sigmoid, BOTH, OP_SIGMOID, "sigmoid(x)",
      "The logistic function, squashing any number into (0, 1); its derivative is largest (1/4) "
      "at 0 and vanishes for large |x|.",
      "h = sigmoid(var(0.3775))  --> 0.593269992..." },
    { "tanh", l_tanh, BOTH, OP_TANH, "tanh(x)",
      "Hyperbolic tangent, squashing into (−1, 1); tanh(x) = 2σ(2x) − 1.", "tanh(var(0))  --> 0" },
    { "relu", l_relu, BOTH, OP_RELU, "relu(x)",
      "Rectified linear unit: x where x > 0, else 0. Its derivative is 1 or 0, so gradients pass "
      "or stop; at the kink x = 0 gradcalc uses 0, as PyTorch does.",
      "relu(tensor({-1, 2}))  --> tensor([0, 2])" },
    { "leaky_relu", l_leaky_relu, BOTH, OP_LEAKY_RELU, "leaky_relu(x [, slope])",
      "Like relu but lets slope·x through for x < 0 (default slope 0.01), so no unit stops "
      "learning entirely.",
      "leaky_relu(tensor({-1, 2}), 0.1)  --> tensor([-0.1, 2])" },
    { "softmax", l_softmax, BOTH, OP_SOFTMAX, "softmax(x [, dim])",
      "Turns scores into probabilities along dim (default: the last): positive, summing to 1.",
      "softmax(tensor({1, 2, 3}))" },
    { "log_softmax", l_log_softmax, BOTH, OP_LOG_SOFTMAX, "log_softmax(x [, dim])",
      "log(softmax(x)), computed without overflow; pair it with nll.",
      "log_softmax(tensor({1, 2, 3}))" },
    { "sum", l_sum, BOTH, OP_SUM, "sum(x [, dim [, keepdim]])",
      "Sum of all elements (a 0-d tensor), or along one dim (removed unless keepdim is true).",
      "sum(tensor({{1, 2}, {3, 4}}), 1)  --> tensor([4, 6])" },
    { "mean", l_mean, BOTH, OP_MEAN, "mean(x [, dim [, keepdim]])",
      "Average of all elements, or along one dim.", "mean(tensor({1, 2, 3}))  --> 2" },
    { "max", l_max, BOTH, OP_MAX, "max(x)  or  max(x, dim [, keepdim])  or  max(a, b)",
      "Largest element; along a dim it returns the values and their positions (1-based), as "
      "PyTorch does; with two tensors it is maximum(a, b). The gradient goes to the winner only.",
      "values, where = max(tensor({{1, 5}, {7, 2}}), 2)" },
    { "min", l_min, BOTH, OP_MIN, "min(x)  or  min(x, dim [, keepdim])  or  min(a, b)",
      "Smallest element; along a dim, the values and their positions (1-based).",
      "min(tensor({3, 1, 2}))  --> 1" },
    { "argmax", l_argmax, BOTH, NO_OP, "argmax(x [, dim])",
      "Position (1-based) of the largest element along dim, or in the flattened tensor. Ties go "
      "to the first. Not differentiable.",
      "argmax(tensor({{1, 5}, {7, 2}}), 2)  --> tensor([2, 1])" },
    /* losses */
    { "mse", l_mse, BOTH, OP_MSE, "mse(pred, target)",
      "Mean squared error: the mean over all elements of (pred − target)². With two outputs it "
      "equals the ½Σ(target − out)² of many hand-worked examples.",
      "mse(tensor({0.75, 0.77}), {0.01, 0.99})" },
    { "bce", l_bce, BOTH, OP_BCE, "bce(p, target)",
      "Binary cross-entropy of probabilities p (after a sigmoid) against targets in [0, 1], "
      "averaged. Logs are floored at −100 as in PyTorch.",
      "bce(sigmoid(var(0)), 1)" },
    { "cross_entropy", l_cross_entropy, BOTH, OP_CROSS_ENTROPY, "cross_entropy(logits, labels)",
      "Softmax of the scores [N, C] then the negative log-probability of each sample's class "
      "(labels are class numbers 1..C), averaged over the batch. Its gradient is (softmax − "
      "onehot)/N.",
      "cross_entropy(var({{2, 1, 0}}), {1})" },
    { "nll", l_nll, BOTH, OP_NLL, "nll(logp, labels)",
      "Negative log-likelihood: minus the mean of logp[n][label n]; feed it log_softmax output.",
      "nll(log_softmax(var({{2, 1, 0}})), {1})" },
    /* autograd */
    { "backward", l_backward, BOTH, NO_OP, "y:backward([grad])",
      "Computes the gradient of y with respect to every tensor it was computed from. Without an "
      "argument y must have one element. Every node keeps its gradient (read h.grad); leaves "
      "accumulate over calls, so call zero_grad() between steps.",
      "x = var(3); y = x^2; y:backward(); x.grad  --> 6" },
    { "zero_grad", l_zero_grad, BOTH, NO_OP, "x:zero_grad()",
      "Clears x's gradient (x.grad becomes nil) so the next backward starts from zero.",
      "w:zero_grad()" },
    { "detach", l_detach, BOTH, NO_OP, "x:detach()",
      "A new leaf with x's values and no history: gradients stop here.", "y = x:detach()" },
    { "requires_grad_", l_requires_grad_, METHOD, NO_OP, "x:requires_grad_([bool])",
      "Turns gradient tracking of a leaf on (default) or off and returns x.",
      "w = ones(2):requires_grad_()" },
    { "no_grad", l_no_grad, GLOBAL, NO_OP, "no_grad(fn, ...)",
      "Runs fn without recording the graph and returns its results: use it for updates and "
      "evaluation.",
      "no_grad(function() w:sub_(0.5 * w.grad) end)" },
    { "clone", l_clone, METHOD, NO_OP, "x:clone()", "A copy of x's values, as a new leaf.",
      "y = x:clone()" },
    /* in-place updates */
    { "add_", l_add_, METHOD, NO_OP, "x:add_(y [, alpha])",
      "x = x + alpha·y in place (never recorded in the graph); returns x.",
      "w:add_(w.grad, -0.5)" },
    { "sub_", l_sub_, METHOD, NO_OP, "x:sub_(y [, alpha])",
      "x = x − alpha·y in place (never recorded); a backward that still needs the old x fails "
      "with an error instead of a wrong gradient.",
      "w:sub_(0.5 * w.grad)" },
    { "mul_", l_mul_, METHOD, NO_OP, "x:mul_(y)", "x = x·y in place (never recorded).",
      "v:mul_(0.9)" },
    { "fill_", l_fill_, METHOD, NO_OP, "x:fill_(v)", "Sets every element of x to v.",
      "x:fill_(0.5)" },
    { "copy_", l_copy_, METHOD, NO_OP, "x:copy_(y)", "Copies y's values into x (y broadcasts).",
      "x:copy_({1, 2})" },
    { "zero_", l_zero_, METHOD, NO_OP, "x:zero_()", "Sets every element of x to 0.", "x:zero_()" },
    { NULL, NULL, 0, NO_OP, NULL, NULL, NULL },
};

static void push_doc(lua_State *L, const Function *f)
{
    lua_createtable(L, 0, 6);
    lua_pushstring(L, f->name), lua_setfield(L, -2, "name");
    lua_pushstring(L, f->signature), lua_setfield(L, -2, "signature");
    lua_pushstring(L, f->summary), lua_setfield(L, -2, "summary");
    lua_pushstring(L, f->example), lua_setfield(L, -2, "example");
    if (f->op != NO_OP) {
        lua_pushstring(L, gc_ops[f->op].formula), lua_setfield(L, -2, "formula");
        lua_pushstring(L, gc_ops[f->op].derivative), lua_setfield(L, -2, "derivative");
    }
    lua_pushboolean(L, f->where == METHOD), lua_setfield(L, -2, "method_only");
}

int luaopen_gradcalc(lua_State *L)
{
    luaL_Reg methods[sizeof functions / sizeof functions[0]];
    int nm = 0;
    for (const Function *f = functions; f->name; f++)
        if (f->where & METHOD) methods[nm++] = (luaL_Reg){ f->name, f->fn };
    methods[nm] = (luaL_Reg){ NULL, NULL };
    lgc_open_tensor(L, methods);

    lua_newtable(L); /* the module */
    lua_newtable(L); /* its _docs */
    for (const Function *f = functions; f->name; f++) {
        push_doc(L, f);
        lua_setfield(L, -2, f->name);
        if (!(f->where & GLOBAL)) continue;
        if (f->fn == l_select) { /* keeps Lua's select for non-tensors */
            lua_getglobal(L, "select");
            lua_pushcclosure(L, l_select, 1);
        } else {
            lua_pushcfunction(L, f->fn);
        }
        lua_setfield(L, -3, f->name);
    }
    lua_setfield(L, -2, "_docs");
    lua_pushstring(L, GRADCALC_VERSION);
    lua_setfield(L, -2, "version");
    luaL_getmetatable(L, GRADCALC_TENSOR);
    lua_setfield(L, -2, "Tensor");
    lgc_open_trace(L);
    lgc_open_optim(L);
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

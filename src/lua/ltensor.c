/*
 * ltensor.c - tensors as Lua values: the userdata, converting Lua numbers
 * and tables into tensors, fields (x.shape, x.grad, x.name, x[i], ...),
 * and the arithmetic metamethods.
 */
#include <stdlib.h>
#include <string.h>

#include "lua/ltensor.h"
#include "explain/print.h"

/* ---- userdata --------------------------------------------------------------- */

/* The metatable is also kept under this address in the registry: looking
 * it up by pointer skips hashing its name on every op. */
static const char metatable_key = 0;
static const char grad_cache_key = 0; /* weak table: Tensor * -> its userdata */
static const void *last_metatable;    /* of the state opened last: a quick first test */
static const char sentinel_key = 0;   /* forgets last_metatable when its state closes */

Tensor **lgc_newslot(lua_State *L)
{
    Tensor **slot = lua_newuserdatauv(L, sizeof *slot, 0);
    *slot = NULL;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &metatable_key);
    lua_setmetatable(L, -2);
    return slot;
}

/*
 * Tensor values live outside Lua's heap, so the collector cannot see how
 * much memory its garbage holds. Every STEP_BYTES of new tensors it takes
 * a step (a young collection in generational mode: recent garbage, still
 * in cache, is cheap to free); once new tensors add up to more than what
 * was alive after the last full collection, it collects everything.
 */
#define STEP_BYTES     ((int64_t)256 << 10)
#define MIN_FULL_BYTES ((int64_t)2 << 20)

static void account(lua_State *L, const Tensor *t)
{
    static int64_t since_step = 0, since_full = 0, full_threshold = MIN_FULL_BYTES;
    int64_t bytes = gc_tensor_bytes(t);
    since_step += bytes;
    since_full += bytes;
    if (since_full >= full_threshold) {
        lua_gc(L, LUA_GCCOLLECT);
        since_full = since_step = 0;
        full_threshold = gc_live_bytes() > MIN_FULL_BYTES ? gc_live_bytes() : MIN_FULL_BYTES;
    } else if (since_step >= STEP_BYTES) {
        lua_gc(L, LUA_GCSTEP, 0);
        since_step = 0;
    }
}

int lgc_raise(lua_State *L)
{
    luaL_where(L, 1);
    lua_pushstring(L, gc_error());
    lua_concat(L, 2);
    return lua_error(L);
}

int lgc_result(lua_State *L, Tensor **slot)
{
    if (!*slot) return lgc_raise(L);
    account(L, *slot);
    return 1;
}

void lgc_push(lua_State *L, Tensor *t) { *lgc_newslot(L) = t; }

static const char box_key = 0; /* the metatable of boxes */

static int box_gc(lua_State *L)
{
    void **box = lua_touserdata(L, 1);
    free(*box);
    *box = NULL;
    return 0;
}

void **lgc_newbox(lua_State *L)
{
    void **box = lua_newuserdatauv(L, sizeof *box, 0);
    *box = NULL;
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &box_key) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_createtable(L, 0, 2);
        lua_pushcfunction(L, box_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &box_key);
    }
    lua_setmetatable(L, -2);
    return box;
}

static int push_text(lua_State *L)
{
    lua_pushstring(L, lua_touserdata(L, 1));
    return 1;
}

void lgc_push_text(lua_State *L, char *text)
{
    lua_pushcfunction(L, push_text); /* neither push allocates */
    lua_pushlightuserdata(L, text);
    int status = lua_pcall(L, 1, 1, 0);
    free(text);
    if (status != LUA_OK) lua_error(L);
}

Tensor *lgc_test(lua_State *L, int idx)
{
    Tensor **slot = lua_touserdata(L, idx);
    if (!slot || !lua_getmetatable(L, idx)) return NULL;
    int is_tensor = lua_topointer(L, -1) == last_metatable;
    if (!is_tensor) {
        lua_rawgetp(L, LUA_REGISTRYINDEX, &metatable_key);
        is_tensor = lua_rawequal(L, -1, -2);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return is_tensor && *slot ? *slot : NULL;
}

Tensor *lgc_check(lua_State *L, int idx)
{
    Tensor *t = lgc_test(L, idx);
    if (!t) luaL_typeerror(L, idx, "tensor");
    return t;
}

static int tensor_gc(lua_State *L)
{
    Tensor **slot = luaL_checkudata(L, 1, GRADCALC_TENSOR);
    gc_release(*slot);
    *slot = NULL;
    return 0;
}

/* ---- from Lua values ------------------------------------------------------------ */

/* The shape of a nested table, read down its first elements. */
static int nested_shape(lua_State *L, int idx, int64_t *shape, const char *who)
{
    int ndim = 0;
    lua_pushvalue(L, idx);
    while (lua_type(L, -1) == LUA_TTABLE && !lgc_test(L, -1)) {
        if (ndim == GC_MAXDIM) {
            lua_pop(L, 1);
            return luaL_error(L, "%s: tables nested deeper than %d levels", who, GC_MAXDIM);
        }
        shape[ndim++] = (int64_t)lua_rawlen(L, -1);
        lua_rawgeti(L, -1, 1);
        lua_remove(L, -2);
    }
    lua_pop(L, 1);
    return ndim;
}

/* Copies the nested table at the top into data, checking that it is a
 * proper box of numbers; path holds the 1-based position for messages. */
static void fill_nested(lua_State *L, const int64_t *shape, int ndim, int depth, double **data,
                        int64_t *path, const char *who)
{
    char where[160] = "";
    size_t used = 0;
    for (int d = 0; d < depth && used < sizeof where; d++)
        used += (size_t)snprintf(where + used, sizeof where - used, "[%lld]", (long long)path[d]);
    if (depth == ndim) {
        if (lua_type(L, -1) != LUA_TNUMBER) {
            Tensor *t = lgc_test(L, -1);
            if (t && t->numel == 1) { /* a one-element tensor counts as its number */
                *(*data)++ = t->data[0];
                return;
            }
            luaL_error(L, "%s: element %s is %s, expected a number", who, where,
                       lua_type(L, -1) == LUA_TTABLE
                           ? "a table nested too deep (ragged nested tables)"
                           : luaL_typename(L, -1));
        }
        *(*data)++ = lua_tonumber(L, -1);
        return;
    }
    if (lua_type(L, -1) != LUA_TTABLE || lgc_test(L, -1))
        luaL_error(L,
                   "%s: ragged nested tables: element %s is %s where a table of %I "
                   "elements belongs",
                   who, where, luaL_typename(L, -1), (lua_Integer)shape[depth]);
    if ((int64_t)lua_rawlen(L, -1) != shape[depth])
        luaL_error(L,
                   "%s: ragged nested tables: %s has %I elements but the first row at "
                   "this depth has %I",
                   who, depth ? where : "the table", (lua_Integer)lua_rawlen(L, -1),
                   (lua_Integer)shape[depth]);
    luaL_checkstack(L, 2, "nested tables");
    for (int64_t k = 1; k <= shape[depth]; k++) {
        path[depth] = k;
        lua_rawgeti(L, -1, (lua_Integer)k);
        fill_nested(L, shape, ndim, depth + 1, data, path, who);
        lua_pop(L, 1);
    }
}

Tensor *lgc_totensor(lua_State *L, int idx, const char *who)
{
    Tensor *t = lgc_test(L, idx);
    if (t) return t;
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) == LUA_TNUMBER) {
        Tensor **slot = lgc_newslot(L);
        if (!(*slot = gc_scalar(lua_tonumber(L, idx)))) lgc_raise(L);
        lua_replace(L, idx);
        return *slot;
    }
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "%s: expected a tensor, a number or a table of numbers, got %s", who,
                   luaL_typename(L, idx));
    int64_t shape[GC_MAXDIM], path[GC_MAXDIM];
    int ndim = nested_shape(L, idx, shape, who);
    Tensor **slot = lgc_newslot(L);
    if (!(*slot = gc_new(ndim, shape))) lgc_raise(L);
    double *data = (*slot)->data;
    lua_pushvalue(L, idx);
    fill_nested(L, shape, ndim, 0, &data, path, who);
    lua_pop(L, 1);
    lua_replace(L, idx);
    account(L, *slot);
    return *slot;
}

int lgc_dim(lua_State *L, int idx, const char *who)
{
    lua_Integer d = luaL_checkinteger(L, idx);
    if (d == 0)
        luaL_error(L,
                   "%s: dimensions are numbered from 1 (or from -1 at the end); 0 is not a "
                   "dimension",
                   who);
    if (d > GC_MAXDIM || d < -GC_MAXDIM)
        luaL_error(L, "%s: dimension %d is out of range", who, (int)d);
    return d > 0 ? (int)d - 1 : (int)d;
}

static int64_t check_size(lua_State *L, int idx, const char *who)
{
    if (lua_type(L, idx) != LUA_TNUMBER)
        luaL_error(L, "%s: a size must be a number, got %s", who, luaL_typename(L, idx));
    lua_Number n = lua_tonumber(L, idx);
    if (n < 0) luaL_error(L, "%s: a size cannot be negative, got %f", who, n);
    if (!(n < 0x1p62)) /* also NaN; checked before converting */
        luaL_error(L, "%s: size %f is too large", who, n);
    if (n != (lua_Number)(int64_t)n)
        luaL_error(L, "%s: a size must be a whole number, got %f", who, n);
    return (int64_t)n;
}

int lgc_shape(lua_State *L, int idx, int64_t *shape, const char *who)
{
    int ndim = 0;
    if (lua_type(L, idx) == LUA_TTABLE) {
        int n = (int)lua_rawlen(L, idx);
        if (n > GC_MAXDIM) luaL_error(L, "%s: at most %d dimensions are supported", who, GC_MAXDIM);
        for (int k = 1; k <= n; k++) {
            lua_rawgeti(L, idx, k);
            shape[ndim++] = check_size(L, -1, who);
            lua_pop(L, 1);
        }
    } else {
        for (int top = lua_gettop(L); idx <= top; idx++) {
            if (ndim == GC_MAXDIM)
                luaL_error(L, "%s: at most %d dimensions are supported", who, GC_MAXDIM);
            shape[ndim++] = check_size(L, idx, who);
        }
    }
    if (gc_shape_numel(ndim, shape, who) < 0) lgc_raise(L); /* "zeros: ... too large" */
    return ndim;
}

/* ---- fields --------------------------------------------------------------------- */

/* A shape is a plain table of sizes {2, 3}, which prints as such and
 * compares by its sizes (x.shape == y.shape), as torch.Size does. */
static int shape_tostring(lua_State *L)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addchar(&b, '{');
    lua_Integer n = luaL_len(L, 1);
    for (lua_Integer d = 1; d <= n; d++) {
        lua_geti(L, 1, d);
        luaL_tolstring(L, -1, NULL);
        lua_remove(L, -2);
        luaL_addvalue(&b);
        if (d < n) luaL_addstring(&b, ", ");
    }
    luaL_addchar(&b, '}');
    luaL_pushresult(&b);
    return 1;
}

static int shape_eq(lua_State *L)
{
    lua_Integer n = luaL_len(L, 1);
    int same = n == luaL_len(L, 2);
    for (lua_Integer d = 1; same && d <= n; d++) {
        lua_geti(L, 1, d);
        lua_geti(L, 2, d);
        same = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
    }
    lua_pushboolean(L, same);
    return 1;
}

static void push_shape(lua_State *L, const Tensor *t)
{
    lua_createtable(L, t->ndim, 0);
    for (int d = 0; d < t->ndim; d++) {
        lua_pushinteger(L, (lua_Integer)t->shape[d]);
        lua_rawseti(L, -2, d + 1);
    }
    if (luaL_newmetatable(L, "gradcalc.shape")) {
        lua_pushcfunction(L, shape_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushcfunction(L, shape_eq);
        lua_setfield(L, -2, "__eq");
    }
    lua_setmetatable(L, -2);
}

/* x.grad is the same Lua value each time it is read (a weak cache). */
static void push_grad(lua_State *L, Tensor *x)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &grad_cache_key);
    int cache = lua_gettop(L);
    if (x->grad && lua_rawgetp(L, cache, x->grad) != LUA_TNIL) { /* the common case */
        lua_replace(L, cache);
        return;
    }
    lua_settop(L, cache);
    /* The slot is made before x.grad is read: making it may run finalizers,
     * Lua code that may change x.grad; and once the slot holds the
     * reference, an out-of-memory error leaks nothing. */
    Tensor **slot = lgc_newslot(L);
    Tensor *g = x->grad;
    if (!g)
        lua_pushnil(L);
    else if (lua_rawgetp(L, cache, g) == LUA_TNIL) {
        lua_pop(L, 1);
        gc_retain(g);
        *slot = g;
        lua_pushvalue(L, cache + 1);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, cache, g);
    }
    lua_replace(L, cache);
    lua_settop(L, cache);
}

static int tensor_index(lua_State *L)
{
    Tensor *t = lgc_check(L, 1);
    if (lua_type(L, 2) == LUA_TNUMBER) { /* x[i]: the i-th slice along dim 1 */
        lua_Integer i = luaL_checkinteger(L, 2);
        if (t->ndim == 0)
            return luaL_error(L, "index: a 0-d tensor has no elements to index; use x:item()");
        if (i == 0)
            return luaL_error(
                L,
                "index: indices are numbered from 1 (or from -1 at the end); x[0] does not exist");
        Tensor **slot = lgc_newslot(L);
        *slot = gc_select(t, 0, i > 0 ? (int64_t)i - 1 : (int64_t)i);
        return lgc_result(L, slot);
    }
    lua_pushvalue(L, 2); /* methods first: the common case */
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
    const char *key = luaL_checkstring(L, 2);
    if (!strcmp(key, "shape"))
        push_shape(L, t);
    else if (!strcmp(key, "grad")) {
        push_grad(L, t);
    } else if (!strcmp(key, "name")) {
        if (t->name)
            lua_pushstring(L, t->name);
        else
            lua_pushnil(L);
    } else if (!strcmp(key, "requires_grad"))
        lua_pushboolean(L, t->requires_grad);
    else if (!strcmp(key, "is_leaf"))
        lua_pushboolean(L, t->op == NULL);
    else if (!strcmp(key, "grad_fn")) {
        if (t->op)
            lua_pushstring(L, t->op->name);
        else
            lua_pushnil(L);
    } else if (!strcmp(key, "ndim"))
        lua_pushinteger(L, t->ndim);
    else if (!strcmp(key, "T")) {
        lua_getfield(L, lua_upvalueindex(1), "t");
        lua_pushvalue(L, 1);
        lua_call(L, 1, 1);
    } else {
        lua_pushnil(L);
    }
    return 1;
}

static int tensor_newindex(lua_State *L)
{
    Tensor *t = lgc_check(L, 1);
    const char *key = luaL_checkstring(L, 2);
    if (!strcmp(key, "name")) {
        if (!lua_isnil(L, 3) && !lua_isstring(L, 3))
            return luaL_error(L, "name: expected a string (or nil to remove it), got %s",
                              luaL_typename(L, 3));
        const char *name = lua_isnil(L, 3) ? NULL : lua_tostring(L, 3);
        if (gc_set_name(t, name)) return lgc_raise(L);
    } else if (!strcmp(key, "requires_grad")) {
        if (!lua_isboolean(L, 3))
            return luaL_error(L, "requires_grad: expected true or false, got %s",
                              luaL_typename(L, 3));
        if (t->op)
            return luaL_error(L,
                              "requires_grad: only leaf tensors can change it; this tensor "
                              "is the result of %s (use x:detach() for a new leaf)",
                              t->op->name);
        t->requires_grad = lua_toboolean(L, 3);
    } else if (!strcmp(key, "grad")) {
        if (!lua_isnil(L, 3))
            return luaL_error(
                L,
                "grad: only nil can be assigned (to clear it); use x.grad:copy_(g) to change it");
        gc_zero_grad(t);
    } else {
        return luaL_error(L, "tensor: cannot set field '%s' (settable: name, requires_grad, grad)",
                          key);
    }
    return 0;
}

static int tensor_tostring(lua_State *L)
{
    char *text = gc_format(lgc_check(L, 1), gc_print_precision);
    if (!text) return lgc_raise(L);
    lgc_push_text(L, text);
    return 1;
}

static int tensor_len(lua_State *L)
{
    Tensor *t = lgc_check(L, 1);
    if (t->ndim == 0) return luaL_error(L, "#: a 0-d tensor has no length; use x:numel()");
    lua_pushinteger(L, (lua_Integer)t->shape[0]);
    return 1;
}

/* ---- arithmetic: + - * / ^ and unary minus, numbers on either side ---------------- */

/*
 * a op b for tensors, numbers or tables at 1 and 2. A number operand
 * becomes a 0-d tensor on the C side only, with no Lua value to collect:
 * constants like the 0.5 in 0.5*x are the most common operands of all.
 */
int lgc_arith(lua_State *L, OpCode op)
{
    const char *who = gc_ops[op].name;
    int is_number[2] = { lua_type(L, 1) == LUA_TNUMBER, lua_type(L, 2) == LUA_TNUMBER };
    Tensor *in[2];
    for (int i = 0; i < 2; i++) /* what can raise an error goes first */
        if (!is_number[i]) in[i] = lgc_totensor(L, i + 1, who);
    Tensor **slot = lgc_newslot(L);
    for (int i = 0; i < 2; i++) {
        if (!is_number[i]) continue;
        if (!(in[i] = gc_scalar(lua_tonumber(L, i + 1)))) {
            if (i == 1 && is_number[0]) gc_release(in[0]);
            return lgc_raise(L);
        }
    }
    *slot = gc_binary(op, in[0], in[1]);
    for (int i = 0; i < 2; i++)
        if (is_number[i]) gc_release(in[i]); /* the graph keeps its own reference */
    return lgc_result(L, slot);
}

static int tensor_add(lua_State *L) { return lgc_arith(L, OP_ADD); }
static int tensor_sub(lua_State *L) { return lgc_arith(L, OP_SUB); }
static int tensor_mul(lua_State *L) { return lgc_arith(L, OP_MUL); }
static int tensor_div(lua_State *L) { return lgc_arith(L, OP_DIV); }
static int tensor_pow(lua_State *L) { return lgc_arith(L, OP_POW); }

static int tensor_unm(lua_State *L)
{
    Tensor **slot = lgc_newslot(L);
    *slot = gc_unary(OP_NEG, lgc_check(L, 1));
    return lgc_result(L, slot);
}

static const luaL_Reg metamethods[] = {
    { "__gc", tensor_gc },   { "__tostring", tensor_tostring },
    { "__len", tensor_len }, { "__newindex", tensor_newindex },
    { "__add", tensor_add }, { "__sub", tensor_sub },
    { "__mul", tensor_mul }, { "__div", tensor_div },
    { "__pow", tensor_pow }, { "__unm", tensor_unm },
    { NULL, NULL },
};

/* Finalizer of a sentinel the state's registry holds: when the state
 * closes, its metatable is freed and its address may come back as the
 * metatable of any userdata of another state, so the quick test in
 * lgc_test must stop trusting it. */
static int forget_metatable(lua_State *L)
{
    if (last_metatable == *(const void **)lua_touserdata(L, 1)) last_metatable = NULL;
    return 0;
}

/* Creates the metatable; __index reads fields first, then the methods. */
void lgc_open_tensor(lua_State *L, const luaL_Reg *methods)
{
    int fresh = luaL_newmetatable(L, GRADCALC_TENSOR);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &metatable_key);
    last_metatable = lua_topointer(L, -1);
    if (fresh) {
        const void **sentinel = lua_newuserdatauv(L, sizeof *sentinel, 0);
        *sentinel = last_metatable;
        lua_createtable(L, 0, 1);
        lua_pushcfunction(L, forget_metatable);
        lua_setfield(L, -2, "__gc");
        lua_setmetatable(L, -2);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &sentinel_key);
    }
    luaL_setfuncs(L, metamethods, 0);
    /* getmetatable(x) gives this name, not the table: Lua code cannot call
     * __gc on a tensor C is still using, nor change its methods */
    lua_pushliteral(L, GRADCALC_TENSOR);
    lua_setfield(L, -2, "__metatable");
    lua_newtable(L); /* the methods table */
    luaL_setfuncs(L, methods, 0);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "methods"); /* for completion and help */
    lua_pushcclosure(L, tensor_index, 1);
    lua_setfield(L, -2, "__index");
    static const char *const fields[] = {
        "shape", "grad", "name", "requires_grad", "is_leaf", "grad_fn", "ndim", "T"
    }; /* read by completion */
    lua_createtable(L, (int)(sizeof fields / sizeof *fields), 0);
    for (int i = 0; i < (int)(sizeof fields / sizeof *fields); i++) {
        lua_pushstring(L, fields[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "fields");
    lua_pop(L, 1);

    lua_newtable(L); /* cache of x.grad values, weak */
    lua_pushstring(L, "v");
    lua_setfield(L, -2, "__mode");
    lua_pushvalue(L, -1);
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &grad_cache_key);
}

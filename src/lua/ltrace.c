/*
 * ltrace.c - the Lua side of the traces: trace, explain, step, graph, dot
 * and svg (the text itself is built in trace.c and graph.c), and the
 * backward trace that y:backward{trace=true} prints.
 *
 * Every printer takes an options table:
 *   print=false            return the text instead of printing it
 *   format="markdown"      Markdown with LaTeX formulas instead of terminal text
 *   file="x.md"            write the text to a file (atomically) instead
 *   precision=n, round=n   digits printed; round every intermediate to n digits
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/ltensor.h"
#include "lua/lregister.h"
#include "lua/ltrace.h"
#include "explain/print.h"
#include "explain/atomic_file.h"
#include "explain/explain.h"
#include "explain/explain_element.h"
#include "explain/graph.h"
#include "explain/markdown.h"
#include "explain/trace_backward.h"
#include "explain/trace_forward.h"

/* ---- options and output ------------------------------------------------------ */

typedef struct Options {
    TraceOptions trace;
    int print, markdown, max_nodes;
    const char *file;
} Options;

static const char *const known[] = { "print", "format", "file", "precision",
                                     "round", "max",    "full", NULL };
static const char *const known_explain[] = { "print", "round", "format", "file", "precision",
                                             "max",   "full",  "at",     NULL };

/* Reads the options table at idx (absent: the defaults). */
static Options options(lua_State *L, int idx, const char *who)
{
    Options o = { { gc_print_precision, 0 }, 1, 0, 30, NULL };
    if (lua_isnoneornil(L, idx)) return o;
    if (!lua_istable(L, idx) || lgc_test(L, idx))
        luaL_error(L,
                   "%s: expected an options table, e.g. {print=false, format=\"markdown\"}, got %s",
                   who, luaL_typename(L, idx));
    lgc_check_options(L, idx, who, strcmp(who, "explain") ? known : known_explain);
    o.trace.precision = lgc_integer_option(L, idx, who, "precision", 1, 17, o.trace.precision);
    o.trace.round = lgc_integer_option(L, idx, who, "round", 1, 17, 0);
    o.max_nodes = lgc_integer_option(L, idx, who, "max", 1, 100000, 30);
    o.trace.full = lgc_integer_option(L, idx, who, "full", 1, 1000000, GC_TRACE_SMALL);
    if (lua_getfield(L, idx, "print") != LUA_TNIL) o.print = lua_toboolean(L, -1);
    if (lua_getfield(L, idx, "format") != LUA_TNIL) {
        const char *f = luaL_checkstring(L, -1);
        if (!strcmp(f, "markdown") || !strcmp(f, "md"))
            o.markdown = 1;
        else if (strcmp(f, "text"))
            luaL_error(L, "%s: format is \"text\" or \"markdown\", got \"%s\"", who, f);
    }
    if (lua_getfield(L, idx, "file") != LUA_TNIL) o.file = luaL_checkstring(L, -1);
    /* The file name stays on the stack: the table need not hold that string
     * (a number converted here, or a value its __index made up). */
    lua_replace(L, -3);
    lua_pop(L, 1);
    return o;
}

/* Hands over text (malloc'd, may be NULL on failure): prints it, writes it
 * to the file, or pushes it. Returns the number of values pushed. */
static int deliver(lua_State *L, char *text, const Options *o, const char *who, const char *title)
{
    if (!text) return lgc_raise(L);
    if (o->markdown) {
        char *md = gc_trace_markdown(text, title);
        free(text);
        if (!(text = md)) return lgc_raise(L);
    }
    if (o->file) {
        int rc = gc_write_atomic(o->file, text, who);
        free(text);
        if (rc) return lgc_raise(L);
        return 0;
    }
    if (o->print) {
        fputs(text, stdout);
        fflush(stdout);
        free(text);
        return 0;
    }
    lgc_push_text(L, text);
    return 1;
}

/* ---- trace ------------------------------------------------------------------- */

/* A table name -> tensor of the named nodes of root's graph. */
static void push_names(lua_State *L, int root_idx, Tensor *root)
{
    int64_t n;
    void **box = lgc_newbox(L); /* frees the order if a push runs out of memory */
    Tensor **order = *box = gc_trace_order(root, &n);
    if (!order) lgc_raise(L);
    lua_newtable(L);
    for (int64_t k = 0; k < n; k++) {
        if (!order[k]->name) continue;
        if (order[k] == root) {
            lua_pushvalue(L, root_idx);
        } else { /* the slot first: the reference is taken once it has a home */
            Tensor **slot = lgc_newslot(L);
            gc_retain(order[k]);
            *slot = order[k];
        }
        lua_setfield(L, -2, order[k]->name);
    }
    free(order);
    *box = NULL;
    lua_remove(L, -2);
}

static int l_trace(lua_State *L)
{
    Tensor *root = lgc_check(L, 1);
    Options o = options(L, 2, "trace");
    if (gc_trace_name_nodes(root)) return lgc_raise(L);
    int n = deliver(L, gc_trace_forward(root, &o.trace), &o, "trace", "Forward trace");
    if (n == 0 && o.print && !o.file) return 0; /* printed: nothing more at the prompt */
    push_names(L, 1, root);
    return n + 1;
}

static char *backward_text(lua_State *L, Tensor *root, const Options *o, const char *who)
{
    if (!root->grad)
        luaL_error(L, "%s: %s has no gradient yet: call backward() on it first, e.g. E:backward()",
                   who, root->name ? root->name : "the tensor");
    if (gc_trace_name_nodes(root)) lgc_raise(L);
    return gc_trace_backward(root, &o->trace);
}

/* at={i, j}: the 1-based indices of one element, into at; their count, or -1 when absent. */
static int at_option(lua_State *L, int idx, int64_t *at)
{
    if (!lua_istable(L, idx) || lgc_test(L, idx) || lua_getfield(L, idx, "at") == LUA_TNIL) {
        if (lua_istable(L, idx) && !lgc_test(L, idx)) lua_pop(L, 1);
        return -1;
    }
    if (!lua_istable(L, -1) || lgc_test(L, -1))
        return luaL_error(L,
                          "explain: at must be a table of indices, one per dim, e.g. "
                          "explain(E, W, {at={1, 2}}), got %s",
                          luaL_typename(L, -1));
    lua_Integer n = luaL_len(L, -1);
    for (lua_Integer i = 1; i <= n; i++) {
        int isnum;
        lua_geti(L, -1, i);
        lua_Integer x = lua_tointegerx(L, -1, &isnum);
        if (!isnum)
            return luaL_error(L, "explain: at[%d] must be a whole number (a 1-based index), got %s",
                              (int)i, luaL_typename(L, -1));
        if (i <= GC_MAXDIM) at[i - 1] = (int64_t)x;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return n > INT_MAX ? INT_MAX : (int)n; /* only the first GC_MAXDIM are kept */
}

static int l_explain(lua_State *L)
{
    Tensor *root = lgc_check(L, 1), *var = lgc_test(L, 2);
    /* explain(E, w, opts), explain(E, opts), and explain(E, nil, opts) */
    int oi = var || (lua_isnil(L, 2) && lua_istable(L, 3)) ? 3 : 2;
    Options o = options(L, oi, "explain");
    int64_t at[GC_MAXDIM + 1];
    int nat = at_option(L, oi, at);
    if (nat >= 0 && !var)
        return luaL_error(L, "explain: at= names an element of the tensor after E, e.g. "
                             "explain(E, W, {at={1, 2}})");
    if (nat >= 0) {
        if (!root->grad)
            return luaL_error(L,
                              "explain: %s has no gradient yet: call backward() on it first, "
                              "e.g. E:backward(); explain(E, w, {at={1, 1}})",
                              root->name ? root->name : "the tensor");
        if (gc_trace_name_nodes(root)) return lgc_raise(L);
        return deliver(L, gc_explain_at(root, var, at, nat, &o.trace), &o, "explain",
                       "The chain rule for one element");
    }
    if (!var)
        return deliver(L, backward_text(L, root, &o, "explain"), &o, "explain", "Backward pass");
    if (!root->grad)
        return luaL_error(L,
                          "explain: %s has no gradient yet: call backward() on it first, e.g. "
                          "E:backward(); explain(E, w)",
                          root->name ? root->name : "the tensor");
    if (gc_trace_name_nodes(root)) return lgc_raise(L);
    return deliver(L, gc_explain(root, var, &o.trace), &o, "explain", "The chain rule");
}

/* Called by y:backward{trace=true, ...} once the backward pass has run. */
int lgc_backward_trace(lua_State *L, int root_idx, int opts)
{
    lua_getfield(L, opts, "trace");
    int wanted = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (!wanted) return 0;
    lua_pushvalue(L, opts); /* the same table, without the backward-only keys */
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, -3)) {
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
        if (strcmp(key, "trace") && strcmp(key, "grad")) {
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_settable(L, -4);
        } else {
            lua_pop(L, 1);
        }
    }
    int idx = lua_gettop(L);
    Options o = options(L, idx, "backward");
    return deliver(L, backward_text(L, lgc_check(L, root_idx), &o, "backward"), &o, "backward",
                   "Backward pass");
}

/* ---- step: the backward pass one node at a time ------------------------------ */

/* The C blocks of one call, freed by the collector even when a Lua error
 * (out of memory) unwinds the copying. */
typedef struct Steps {
    char **blocks;
    const Tensor **nodes;
    int64_t n;
} Steps;

static int steps_gc(lua_State *L)
{
    Steps *s = lua_touserdata(L, 1);
    gc_trace_free_blocks(s->blocks, s->n);
    free(s->nodes);
    s->blocks = NULL, s->nodes = NULL, s->n = 0;
    return 0;
}

/* _step_blocks(E [, options]): the backward trace as a list of
 * {text=, name=, value=, grad=}, one per node in the order step() walks it.
 * lib/10-step.lua runs the walk and reads the commands, so no C pointer
 * lives across the learner's input. */
static int l_step_blocks(lua_State *L)
{
    Tensor *root = lgc_check(L, 1);
    Options o = options(L, 2, "step");
    if (!root->grad)
        return luaL_error(L, "step: %s has no gradient yet: call backward() on it first",
                          root->name ? root->name : "the tensor");
    if (gc_trace_name_nodes(root)) return lgc_raise(L);
    Steps *s = lua_newuserdatauv(L, sizeof *s, 0);
    s->blocks = NULL, s->nodes = NULL, s->n = 0;
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, steps_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushboolean(L, 0), lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    if (gc_trace_backward_blocks(root, &o.trace, &s->blocks, &s->nodes, &s->n)) return lgc_raise(L);
    if (s->n > INT32_MAX) return luaL_error(L, "step: the graph is too big to step through");
    lua_createtable(L, (int)s->n, 0);
    for (int64_t k = 0; k < s->n; k++) {
        const Tensor *t = s->nodes[k];
        lua_createtable(L, 0, 4);
        lua_pushstring(L, s->blocks[k]), lua_setfield(L, -2, "text");
        if (t->name) lua_pushstring(L, t->name), lua_setfield(L, -2, "name");
        char *value = gc_format(t, gc_print_precision);
        if (!value) return lgc_raise(L);
        lgc_push_text(L, value), lua_setfield(L, -2, "value");
        if (t->grad) {
            char *grad = gc_format(t->grad, gc_print_precision);
            if (!grad) return lgc_raise(L);
            lgc_push_text(L, grad), lua_setfield(L, -2, "grad");
        }
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    return 1;
}

/* ---- drawings ------------------------------------------------------------------ */

static int l_graph(lua_State *L)
{
    Tensor *root = lgc_check(L, 1);
    Options o = options(L, 2, "graph");
    if (gc_trace_name_nodes(root)) return lgc_raise(L);
    o.markdown = 0;
    return deliver(L, gc_graph_boxes(root, &o.trace, o.max_nodes), &o, "graph", "Graph");
}

/* dot(a, b) stays the dot product (the function saved as upvalue 1); a file
 * name, an options table or nothing after the tensor asks for DOT text. */
/* todot(E [, file]): the graph in Graphviz DOT, written to file or returned. */
static int l_todot(lua_State *L)
{
    lua_settop(L, 3);
    Tensor *root = lgc_check(L, 1);
    Options o = options(L, lua_istable(L, 2) ? 2 : 3, "todot");
    if (lua_type(L, 2) == LUA_TSTRING)
        o.file = lua_tostring(L, 2);
    else if (!lua_isnoneornil(L, 2) && !lua_istable(L, 2))
        return luaL_error(L, "todot: expected a file name, got %s", luaL_typename(L, 2));
    else if (!o.file)
        o.print = 0; /* todot(E) returns the text */
    o.markdown = 0;
    if (gc_trace_name_nodes(root)) return lgc_raise(L);
    return deliver(L, gc_graph_dot(root, &o.trace), &o, "todot", "Graph");
}

/* dot(a, b) is the dot product (the upvalue); dot(E, file) or dot(E) is todot. */
static int l_dot(lua_State *L)
{
    int t2 = lua_type(L, 2);
    int graph = lgc_test(L, 1) && (t2 == LUA_TNONE || t2 == LUA_TNIL || t2 == LUA_TSTRING ||
                                   (t2 == LUA_TTABLE && !lgc_test(L, 2) && lua_rawlen(L, 2) == 0));
    if (graph) return l_todot(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* Quotes s for the shell: 'it'\''s'. */
static void shell_quote(luaL_Buffer *b, const char *s)
{
    luaL_addchar(b, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            luaL_addstring(b, "'\\''");
        else
            luaL_addchar(b, *s);
    }
    luaL_addchar(b, '\'');
}

static int l_svg(lua_State *L)
{
    Tensor *root = lgc_check(L, 1);
    const char *file = luaL_checkstring(L, 2);
    Options o = options(L, 3, "svg");
    if (system("command -v dot >/dev/null 2>&1") != 0)
        return luaL_error(
            L, "svg: Graphviz is not installed (the 'dot' program was not found); "
               "install it with: sudo apt-get install graphviz (or brew install graphviz), "
               "or write the DOT text with dot(E, \"graph.dot\")");
    if (gc_trace_name_nodes(root)) return lgc_raise(L);
    lua_pushfstring(L, "%s.dot.tmp", file); /* before the text: this may run out of memory */
    const char *dotfile = lua_tostring(L, -1);
    char *text = gc_graph_dot(root, &o.trace);
    if (!text) return lgc_raise(L);
    int rc = gc_write_atomic(dotfile, text, "svg");
    free(text);
    if (rc) return lgc_raise(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "dot -Tsvg ");
    shell_quote(&b, dotfile);
    luaL_addstring(&b, " -o ");
    shell_quote(&b, file);
    luaL_addstring(&b, ".tmp && mv -f ");
    shell_quote(&b, file);
    luaL_addstring(&b, ".tmp ");
    shell_quote(&b, file);
    luaL_pushresult(&b);
    rc = system(lua_tostring(L, -1));
    remove(dotfile);
    if (rc != 0)
        return luaL_error(L, "svg: Graphviz could not write '%s' (dot exited with status %d)", file,
                          rc);
    return 0;
}

/* ---- registration, with the help of each function beside it -------------------- */

static const LuaFunction functions[] = {
    { "trace", NULL, "trace", l_trace,
      "trace(E [, {print=false, round=n, full=16, format=\"markdown\", file=\"x.md\"}])",
      "Prints how E was computed, one line per node in the order they ran: the formula in "
      "symbols, then with the numbers put in, then the result. Unnamed results get the names t1, "
      "t2, ... (set as their .name, so later prints agree); small unnamed sums and products are "
      "written inside the formula that uses them. With print=false it returns the text and a "
      "table name -> tensor of the graph's nodes (with file=, just that table); printing, it "
      "returns nothing, so the prompt shows only the trace. round=n rounds every intermediate to "
      "n significant digits as hand arithmetic does; tensors of up to 16 elements show every "
      "value, bigger ones their shape and min/mean/max. Under conv, pooling, batch_norm, "
      "layer_norm "
      "and dropout of small inputs (up to 6×6 a channel, kernels up to 3×3) it prints the "
      "working: each output's sum of products, each window's winner or mean, μ, σ² and x̂ of "
      "each channel or row, the dropout mask.",
      NULL,
      "net_h1 = w1*x1 + w2*x2 + b1; net_h1.name = \"net_h1\"; trace(net_h1)\n"
      "  --> net_h1 = w1×x1 + w2×x2 + b1 = 0.15×0.05 + 0.2×0.1 + 0.35 = 0.3775" },
    { "explain", NULL, "explain", l_explain, "explain(E [, x] [, {at={i, j}, ...options}])",
      "After E:backward(): without x, prints the backward pass node by node, last node first (the "
      "local derivative from the op table, its value, the incoming gradient, their product, and "
      "the sum when a node feeds several others). With x, prints the chain rule from E down to x: "
      "one product of factors per path (the factors run between named nodes) and their sum. With "
      "at={i, j} (1-based, one index per dim of x), prints the chain for that one element: "
      "∂E/∂x[i,j] as the sum, over the elements of each user's result that x[i,j] took part in, "
      "of their gradient × the local partial, with the numbers (a sum of more than 8 terms shows "
      "its first 4, …, and the count; full=n writes sums of up to n terms whole); a use of x per "
      "line when x feeds several nodes; then the "
      "upstream gradients those terms used, node by node up to E, each written the same way. It "
      "works through matmul, elementwise ops and broadcasting, sum/mean/max/min, softmax, the "
      "losses and convolutions; other ops give their local partials from their backward. The "
      "value is x.grad's. Options as for trace; E:backward{trace=true} runs the backward pass and "
      "prints the same as explain(E).",
      NULL,
      "E:backward(); explain(E, w5)\n"
      "  --> ∂E/∂w5 = ∂E/∂out_o1 × ∂out_o1/∂net_o1 × ∂net_o1/∂w5 = 0.74136507 × 0.186815602 × "
      "0.593269992 = 0.082167041\n"
      "t1 = matmul(X, W1); h = relu(t1); L = mse(matmul(h, W2), y); L:backward()\n"
      "explain(L, W1, {at={1, 2}})\n"
      "  --> ∂L/∂W1[1,2] = Σₙ X[n,1] × ∂L/∂t1[n,2] = 0.5×0 + 0.1×0 + 0.3×0.2064 = 0.06192\n"
      "      where, up the chain to L:\n"
      "        ∂L/∂t1[1,2] = ∂L/∂h[1,2] × relu′(t1[1,2]) = 0.1918×0 = 0  ..." },
    { "graph", NULL, "graph", l_graph, "graph(E [, {max=30, print=false}])",
      "Draws E's computation graph with box characters, one box per node with its name, op, value "
      "and gradient, in layers from the inputs at the top to E at the bottom; each box says which "
      "nodes it feeds. Beyond max nodes (default 30) only the nodes nearest E are drawn and the "
      "number hidden is stated.",
      NULL, "graph(E)" },
    { "todot", NULL, "todot", l_todot, "todot(E [, file])",
      "The computation graph in Graphviz DOT: a record per tensor with its name, value and "
      "gradient, "
      "and an op node between each result and its inputs. With a file name, writes it "
      "(atomically); "
      "without, returns the text. Render it with: dot -Tsvg file.dot -o file.svg",
      NULL, "todot(E, \"E.dot\")" },
    { "svg", NULL, "svg", l_svg, "svg(E, file)",
      "Draws the computation graph into an SVG file with Graphviz's dot program (install Graphviz "
      "with apt-get install graphviz if it is missing).",
      NULL, "svg(E, \"E.svg\")" },
};

void lgc_open_trace(lua_State *L)
{
    int module = lua_gettop(L);
    /* dot(E, file) was the Graphviz export before it was named todot: a
     * graph and a file name (or nothing) still go there. */
    lua_getfield(L, module, "dot");
    lua_pushcclosure(L, l_dot, 1);
    lua_setfield(L, module, "dot");
    lgc_register(L, module, functions, sizeof functions / sizeof functions[0]);
    lua_pushcfunction(L, l_step_blocks); /* for step(), in lib/10-step.lua */
    lua_setfield(L, module, "_step_blocks");
}

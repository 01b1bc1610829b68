/*
 * test_core.c - unit tests of the gradcalc engine in plain C, no Lua:
 * creation, broadcasting, each op's forward on small known values,
 * backward of small graphs, the graph order, the op table, error paths,
 * and a million-node chain that must go backward and be freed without
 * recursion. Prints "ok <name>" or "not ok <name>: why" per check, then
 * "done".
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ops.h"
#include "explain/print.h"
#include "core/tensor.h"

static int failures = 0;

static void check(int good, const char *name, const char *why, ...)
{
    if (good) {
        printf("ok %s\n", name);
        return;
    }
    va_list ap;
    va_start(ap, why);
    printf("not ok %s: ", name);
    vprintf(why, ap);
    printf("\n");
    va_end(ap);
    failures++;
}

/* Every value of t against the expected list, within tol; the failure names
 * the first element that differs, with both numbers. */
static void check_values(const Tensor *t, const double *expected, int64_t n, double tol,
                         const char *name)
{
    if (!t) {
        check(0, name, "no tensor (error: %s)", gc_error());
        return;
    }
    if (t->numel != n) {
        check(0, name, "expected %lld elements, got %lld", (long long)n, (long long)t->numel);
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        double d = fabs(t->data[i] - expected[i]);
        if (!(d <= tol) && !(isinf(expected[i]) && t->data[i] == expected[i])) {
            check(0, name, "element %lld: expected %.17g, got %.17g", (long long)i + 1, expected[i],
                  t->data[i]);
            return;
        }
    }
    check(1, name, "");
}

static void check_shape(const Tensor *t, int ndim, const int64_t *shape, const char *name)
{
    char b1[96], b2[96];
    if (!t) {
        check(0, name, "no tensor (error: %s)", gc_error());
        return;
    }
    int good =
        t->ndim == ndim && (ndim == 0 || !memcmp(t->shape, shape, (size_t)ndim * sizeof *shape));
    check(good, name, "expected shape %s, got %s", gc_shape_str(ndim, shape, b1, sizeof b1),
          gc_shape_str(t->ndim, t->shape, b2, sizeof b2));
}

/* A call that must fail: NULL, and gc_error() containing every fragment. */
static void check_fails(const Tensor *t, const char *name, const char *f1, const char *f2,
                        const char *f3)
{
    const char *msg = gc_error();
    if (t) {
        check(0, name, "expected NULL with an error, got a tensor");
        return;
    }
    const char *frags[3] = { f1, f2, f3 };
    for (int i = 0; i < 3; i++) {
        if (frags[i] && !strstr(msg, frags[i])) {
            check(0, name, "error message lacks \"%s\": %s", frags[i], msg);
            return;
        }
    }
    check(1, name, "");
}

/* A tensor of the given shape holding values (numel of them). */
static Tensor *make(int ndim, const int64_t *shape, const double *values)
{
    Tensor *t = gc_new(ndim, shape);
    if (t && values) memcpy(t->data, values, (size_t)t->numel * sizeof(double));
    return t;
}

static Tensor *vec(int64_t n, const double *values) { return make(1, &n, values); }

static Tensor *mat(int64_t r, int64_t c, const double *values)
{
    int64_t shape[2] = { r, c };
    return make(2, shape, values);
}

static Tensor *leaf(Tensor *t)
{
    if (t) t->requires_grad = 1;
    return t;
}

/* ---- creation --------------------------------------------------------------- */

static void test_creation(void)
{
    int64_t shape[3] = { 2, 3, 4 };
    Tensor *t = gc_new(3, shape);
    check_shape(t, 3, shape, "gc_new keeps the shape");
    int zero = t != NULL;
    for (int64_t i = 0; t && i < t->numel; i++) zero &= t->data[i] == 0;
    check(t && t->numel == 24 && zero, "gc_new is zero filled with numel 24", "numel %lld",
          t ? (long long)t->numel : -1LL);
    check(t && t->refcount == 1 && !t->grad && !t->op && !t->requires_grad && !t->name,
          "gc_new is a plain leaf with one reference", "fields not in their initial state");

    Tensor *s = gc_scalar(2.5);
    check(s && s->ndim == 0 && s->numel == 1 && s->data[0] == 2.5, "gc_scalar is 0-d",
          "wrong scalar");

    Tensor *c = gc_copy(t);
    check(c && c != t && c->data != t->data && gc_same_shape(c, t) && !c->op,
          "gc_copy is a new leaf of the same shape", "copy differs");
    check(t && c && c->id > t->id, "ids follow creation order", "ids %llu then %llu",
          t ? (unsigned long long)t->id : 0ULL, c ? (unsigned long long)c->id : 0ULL);

    check(gc_set_name(s, "w1") == 0 && s->name && !strcmp(s->name, "w1"), "gc_set_name",
          "name not set");
    gc_set_name(s, NULL);
    check(s->name == NULL, "gc_set_name(NULL) clears the name", "name still set");

    int64_t empty_shape[2] = { 0, 3 };
    Tensor *e = gc_new(2, empty_shape);
    check(e && e->numel == 0, "a tensor with a zero dim has no elements", "numel wrong");

    Tensor *neg = gc_new(1, (int64_t[]){ -2 });
    check_fails(neg, "a negative size fails", "negative", NULL, NULL);

    gc_release(t), gc_release(s), gc_release(c), gc_release(e);
}

/* ---- broadcasting ------------------------------------------------------------ */

static void broadcast_case(int na, const int64_t *sa, int nb, const int64_t *sb, int nexp,
                           const int64_t *sexp, const char *name)
{
    Tensor *a = gc_new(na, sa), *b = gc_new(nb, sb);
    int ndim;
    int64_t shape[GC_MAXDIM];
    int rc = gc_broadcast_shape(a, b, &ndim, shape, "add");
    char b1[96], b2[96];
    check(rc == 0 && ndim == nexp &&
              (nexp == 0 || !memcmp(shape, sexp, (size_t)nexp * sizeof *shape)),
          name, "expected %s, got %s (rc %d)", gc_shape_str(nexp, sexp, b1, sizeof b1),
          rc ? "an error" : gc_shape_str(ndim, shape, b2, sizeof b2), rc);
    gc_release(a), gc_release(b);
}

static void test_broadcast(void)
{
    broadcast_case(2, (int64_t[]){ 2, 3 }, 1, (int64_t[]){ 3 }, 2, (int64_t[]){ 2, 3 },
                   "broadcast [2, 3] with [3] is [2, 3]");
    broadcast_case(2, (int64_t[]){ 2, 1 }, 2, (int64_t[]){ 1, 3 }, 2, (int64_t[]){ 2, 3 },
                   "broadcast [2, 1] with [1, 3] is [2, 3]");
    broadcast_case(0, NULL, 2, (int64_t[]){ 4, 5 }, 2, (int64_t[]){ 4, 5 },
                   "broadcast a scalar with [4, 5] is [4, 5]");
    broadcast_case(3, (int64_t[]){ 2, 1, 4 }, 2, (int64_t[]){ 3, 1 }, 3, (int64_t[]){ 2, 3, 4 },
                   "broadcast [2, 1, 4] with [3, 1] is [2, 3, 4]");
    broadcast_case(1, (int64_t[]){ 0 }, 1, (int64_t[]){ 1 }, 1, (int64_t[]){ 0 },
                   "broadcast [0] with [1] is [0]");

    /* values: [2, 1] + [1, 3] = outer sum */
    Tensor *a = mat(2, 1, (double[]){ 10, 20 }), *b = mat(1, 3, (double[]){ 1, 2, 3 });
    Tensor *y = gc_binary(OP_ADD, a, b);
    check_values(y, (double[]){ 11, 12, 13, 21, 22, 23 }, 6, 0, "add broadcasts [2, 1] + [1, 3]");
    gc_release(y);
    Tensor *c = mat(2, 3, NULL), *d = vec(2, (double[]){ 1, 2 });
    Tensor *bad = gc_binary(OP_ADD, c, d);
    check_fails(bad, "add of [2, 3] and [2] fails naming both shapes and the dim", "[2, 3]", "[2]",
                "dimension -1");
    gc_release(a), gc_release(b), gc_release(c), gc_release(d);
}

/* ---- forward of every op on small known values ----------------------------------- */

static void unary_case(OpCode op, double x, double expected)
{
    char name[96];
    snprintf(name, sizeof name, "forward %s(%g) = %g", gc_ops[op].name, x, expected);
    Tensor *a = gc_scalar(x);
    Tensor *y = gc_unary(op, a);
    check_values(y, &expected, 1, 1e-15, name);
    gc_release(a), gc_release(y);
}

static void binary_case(OpCode op, double x, double z, double expected)
{
    char name[96];
    snprintf(name, sizeof name, "forward %s(%g, %g) = %g", gc_ops[op].name, x, z, expected);
    Tensor *a = gc_scalar(x), *b = gc_scalar(z);
    Tensor *y = gc_binary(op, a, b);
    check_values(y, &expected, 1, 1e-15, name);
    gc_release(a), gc_release(b), gc_release(y);
}

static void test_forward(void)
{
    binary_case(OP_ADD, 2, 3, 5);
    binary_case(OP_SUB, 2, 3, -1);
    binary_case(OP_MUL, 2, 3, 6);
    binary_case(OP_DIV, 3, 4, 0.75);
    binary_case(OP_POW, 2, 3, 8);
    binary_case(OP_POW, 9, 0.5, 3);
    binary_case(OP_MAXIMUM, 2, 3, 3);
    binary_case(OP_MINIMUM, 2, 3, 2);
    unary_case(OP_NEG, 2, -2);
    unary_case(OP_EXP, 0, 1);
    unary_case(OP_EXP, 1, 2.718281828459045);
    unary_case(OP_LOG, 1, 0);
    unary_case(OP_LOG, 2.718281828459045, 1);
    unary_case(OP_SQRT, 4, 2);
    unary_case(OP_ABS, -3, 3);
    unary_case(OP_SIGMOID, 0, 0.5);
    unary_case(OP_SIGMOID, -800, 0); /* no overflow of e^800 */
    unary_case(OP_TANH, 0, 0);
    unary_case(OP_RELU, -1, 0);
    unary_case(OP_RELU, 2, 2);

    Tensor *x = vec(2, (double[]){ -2, 3 });
    Tensor *y = gc_unary_arg(OP_LEAKY_RELU, x, 0.1);
    check_values(y, (double[]){ -0.2, 3 }, 2, 1e-15, "forward leaky_relu([-2, 3], 0.1)");
    gc_release(x), gc_release(y);

    /* sigmoid(0.3775), the hidden unit of the classic 2-2-2 example */
    Tensor *h = gc_scalar(0.3775), *sh = gc_unary(OP_SIGMOID, h);
    check_values(sh, (double[]){ 0.59326999210718723 }, 1, 1e-15, "forward sigmoid(0.3775)");
    gc_release(h), gc_release(sh);

    /* reductions over [[1, 5, 2], [7, 0, 3]] */
    Tensor *m = mat(2, 3, (double[]){ 1, 5, 2, 7, 0, 3 });
    Tensor *r;
    r = gc_reduce(OP_SUM, m, GC_ALL_DIMS, 0);
    check_values(r, (double[]){ 18 }, 1, 0, "forward sum of all");
    check(r && r->ndim == 0, "sum of all is 0-d", "ndim %d", r ? r->ndim : -1);
    gc_release(r);
    r = gc_reduce(OP_SUM, m, 0, 0);
    check_values(r, (double[]){ 8, 5, 5 }, 3, 0, "forward sum over dim 1");
    check_shape(r, 1, (int64_t[]){ 3 }, "sum over dim 1 drops it");
    gc_release(r);
    r = gc_reduce(OP_SUM, m, 1, 1);
    check_values(r, (double[]){ 8, 10 }, 2, 0, "forward sum over dim 2 keepdim");
    check_shape(r, 2, (int64_t[]){ 2, 1 }, "sum keepdim keeps a dim of 1");
    gc_release(r);
    r = gc_reduce(OP_SUM, m, -1, 0);
    check_values(r, (double[]){ 8, 10 }, 2, 0, "forward sum over dim -1 is the last");
    gc_release(r);
    r = gc_reduce(OP_MEAN, m, GC_ALL_DIMS, 0);
    check_values(r, (double[]){ 3 }, 1, 0, "forward mean of all");
    gc_release(r);
    r = gc_reduce(OP_MEAN, m, 1, 0);
    check_values(r, (double[]){ 8.0 / 3, 10.0 / 3 }, 2, 1e-15, "forward mean over dim 2");
    gc_release(r);
    r = gc_reduce(OP_MAX, m, 1, 0);
    check_values(r, (double[]){ 5, 7 }, 2, 0, "forward max over dim 2");
    check_values(r ? r->saved : NULL, (double[]){ 2, 1 }, 2, 0, "max keeps 1-based positions");
    gc_release(r);
    r = gc_reduce(OP_MIN, m, 0, 0);
    check_values(r, (double[]){ 1, 0, 2 }, 3, 0, "forward min over dim 1");
    check_values(r ? r->saved : NULL, (double[]){ 1, 2, 1 }, 3, 0, "min keeps 1-based positions");
    gc_release(r);
    r = gc_reduce(OP_MAX, m, GC_ALL_DIMS, 0);
    check_values(r, (double[]){ 7 }, 1, 0, "forward max of all");
    gc_release(r);
    r = gc_argmax(m, 1);
    check_values(r, (double[]){ 2, 1 }, 2, 0, "argmax over dim 2 (1-based)");
    gc_release(r);
    r = gc_argmax(m, GC_ALL_DIMS);
    check_values(r, (double[]){ 4 }, 1, 0, "argmax of all is the flat position");
    gc_release(r);

    /* softmax of [0, ln 3] is [1/4, 3/4] */
    Tensor *z = vec(2, (double[]){ 0, log(3) });
    r = gc_softmax(OP_SOFTMAX, z, 0);
    check_values(r, (double[]){ 0.25, 0.75 }, 2, 1e-15, "forward softmax([0, ln 3])");
    gc_release(r);
    r = gc_softmax(OP_LOG_SOFTMAX, z, -1);
    check_values(r, (double[]){ log(0.25), log(0.75) }, 2, 1e-15, "forward log_softmax([0, ln 3])");
    gc_release(r);
    Tensor *big = vec(2, (double[]){ 1000, 1000 });
    r = gc_softmax(OP_SOFTMAX, big, 0);
    check_values(r, (double[]){ 0.5, 0.5 }, 2, 0, "softmax of large scores does not overflow");
    gc_release(r), gc_release(big);
    r = gc_softmax(OP_SOFTMAX, m, 0);
    check_values(r,
                 (double[]){ 1 / (1 + exp(6)), 1 / (1 + exp(-5)), 1 / (1 + exp(1)),
                             1 / (1 + exp(-6)), 1 / (1 + exp(5)), 1 / (1 + exp(-1)) },
                 6, 1e-15, "forward softmax over dim 1 of a matrix");
    gc_release(r);

    /* matmul */
    Tensor *A = mat(2, 2, (double[]){ 1, 2, 3, 4 }), *B = mat(2, 2, (double[]){ 5, 6, 7, 8 });
    r = gc_matmul(A, B);
    check_values(r, (double[]){ 19, 22, 43, 50 }, 4, 0, "forward matmul [2, 2] @ [2, 2]");
    gc_release(r);
    Tensor *v = vec(2, (double[]){ 1, 1 });
    r = gc_matmul(A, v);
    check_values(r, (double[]){ 3, 7 }, 2, 0, "forward matmul [2, 2] @ [2]");
    check_shape(r, 1, (int64_t[]){ 2 }, "matmul with a vector on the right is 1-d");
    gc_release(r);
    r = gc_matmul(v, A);
    check_values(r, (double[]){ 4, 6 }, 2, 0, "forward matmul [2] @ [2, 2]");
    gc_release(r);
    r = gc_matmul(v, v);
    check_values(r, (double[]){ 2 }, 1, 0, "forward matmul [2] @ [2] is a dot product");
    check(r && r->ndim == 0, "vector @ vector is 0-d", "ndim %d", r ? r->ndim : -1);
    gc_release(r);
    int64_t s3[3] = { 2, 2, 2 };
    Tensor *A3 = make(3, s3, (double[]){ 1, 2, 3, 4, 1, 0, 0, 1 });
    r = gc_matmul(A3, B);
    check_values(r, (double[]){ 19, 22, 43, 50, 5, 6, 7, 8 }, 8, 0,
                 "forward batched matmul [2, 2, 2] @ [2, 2]");
    check_shape(r, 3, s3, "batched matmul keeps the batch dim");
    gc_release(r), gc_release(A3);

    /* shape ops on [[1, 5, 2], [7, 0, 3]] */
    r = gc_transpose(m, 0, 1);
    check_values(r, (double[]){ 1, 7, 5, 0, 2, 3 }, 6, 0, "forward transpose");
    check_shape(r, 2, (int64_t[]){ 3, 2 }, "transpose swaps the shape");
    gc_release(r);
    r = gc_reshape(m, 2, (int64_t[]){ 3, -1 });
    check_values(r, (double[]){ 1, 5, 2, 7, 0, 3 }, 6, 0, "forward reshape keeps the order");
    check_shape(r, 2, (int64_t[]){ 3, 2 }, "reshape works out -1");
    gc_release(r);
    r = gc_select(m, 1, -1);
    check_values(r, (double[]){ 2, 3 }, 2, 0, "forward select of the last column");
    gc_release(r);
    r = gc_select(m, 0, 1);
    check_values(r, (double[]){ 7, 0, 3 }, 3, 0, "forward select of row 2");
    gc_release(r);
    r = gc_narrow(m, 1, 1, 2);
    check_values(r, (double[]){ 5, 2, 0, 3 }, 4, 0, "forward narrow columns 2..3");
    check_shape(r, 2, (int64_t[]){ 2, 2 }, "narrow shape");
    gc_release(r);
    Tensor *parts[2] = { m, m };
    r = gc_cat(2, parts, 1);
    check_values(r, (double[]){ 1, 5, 2, 1, 5, 2, 7, 0, 3, 7, 0, 3 }, 12, 0,
                 "forward cat along dim 2");
    check_shape(r, 2, (int64_t[]){ 2, 6 }, "cat shape");
    gc_release(r);
    r = gc_stack(2, parts, 0);
    check_shape(r, 3, (int64_t[]){ 2, 2, 3 }, "stack adds a dim");
    check_values(r, (double[]){ 1, 5, 2, 7, 0, 3, 1, 5, 2, 7, 0, 3 }, 12, 0, "forward stack");
    gc_release(r);

    /* losses */
    Tensor *p = vec(2, (double[]){ 0.75136507, 0.772928465 }),
           *t = vec(2, (double[]){ 0.01, 0.99 });
    r = gc_loss(OP_MSE, p, t, GC_REDUCE_MEAN);
    double e = (pow(0.74136507, 2) + pow(0.217071535, 2)) / 2;
    check_values(r, &e, 1, 1e-15, "forward mse");
    gc_release(r);
    Tensor *q = vec(2, (double[]){ 0.8, 0.4 }), *tq = vec(2, (double[]){ 1, 0 });
    r = gc_loss(OP_BCE, q, tq, GC_REDUCE_MEAN);
    check_values(r, (double[]){ -(log(0.8) + log(0.6)) / 2 }, 1, 1e-15, "forward bce");
    gc_release(r);
    Tensor *logits = mat(2, 3, (double[]){ 1, 2, 3, 0, 0, 0 }),
           *labels = vec(2, (double[]){ 3, 1 });
    r = gc_loss(OP_CROSS_ENTROPY, logits, labels, GC_REDUCE_MEAN);
    double ce = ((log(exp(1) + exp(2) + exp(3)) - 3) + log(3)) / 2;
    check_values(r, &ce, 1, 1e-14, "forward cross_entropy");
    gc_release(r);
    r = gc_loss(OP_NLL, logits, labels, GC_REDUCE_MEAN);
    check_values(r, (double[]){ -(3 + 0) / 2.0 }, 1, 0, "forward nll");
    gc_release(r);

    gc_release(m), gc_release(z), gc_release(A), gc_release(B), gc_release(v);
    gc_release(p), gc_release(t), gc_release(q), gc_release(tq), gc_release(logits),
        gc_release(labels);
}

/* ---- backward and the graph order ------------------------------------------------ */

static void test_backward(void)
{
    int64_t live = gc_live_tensors();
    /* y = a×b + a at a = 2, b = 3: dy/da = b + 1 = 4, dy/db = a = 2 */
    Tensor *a = leaf(gc_scalar(2)), *b = leaf(gc_scalar(3));
    Tensor *ab = gc_binary(OP_MUL, a, b);
    Tensor *y = gc_binary(OP_ADD, ab, a);
    check(y && y->requires_grad && y->op == &gc_ops[OP_ADD] && y->ninputs == 2,
          "a result of leaves that require grad is recorded", "not recorded");
    check(gc_backward(y, NULL, NULL, NULL) == 0, "backward of a×b + a runs", "%s", gc_error());
    check_values(a->grad, (double[]){ 4 }, 1, 0, "d(a×b + a)/da = b + 1");
    check_values(b->grad, (double[]){ 2 }, 1, 0, "d(a×b + a)/db = a");
    check_values(ab->grad, (double[]){ 1 }, 1, 0, "the intermediate a×b keeps its gradient");

    /* a second backward: leaves accumulate and are reported, results do not */
    Tensor **acc = NULL;
    int64_t nacc = 0;
    check(gc_backward(y, NULL, &acc, &nacc) == 0, "a second backward runs", "%s", gc_error());
    check_values(a->grad, (double[]){ 8 }, 1, 0,
                 "leaf gradients accumulate over two backward calls");
    check_values(ab->grad, (double[]){ 1 }, 1, 0,
                 "intermediate gradients are recomputed, not accumulated");
    check(nacc == 2 && acc && ((acc[0] == a && acc[1] == b) || (acc[0] == b && acc[1] == a)),
          "backward lists the leaves that accumulated", "got %lld leaves", (long long)nacc);
    free(acc);

    /* topo order: inputs before users, root last, each node once */
    int64_t n = 0;
    Tensor **order = gc_topo_order(y, &n);
    int good = order && n == 4 && order[n - 1] == y;
    for (int64_t k = 0; good && k < n; k++)
        for (int i = 0; i < order[k]->ninputs; i++) {
            int64_t pos = -1;
            for (int64_t j = 0; j < n; j++)
                if (order[j] == order[k]->inputs[i]) pos = j;
            if (pos < 0 || pos >= k) good = 0;
        }
    check(good, "gc_topo_order lists 4 nodes, inputs before users, root last", "count %lld",
          (long long)n);
    free(order);

    /* a diamond: z = (x×x) + (x×x) shares one node; the gradient sums both paths */
    Tensor *x = leaf(gc_scalar(3));
    Tensor *xx = gc_binary(OP_MUL, x, x);
    Tensor *z = gc_binary(OP_ADD, xx, xx);
    order = gc_topo_order(z, &n);
    check(order && n == 3 && order[0] == x && order[1] == xx && order[2] == z,
          "gc_topo_order visits a shared node once", "count %lld", (long long)n);
    free(order);
    gc_backward(z, NULL, NULL, NULL);
    check_values(x->grad, (double[]){ 12 }, 1, 0, "d(x² + x²)/dx = 4x sums every path");

    /* a seed for a many-element root */
    Tensor *w = leaf(vec(3, (double[]){ 1, 2, 3 }));
    Tensor *w2 = gc_binary(OP_MUL, w, w);
    Tensor *seed = vec(3, (double[]){ 1, 10, 100 });
    check(gc_backward(w2, seed, NULL, NULL) == 0, "backward with a seed gradient", "%s",
          gc_error());
    check_values(w->grad, (double[]){ 2, 40, 600 }, 3, 0, "seeded backward: 2w×seed");

    /* broadcast backward sums over the stretched dims */
    Tensor *row = leaf(vec(3, (double[]){ 1, 2, 3 })), *col = leaf(mat(2, 1, (double[]){ 10, 20 }));
    Tensor *outer = gc_binary(OP_MUL, col, row);
    Tensor *total = gc_reduce(OP_SUM, outer, GC_ALL_DIMS, 0);
    gc_backward(total, NULL, NULL, NULL);
    check_values(row->grad, (double[]){ 30, 30, 30 }, 3, 0, "broadcast backward sums over rows");
    check_values(col->grad, (double[]){ 6, 6 }, 2, 0, "broadcast backward sums over columns");

    /* nothing is recorded under no_grad, nor for inputs without requires_grad */
    gc_no_grad_depth++;
    Tensor *free_y = gc_binary(OP_MUL, a, b);
    gc_no_grad_depth--;
    check(free_y && !free_y->op && !free_y->requires_grad && free_y->ninputs == 0,
          "no_grad records nothing", "recorded");
    Tensor *plain = gc_scalar(1), *plain2 = gc_unary(OP_EXP, plain);
    check(plain2 && !plain2->op && !plain2->requires_grad,
          "inputs without requires_grad record nothing", "recorded");
    check(gc_backward(plain2, NULL, NULL, NULL) == -1 &&
              strstr(gc_error(), "does not require grad"),
          "backward on a tensor that does not require grad fails", "%s", gc_error());

    /* a many-element root needs a seed */
    check(gc_backward(w2, NULL, NULL, NULL) == -1 && strstr(gc_error(), "3 elements") &&
              strstr(gc_error(), "sum()"),
          "backward of 3 elements without a seed fails and suggests sum()", "%s", gc_error());
    Tensor *bad_seed = vec(2, (double[]){ 1, 1 });
    check(gc_backward(w2, bad_seed, NULL, NULL) == -1 && strstr(gc_error(), "[2]") &&
              strstr(gc_error(), "[3]"),
          "a seed of the wrong shape fails naming both shapes", "%s", gc_error());

    /* an input changed in place after use */
    Tensor *u = leaf(gc_scalar(2)), *u2 = gc_binary(OP_MUL, u, u);
    gc_set_name(u, "u");
    gc_fill_(u, 5);
    check(gc_backward(u2, NULL, NULL, NULL) == -1 && strstr(gc_error(), "changed in place") &&
              strstr(gc_error(), "'u'"),
          "backward after an in-place change fails naming the tensor", "%s", gc_error());

    Tensor *all[] = { a,   b,   ab,    y,     x,      xx,    z,      w,        w2, seed,
                      row, col, outer, total, free_y, plain, plain2, bad_seed, u,  u2 };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) gc_release(all[i]);
    check(gc_live_tensors() == live, "every tensor of the backward tests is freed",
          "%lld still alive", (long long)(gc_live_tensors() - live));
}

/* ---- the op table ------------------------------------------------------------------ */

static void test_op_table(void)
{
    int complete = 1;
    char why[160] = "";
    for (int i = 0; i < OP_COUNT && complete; i++) {
        const OpDef *op = &gc_ops[i];
        const char *missing = !op->name         ? "name"
                              : !op->symbol     ? "symbol"
                              : !op->formula    ? "formula"
                              : !op->derivative ? "derivative"
                              : !op->shape      ? "shape"
                              : !op->forward    ? "forward"
                              : !op->backward   ? "backward"
                                                : NULL;
        if (!missing && (!*op->name || !*op->symbol || !*op->formula || !*op->derivative))
            missing = "non-empty text";
        if (missing) {
            complete = 0;
            snprintf(why, sizeof why, "entry %d (%s) lacks its %s", i, op->name ? op->name : "?",
                     missing);
        }
    }
    check(complete,
          "every gc_ops entry has name, symbol, formula, derivative, shape, forward, backward",
          "%s", why);

    /* elementwise entries carry their scalar maths: binary ones both derivatives */
    int scalar = 1;
    for (int i = OP_ADD; i <= OP_LEAKY_RELU && scalar; i++) {
        int binary = i <= OP_MINIMUM;
        if (!gc_ops[i].f || !gc_ops[i].df_da || (binary && !gc_ops[i].df_db)) {
            scalar = 0;
            snprintf(why, sizeof why, "%s lacks its scalar functions", gc_ops[i].name);
        }
    }
    check(scalar, "elementwise entries have f and their derivatives", "%s", why);

    /* names are distinct, and the order matches the enum */
    int distinct = 1;
    for (int i = 0; i < OP_COUNT; i++)
        for (int j = i + 1; j < OP_COUNT; j++)
            if (!strcmp(gc_ops[i].name, gc_ops[j].name)) distinct = 0;
    check(distinct, "op names are distinct", "two entries share a name");
    check(!strcmp(gc_ops[OP_ADD].name, "add") && !strcmp(gc_ops[OP_SIGMOID].name, "sigmoid") &&
              !strcmp(gc_ops[OP_MATMUL].name, "matmul") && !strcmp(gc_ops[OP_NLL].name, "nll"),
          "gc_ops follows the order of OpCode", "names do not match their codes");
}

/* ---- error paths --------------------------------------------------------------------- */

static void test_errors(void)
{
    int64_t live = gc_live_tensors();
    /* too large: the byte count overflows int64, and a size over the 8 GiB cap */
    int64_t huge[2] = { (int64_t)1 << 40, (int64_t)1 << 40 };
    check_fails(gc_new(2, huge), "a shape whose byte count overflows int64 fails", "too large",
                "[1099511627776, 1099511627776]", NULL);
    int64_t over[2] = { (int64_t)1 << 20, ((int64_t)1 << 10) + 1 }; /* 8 GiB + 8 MiB */
    check_fails(gc_new(2, over), "a tensor just over the 8 GiB cap fails", "too large", "8192 MiB",
                NULL);
    int64_t overflow3[3] = { (int64_t)1 << 62, 4, 4 };
    check_fails(gc_new(3, overflow3), "a shape whose element count overflows fails", "too large",
                NULL, NULL);
    int64_t zero_huge[3] = { 0, (int64_t)1 << 62, (int64_t)1 << 62 };
    Tensor *zh = gc_new(3, zero_huge);
    check(zh && zh->numel == 0, "a zero dim makes any shape empty, not too large", "%s",
          gc_error());
    gc_release(zh);
    check(gc_shape_numel(9, (int64_t[9]){ 1, 1, 1, 1, 1, 1, 1, 1, 1 }, "zeros") == -1 &&
              strstr(gc_error(), "zeros") && strstr(gc_error(), "at most 8"),
          "more than 8 dims fails", "%s", gc_error());

    Tensor *a = mat(2, 3, NULL), *b = mat(3, 2, NULL), *c = mat(2, 2, NULL), *v3 = vec(3, NULL);
    check_fails(gc_binary(OP_MUL, a, b), "mul of [2, 3] and [3, 2] fails", "mul", "[2, 3]",
                "[3, 2]");
    check_fails(gc_matmul(a, c), "matmul [2, 3] @ [2, 2] fails naming both shapes", "matmul",
                "[2, 3]", "[2, 2]");
    Tensor *s0 = gc_scalar(1);
    check_fails(gc_matmul(a, s0), "matmul with a 0-d operand fails", "matmul",
                "at least one dimension", NULL);
    check_fails(gc_reshape(a, 2, (int64_t[]){ 4, 2 }), "reshape of 6 elements into [4, 2] fails",
                "reshape", "[2, 3]", "[4, 2]");
    check_fails(gc_reduce(OP_SUM, a, 2, 0), "sum over dim 3 of a 2-d tensor fails", "sum",
                "dimension 3", "1..2");
    check_fails(gc_reduce(OP_SUM, a, -3, 0), "sum over dim -3 of a 2-d tensor fails", "sum",
                "dimension -3", NULL);
    check_fails(gc_select(a, 0, 2), "select row 3 of 2 fails", "select", "index 3", "size 2");
    check_fails(gc_narrow(a, 1, 2, 2), "narrow past the end fails", "narrow", "size 3", NULL);
    Tensor *pair[2] = { a, b };
    check_fails(gc_cat(2, pair, 0), "cat of [2, 3] and [3, 2] along dim 1 fails", "cat", "[3, 2]",
                "[2, 3]");
    check_fails(gc_stack(2, pair, 0), "stack of unequal shapes fails", "stack", "[3, 2]", "[2, 3]");
    check_fails(gc_loss(OP_MSE, a, b, GC_REDUCE_MEAN), "mse of [2, 3] and [3, 2] fails", "mse",
                "[2, 3]", "[3, 2]");
    Tensor *labels = vec(2, (double[]){ 1, 4 });
    check_fails(gc_loss(OP_CROSS_ENTROPY, a, labels, GC_REDUCE_MEAN),
                "a class label out of range fails", "cross_entropy", "label 4", "1 to 3");
    labels->data[1] = 1.5;
    check_fails(gc_loss(OP_NLL, a, labels, GC_REDUCE_MEAN), "a non-integer class label fails",
                "nll", "label 1.5", NULL);
    Tensor *p = vec(3, (double[]){ 0.5, 1.5, 0.2 });
    check_fails(gc_loss(OP_BCE, p, v3, GC_REDUCE_MEAN), "bce of a value outside [0, 1] fails",
                "bce", "1.5", NULL);

    Tensor *all[] = { a, b, c, v3, labels, p, s0 };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) gc_release(all[i]);
    check(gc_live_tensors() == live, "failed calls leak no tensors", "%lld still alive",
          (long long)(gc_live_tensors() - live));
}

/* ---- printing ------------------------------------------------------------------------- */

static void test_print(void)
{
    char buf[64];
    check(!strcmp(gc_format_number(NAN, 6, buf, sizeof buf), "nan"), "nan prints as nan", "%s",
          buf);
    check(!strcmp(gc_format_number(-INFINITY, 6, buf, sizeof buf), "-inf"), "-inf prints as -inf",
          "%s", buf);
    check(!strcmp(gc_format_number(INFINITY, 6, buf, sizeof buf), "inf"), "inf prints as inf", "%s",
          buf);
    check(!strcmp(gc_format_number(-0.0, 6, buf, sizeof buf), "0"), "-0 prints as 0", "%s", buf);
    check(!strcmp(gc_format_number(0.593269992107187, 9, buf, sizeof buf), "0.593269992"),
          "precision 9 prints 9 significant digits", "%s", buf);
    Tensor *m = mat(2, 2, (double[]){ 0.15, 0.2, -0.25, 0.3 });
    gc_set_name(m, "w1");
    char *text = gc_format(m, 6);
    const char *want =
        "tensor([[ 0.15,   0.2],\n        [-0.25,   0.3]], name=\"w1\", shape={2, 2})";
    check(text && !strcmp(text, want), "a matrix prints in aligned columns with its name and shape",
          "got\n%s\nexpected\n%s", text ? text : "(null)", want);
    free(text);
    gc_release(m);
}

/* ---- an interrupted backward changes no gradient ------------------------------------------ */

static void test_interrupted_backward(void)
{
    Tensor *x = leaf(vec(2, (double[]){ 1, 2 })), *w = leaf(vec(2, (double[]){ 3, 4 }));
    Tensor *y = gc_binary(OP_MUL, x, w), *s = gc_reduce(OP_SUM, y, GC_ALL_DIMS, 0);
    check(s && gc_backward(s, NULL, NULL, NULL) == 0, "a first backward runs", "%s", gc_error());
    Tensor *first = x->grad;
    gc_interrupt = 1; /* as Ctrl-C would, during the second pass */
    int rc = gc_backward(s, NULL, NULL, NULL);
    gc_interrupt = 0;
    check(rc == -1 && strstr(gc_error(), "interrupted"), "an interrupted backward fails",
          "rc %d, error %s", rc, gc_error());
    check(x->grad == first, "x keeps the gradient tensor it had", "grad replaced");
    check_values(x->grad, (double[]){ 3, 4 }, 2, 0,
                 "x's gradient is as before the interrupted pass");
    check_values(w->grad, (double[]){ 1, 2 }, 2, 0,
                 "w's gradient is as before the interrupted pass");
    check(y->grad == NULL, "no half-done gradient is left on y", "y has a gradient");
    check(gc_backward(s, NULL, NULL, NULL) == 0, "the next backward runs", "%s", gc_error());
    check(x->grad == first, "leaves accumulate in place", "a new gradient tensor");
    check_values(x->grad, (double[]){ 6, 8 }, 2, 0, "x's gradient accumulates over two passes");
    gc_release(s), gc_release(y), gc_release(x), gc_release(w);
}

/* ---- a million-node chain --------------------------------------------------------------- */

static void test_long_chain(void)
{
    int64_t live = gc_live_tensors();
    enum { N = 1000000 };
    Tensor *x = leaf(gc_scalar(1)), *one = gc_scalar(1), *y = x;
    gc_retain(y);
    int built = 1;
    for (int i = 0; i < N && built; i++) {
        Tensor *next = gc_binary(OP_ADD, y, one);
        gc_release(y); /* the new node holds its input */
        y = next;
        built = next != NULL;
    }
    check(built && y->data[0] == N + 1, "a chain x -> x+1 -> ... a million times builds",
          "value %g", built ? y->data[0] : -1.0);
    int64_t n = 0;
    Tensor **order = built ? gc_topo_order(y, &n) : NULL;
    check(order && n == N + 2 && order[0] == x && order[n - 1] == y,
          "gc_topo_order of the million-node chain lists every node", "count %lld", (long long)n);
    free(order);
    check(built && gc_backward(y, NULL, NULL, NULL) == 0, "backward of the million-node chain runs",
          "%s", gc_error());
    check_values(x->grad, (double[]){ 1 }, 1, 0,
                 "the million-node chain's gradient reaches x as 1");
    gc_release(y); /* frees the whole chain, without recursion */
    check(gc_live_tensors() == live + 3, "releasing the chain frees every node and gradient",
          "%lld tensors alive beyond x, its grad and one",
          (long long)(gc_live_tensors() - live - 3));
    gc_release(x), gc_release(one);
    check(gc_live_tensors() == live, "no tensor is left alive", "%lld still alive",
          (long long)(gc_live_tensors() - live));
}

int main(void)
{
    test_creation();
    test_broadcast();
    test_forward();
    test_backward();
    test_op_table();
    test_errors();
    test_print();
    test_interrupted_backward();
    test_long_chain();
    check(gc_live_tensors() == 0, "every tensor was freed at the end", "%lld still alive",
          (long long)gc_live_tensors());
    printf("done\n");
    return 0;
}

/*
 * op_table.c - every op of gradcalc in one table.
 *
 * Read one op start to finish, say sigmoid:
 *   forward   y = σ(a) = 1 / (1 + e^(−a))          sigmoid_f below
 *   backward  ∂y/∂a = σ(a)(1 − σ(a)) = y(1 − y)     sigmoid_da below
 * During backward, the loss gradient arriving at y (out->grad) is multiplied
 * by ∂y/∂a and added into a's gradient: that product is one link of the
 * chain rule, and the trace printer shows it with the formula text below.
 *
 * Elementwise ops are just these scalar functions; the loops that run them
 * with broadcasting live in ops_elementwise.c. The other ops (reductions,
 * matmul, reshaping, losses) have forward and backward kernels side by side
 * in their own files, named after the op.
 */
#include <math.h>

#include "core/op_table.h"

#define KERNELS(op)                     \
    int gc_##op##_shape(Tensor *out);   \
    int gc_##op##_forward(Tensor *out); \
    int gc_##op##_backward(Tensor *out);
KERNELS(elementwise)
KERNELS(reduce)
KERNELS(softmax)
KERNELS(matmul)
KERNELS(transpose)
KERNELS(reshape)
KERNELS(select)
KERNELS(narrow)
KERNELS(cat)
KERNELS(mse)
KERNELS(bce)
KERNELS(cross_entropy)
KERNELS(nll)
KERNELS(index_select)

/* ---- the scalar maths of elementwise ops: y = f(a, b) and ∂y/∂a, ∂y/∂b ---- */

static double add_f(double a, double b, double s)
{
    (void)s;
    return a + b;
}
static double add_da(double a, double b, double y, double s)
{
    (void)a, (void)b, (void)y, (void)s;
    return 1;
}
static double sub_f(double a, double b, double s)
{
    (void)s;
    return a - b;
}
static double sub_db(double a, double b, double y, double s)
{
    (void)a, (void)b, (void)y, (void)s;
    return -1;
}
static double mul_f(double a, double b, double s)
{
    (void)s;
    return a * b;
}
static double mul_da(double a, double b, double y, double s)
{
    (void)a, (void)y, (void)s;
    return b;
}
static double mul_db(double a, double b, double y, double s)
{
    (void)b, (void)y, (void)s;
    return a;
}
static double div_f(double a, double b, double s)
{
    (void)s;
    return a / b;
}
static double div_da(double a, double b, double y, double s)
{
    (void)a, (void)y, (void)s;
    return 1 / b;
}
static double div_db(double a, double b, double y, double s)
{
    (void)y, (void)s;
    return -a / (b * b);
}
static double pow_f(double a, double b, double s)
{
    (void)s;
    return pow(a, b);
}
static double pow_da(double a, double b, double y, double s)
{
    (void)y, (void)s;
    return b == 0 ? 0 : b * pow(a, b - 1);
}
/* 0^b is 0 for every b > 0, so its slope in b is 0 there (ln 0 would give nan) */
static double pow_db(double a, double b, double y, double s)
{
    (void)s;
    return a == 0 && b >= 0 ? 0 : y * log(a);
}
/* maximum/minimum route the gradient to the chosen input; a tie splits it.
 * A nan wins, as it does in max and min: a diverging value must not vanish. */
static double maximum_f(double a, double b, double s)
{
    (void)s;
    return a >= b || isnan(a) ? a : b;
}
static double maximum_da(double a, double b, double y, double s)
{
    (void)y, (void)s;
    return a > b ? 1 : a == b ? 0.5 : 0;
}
static double maximum_db(double a, double b, double y, double s)
{
    (void)y, (void)s;
    return b > a ? 1 : a == b ? 0.5 : 0;
}
static double minimum_f(double a, double b, double s)
{
    (void)s;
    return a <= b || isnan(a) ? a : b;
}
static double minimum_da(double a, double b, double y, double s)
{
    (void)y, (void)s;
    return a < b ? 1 : a == b ? 0.5 : 0;
}
static double minimum_db(double a, double b, double y, double s)
{
    (void)y, (void)s;
    return b < a ? 1 : a == b ? 0.5 : 0;
}

static double neg_f(double a, double b, double s)
{
    (void)b, (void)s;
    return -a;
}
static double neg_da(double a, double b, double y, double s)
{
    (void)a, (void)b, (void)y, (void)s;
    return -1;
}
static double exp_f(double a, double b, double s)
{
    (void)b, (void)s;
    return exp(a);
}
static double exp_da(double a, double b, double y, double s)
{
    (void)a, (void)b, (void)s;
    return y;
}
static double log_f(double a, double b, double s)
{
    (void)b, (void)s;
    return log(a);
}
static double log_da(double a, double b, double y, double s)
{
    (void)b, (void)y, (void)s;
    return 1 / a;
}
static double sqrt_f(double a, double b, double s)
{
    (void)b, (void)s;
    return sqrt(a);
}
static double sqrt_da(double a, double b, double y, double s)
{
    (void)a, (void)b, (void)s;
    return 0.5 / y;
}
static double abs_f(double a, double b, double s)
{
    (void)b, (void)s;
    return fabs(a);
}
static double abs_da(double a, double b, double y, double s)
{
    (void)b, (void)y, (void)s;
    return a > 0 ? 1 : a < 0 ? -1 : 0;
}
static double sigmoid_f(double a, double b, double s)
{
    (void)b, (void)s;
    if (a >= 0) return 1 / (1 + exp(-a));
    double e = exp(a); /* same value, without overflowing exp(−a) */
    return e / (1 + e);
}
static double sigmoid_da(double a, double b, double y, double s)
{
    (void)a, (void)b, (void)s;
    return y * (1 - y);
}
static double tanh_f(double a, double b, double s)
{
    (void)b, (void)s;
    return tanh(a);
}
static double tanh_da(double a, double b, double y, double s)
{
    (void)a, (void)b, (void)s;
    return 1 - y * y;
}
/* relu's kink at 0 takes derivative 0, as PyTorch does. */
static double relu_f(double a, double b, double s)
{
    (void)b, (void)s;
    return a > 0 ? a : 0;
}
static double relu_da(double a, double b, double y, double s)
{
    (void)b, (void)y, (void)s;
    return a > 0 ? 1 : 0;
}
static double leaky_relu_f(double a, double b, double s)
{
    (void)b;
    return a > 0 ? a : s * a;
}
static double leaky_relu_da(double a, double b, double y, double s)
{
    (void)b, (void)y;
    return a > 0 ? 1 : s;
}

#define BINARY(op, da, db) \
    gc_elementwise_shape, gc_elementwise_forward, gc_elementwise_backward, op##_f, da, db
#define UNARY(op) \
    gc_elementwise_shape, gc_elementwise_forward, gc_elementwise_backward, op##_f, op##_da, NULL
#define KERNEL(op) gc_##op##_shape, gc_##op##_forward, gc_##op##_backward, NULL, NULL, NULL

/* ORDER OP: a C test checks that every entry is filled in. */
const OpDef gc_ops[OP_COUNT] = {
    /* name          symbol  formula                          local derivatives */
    { "add", "+", "a + b", "∂/∂a = 1;  ∂/∂b = 1", BINARY(add, add_da, add_da) },
    { "sub", "−", "a − b", "∂/∂a = 1;  ∂/∂b = −1", BINARY(sub, add_da, sub_db) },
    { "mul", "×", "a × b", "∂/∂a = b;  ∂/∂b = a", BINARY(mul, mul_da, mul_db) },
    { "div", "/", "a / b", "∂/∂a = 1/b;  ∂/∂b = −a/b²", BINARY(div, div_da, div_db) },
    { "pow", "^", "a ^ b", "∂/∂a = b·a^(b−1);  ∂/∂b = a^b·ln a", BINARY(pow, pow_da, pow_db) },
    { "maximum", "max", "max(a, b)", "∂/∂a = [a > b];  ∂/∂b = [b > a]",
      BINARY(maximum, maximum_da, maximum_db) },
    { "minimum", "min", "min(a, b)", "∂/∂a = [a < b];  ∂/∂b = [b < a]",
      BINARY(minimum, minimum_da, minimum_db) },
    { "neg", "−", "−a", "∂/∂a = −1", UNARY(neg) },
    { "exp", "exp", "e^a", "∂/∂a = e^a", UNARY(exp) },
    { "log", "log", "ln a", "∂/∂a = 1/a", UNARY(log) },
    { "sqrt", "√", "√a", "∂/∂a = 1/(2√a)", UNARY(sqrt) },
    { "abs", "abs", "|a|", "∂/∂a = sign(a)", UNARY(abs) },
    { "sigmoid", "σ", "σ(a) = 1/(1 + e^(−a))", "∂/∂a = σ(a)(1 − σ(a))", UNARY(sigmoid) },
    { "tanh", "tanh", "tanh(a)", "∂/∂a = 1 − tanh²(a)", UNARY(tanh) },
    { "relu", "relu", "max(0, a)", "∂/∂a = 1 if a > 0, else 0", UNARY(relu) },
    { "leaky_relu", "lrelu", "a if a > 0, else s·a", "∂/∂a = 1 if a > 0, else s",
      UNARY(leaky_relu) },
    { "sum", "Σ", "Σᵢ aᵢ", "∂/∂aᵢ = 1", KERNEL(reduce) },
    { "mean", "mean", "(1/n) Σᵢ aᵢ", "∂/∂aᵢ = 1/n", KERNEL(reduce) },
    { "max", "max", "maxᵢ aᵢ", "∂/∂aᵢ = 1 for the largest, else 0", KERNEL(reduce) },
    { "min", "min", "minᵢ aᵢ", "∂/∂aᵢ = 1 for the smallest, else 0", KERNEL(reduce) },
    { "softmax", "softmax", "yᵢ = e^aᵢ / Σⱼ e^aⱼ", "∂yᵢ/∂aⱼ = yᵢ([i = j] − yⱼ)", KERNEL(softmax) },
    { "log_softmax", "log_softmax", "yᵢ = aᵢ − ln Σⱼ e^aⱼ", "∂yᵢ/∂aⱼ = [i = j] − softmax(a)ⱼ",
      KERNEL(softmax) },
    { "matmul", "@", "Cᵢⱼ = Σₖ Aᵢₖ Bₖⱼ", "∂L/∂A = ∂L/∂C · Bᵀ;  ∂L/∂B = Aᵀ · ∂L/∂C",
      KERNEL(matmul) },
    { "transpose", "ᵀ", "aᵀ", "∂L/∂a = (∂L/∂y)ᵀ", KERNEL(transpose) },
    { "reshape", "reshape", "a with a new shape", "∂L/∂a = ∂L/∂y with a's shape", KERNEL(reshape) },
    { "select", "[i]", "a[i]", "∂L/∂a[i] = ∂L/∂y, 0 elsewhere", KERNEL(select) },
    { "narrow", "[i:j]", "a[i..i+n−1]", "∂L/∂a[i..] = ∂L/∂y, 0 elsewhere", KERNEL(narrow) },
    { "cat", "cat", "a, b, … joined", "each input gets its slice of ∂L/∂y", KERNEL(cat) },
    { "mse", "MSE", "(1/n) Σᵢ (pᵢ − tᵢ)²", "∂/∂pᵢ = 2(pᵢ − tᵢ)/n", KERNEL(mse) },
    { "bce", "BCE", "−(1/n) Σᵢ tᵢ ln pᵢ + (1 − tᵢ) ln(1 − pᵢ)",
      "∂/∂pᵢ = (pᵢ − tᵢ) / (pᵢ(1 − pᵢ) n)", KERNEL(bce) },
    { "cross_entropy", "CE", "(1/N) Σₙ −ln softmax(zₙ)[yₙ]",
      "∂/∂zₙ = (softmax(zₙ) − onehot(yₙ)) / N", KERNEL(cross_entropy) },
    { "nll", "NLL", "−(1/N) Σₙ aₙ[yₙ]", "∂/∂aₙ[yₙ] = −1/N, 0 elsewhere", KERNEL(nll) },
    { "index_select", "[idx]", "yⱼ = a[idxⱼ] along dim",
      "∂L/∂a[i] = Σ over j with idxⱼ = i of ∂L/∂yⱼ", KERNEL(index_select) },
};

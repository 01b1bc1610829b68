/*
 * op_table.c - every op of gradcalc in one table.
 *
 * Read one op start to finish, say sigmoid (its row is in
 * core/ops/elementwise_table.h):
 *   forward   y = σ(a) = 1 / (1 + e^(−a))
 *   backward  ∂y/∂a = σ(a)(1 − σ(a)) = y(1 − y)
 * During backward, the loss gradient arriving at y (out->grad) is multiplied
 * by ∂y/∂a and added into a's gradient: that product is one link of the
 * chain rule, and the trace printer shows it with the formula text.
 *
 * The elementwise rows come from their table; their loops are made in
 * core/ops/elementwise.c. The other ops (reductions, matmul, reshaping,
 * losses) have forward and backward kernels side by side in their own
 * files under core/ops, named after the op.
 */
#include <math.h>

#include "core/op_table.h"
#include "core/ops/exp_poly.h"

#define KERNELS(op)                     \
    int gc_##op##_shape(Tensor *out);   \
    int gc_##op##_forward(Tensor *out); \
    int gc_##op##_backward(Tensor *out);
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
KERNELS(conv)
KERNELS(pool)
KERNELS(batch_norm)
KERNELS(layer_norm)
KERNELS(dropout)
KERNELS(where)
KERNELS(tri)
KERNELS(clamp)
KERNELS(activation)
KERNELS(variance)
KERNELS(logsumexp)
KERNELS(norm)
KERNELS(index_select)
KERNELS(custom)
int gc_elementwise_shape(Tensor *out);
#define UNARY(CODE, name, ...)            \
    int gc_##name##_forward(Tensor *out); \
    int gc_##name##_backward(Tensor *out);
#define BINARY UNARY
#include "core/ops/elementwise_table.h"
#undef UNARY
#undef BINARY

/* The scalar functions of the elementwise ops, for traces (elementwise.c
 * makes the same maths into loops over whole tensors). */
#define UNARY(CODE, name, symbol, call, formula, derivative, kink, FWD, DA, ...)             \
    static double name##_f(double a, double b, double s) { return (void)b, (void)s, (FWD); } \
    static double name##_da(double a, double b, double y, double s)                          \
    {                                                                                        \
        return (void)a, (void)b, (void)y, (void)s, (DA);                                     \
    }
#define BINARY(CODE, name, symbol, infix, prec, formula, derivative, kink, FWD, DA, DB, ...) \
    static double name##_f(double a, double b, double s) { return (void)s, (FWD); }          \
    static double name##_da(double a, double b, double y, double s)                          \
    {                                                                                        \
        return (void)a, (void)b, (void)y, (void)s, (DA);                                     \
    }                                                                                        \
    static double name##_db(double a, double b, double y, double s)                          \
    {                                                                                        \
        return (void)a, (void)b, (void)y, (void)s, (DB);                                     \
    }
#include "core/ops/elementwise_table.h"
#undef UNARY
#undef BINARY

#define KERNEL(op) gc_##op##_shape, gc_##op##_forward, gc_##op##_backward

const OpDef gc_ops[] = {
#define UNARY(CODE, nm, sym, cl, form, deriv, kk, FWD, DA, sig, summ, ex)           \
    [OP_##CODE] = { .name = #nm,                                                    \
                    .symbol = sym,                                                  \
                    .formula = form,                                                \
                    .derivative = deriv,                                            \
                    .shape = gc_elementwise_shape,                                  \
                    .forward = gc_##nm##_forward,                                   \
                    .backward = gc_##nm##_backward,                                 \
                    .f = nm##_f,                                                    \
                    .df_da = nm##_da,                                               \
                    .call = cl,                                                     \
                    .precedence = OP_##CODE == OP_NEG ? OP_PREC_NEG : OP_PREC_CALL, \
                    .kink = kk,                                                     \
                    .inlinable = OP_##CODE == OP_NEG,                               \
                    .elementwise = 1,                                               \
                    .signature = sig,                                               \
                    .summary = summ,                                                \
                    .example = ex },
#define BINARY(CODE, nm, sym, inf, prec, form, deriv, kk, FWD, DA, DB, sig, summ, ex) \
    [OP_##CODE] = { .name = #nm,                                                      \
                    .symbol = sym,                                                    \
                    .formula = form,                                                  \
                    .derivative = deriv,                                              \
                    .shape = gc_elementwise_shape,                                    \
                    .forward = gc_##nm##_forward,                                     \
                    .backward = gc_##nm##_backward,                                   \
                    .f = nm##_f,                                                      \
                    .df_da = nm##_da,                                                 \
                    .df_db = nm##_db,                                                 \
                    .infix = inf,                                                     \
                    .call = #nm,                                                      \
                    .precedence = prec,                                               \
                    .kink = kk,                                                       \
                    .inlinable = inf != NULL,                                         \
                    .elementwise = 1,                                                 \
                    .signature = sig,                                                 \
                    .summary = summ,                                                  \
                    .example = ex },
#include "core/ops/elementwise_table.h"
#undef UNARY
#undef BINARY

    // clang-format off
    /* name, symbol, formula, local derivatives, kernels; kinks and infix forms where they have them */
    [OP_SUM]         = { "sum", "Σ", "Σᵢ aᵢ", "∂/∂aᵢ = 1", KERNEL(reduce) },
    [OP_MEAN]        = { "mean", "mean", "(1/n) Σᵢ aᵢ", "∂/∂aᵢ = 1/n", KERNEL(reduce) },
    [OP_MAX]         = { "max", "max", "maxᵢ aᵢ", "∂/∂aᵢ = 1/k for the k largest (ties share, as PyTorch; along a dim, the position returned), else 0", KERNEL(reduce), .kink = 1 },
    [OP_MIN]         = { "min", "min", "minᵢ aᵢ", "∂/∂aᵢ = 1/k for the k smallest (ties share, as PyTorch; along a dim, the position returned), else 0", KERNEL(reduce), .kink = 1 },
    [OP_SOFTMAX]     = { "softmax", "softmax", "yᵢ = e^aᵢ / Σⱼ e^aⱼ", "∂yᵢ/∂aⱼ = yᵢ([i = j] − yⱼ)", KERNEL(softmax) },
    [OP_LOG_SOFTMAX] = { "log_softmax", "log_softmax", "yᵢ = aᵢ − ln Σⱼ e^aⱼ", "∂yᵢ/∂aⱼ = [i = j] − softmax(a)ⱼ", KERNEL(softmax) },
    [OP_MATMUL]      = { "matmul", "@", "Cᵢⱼ = Σₖ Aᵢₖ Bₖⱼ", "∂L/∂A = ∂L/∂C @ Bᵀ;  ∂L/∂B = Aᵀ @ ∂L/∂C", KERNEL(matmul), .infix = " @ ", .precedence = OP_PREC_MUL },
    [OP_TRANSPOSE]   = { "transpose", "ᵀ", "aᵀ", "∂L/∂a = (∂L/∂y)ᵀ", KERNEL(transpose) },
    [OP_RESHAPE]     = { "reshape", "reshape", "a with a new shape", "∂L/∂a = ∂L/∂y with a's shape", KERNEL(reshape) },
    [OP_SELECT]      = { "select", "[i]", "a[i]", "∂L/∂a[i] = ∂L/∂y, 0 elsewhere", KERNEL(select) },
    [OP_NARROW]      = { "narrow", "[i:j]", "a[i..i+n−1]", "∂L/∂a[i..] = ∂L/∂y, 0 elsewhere", KERNEL(narrow) },
    [OP_CAT]         = { "cat", "cat", "a, b, … joined", "each input gets its slice of ∂L/∂y", KERNEL(cat) },
    [OP_MSE]         = { "mse", "MSE", "(1/n) Σᵢ (pᵢ − tᵢ)²", "∂/∂pᵢ = 2(pᵢ − tᵢ)/n", KERNEL(mse) },
    [OP_BCE]         = { "bce", "BCE", "−(1/n) Σᵢ [tᵢ ln pᵢ + (1 − tᵢ) ln(1 − pᵢ)]", "∂/∂pᵢ = (pᵢ − tᵢ) / (pᵢ(1 − pᵢ) n)", KERNEL(bce) },
    [OP_CROSS_ENTROPY] = { "cross_entropy", "CE", "(1/N) Σₙ −ln softmax(zₙ)[yₙ]", "∂/∂zₙ = (softmax(zₙ) − onehot(yₙ)) / N", KERNEL(cross_entropy) },
    [OP_NLL]         = { "nll", "NLL", "−(1/N) Σₙ aₙ[yₙ]", "∂/∂aₙ[yₙ] = −1/N, 0 elsewhere", KERNEL(nll) },
    // clang-format on
    [OP_CONV] = { "conv", "conv",
                  "y[n,o,i,j] = b[o] + Σ_c,p,q w[o,c,p,q] × x[n,c, i×s+p×d−pad, j×s+q×d−pad]",
                  "∂L/∂x = Σ ∂L/∂y × w over the outputs each x took part in;  "
                  "∂L/∂w[o,c,p,q] = Σ_n,i,j ∂L/∂y[n,o,i,j] × x[…];  ∂L/∂b[o] = Σ_n,i,j "
                  "∂L/∂y[n,o,i,j]",
                  KERNEL(conv) },
    [OP_MAX_POOL2D] = { "max_pool2d", "maxpool", "y = the largest x of each window",
                        "∂L/∂x = ∂L/∂y for the (first) largest x of each window, 0 elsewhere",
                        KERNEL(pool), .kink = 1 },
    [OP_AVG_POOL2D] = { "avg_pool2d", "avgpool",
                        "y = (1/k) Σ x over each window (k counts the padding)",
                        "∂L/∂x = Σ over the windows holding x of ∂L/∂y / k", KERNEL(pool) },
    [OP_BATCH_NORM] = { "batch_norm", "BN",
                        "y = w×x̂ + b,  x̂ = (x − μ_c)/√(σ²_c + ε), μ and σ² (biased) over batch and "
                        "positions",
                        "∂L/∂x = w/√(σ² + ε) × (g − mean(g) − x̂×mean(g×x̂));  ∂L/∂w = Σ g×x̂;  ∂L/∂b "
                        "= Σ g "
                        "(g = ∂L/∂y, and in eval ∂L/∂x = g×w/√(σ² + ε))",
                        KERNEL(batch_norm) },
    [OP_LAYER_NORM] = { "layer_norm", "LN",
                        "y = w×x̂ + b,  x̂ = (x − μ)/√(σ² + ε) over the last dims",
                        "∂L/∂x = (1/√(σ² + ε)) × (ĝ − mean(ĝ) − x̂×mean(ĝ×x̂)), ĝ = w×g;  ∂L/∂w = Σ "
                        "g×x̂;  "
                        "∂L/∂b = Σ g",
                        KERNEL(layer_norm) },
    [OP_DROPOUT] = { "dropout", "dropout", "y = x×m,  m = 0 with probability p, else 1/(1 − p)",
                     "∂/∂x = m", KERNEL(dropout) },
    [OP_WHERE] = { "where", "where", "y = a where cond, else b",
                   "∂/∂cond: none;  ∂/∂a = [cond];  ∂/∂b = [not cond]", KERNEL(where) },
    [OP_TRIL] = { "tril", "tril", "y[i,j] = x[i,j] if j − i ≤ k, else 0", "∂/∂x[i,j] = [j − i ≤ k]",
                  KERNEL(tri) },
    [OP_TRIU] = { "triu", "triu", "y[i,j] = x[i,j] if j − i ≥ k, else 0", "∂/∂x[i,j] = [j − i ≥ k]",
                  KERNEL(tri) },
    [OP_CLAMP] = { "clamp", "clamp", "min(max(x, lo), hi)", "∂/∂x = 1 if lo ≤ x ≤ hi, else 0",
                   KERNEL(clamp), .kink = 1 },
    [OP_ELU] = { "elu", "elu", "x if x > 0, else α(eˣ − 1)", "∂/∂x = 1 if x > 0, else α×eˣ",
                 KERNEL(activation), .kink = 1 },
    [OP_SILU] = { "silu", "silu", "x×σ(x)", "∂/∂x = σ(x)(1 + x(1 − σ(x)))", KERNEL(activation) },
    [OP_VARIANCE] = { "variance", "var", "Σᵢ (xᵢ − x̄)² / (n − c), c = 1 unbiased, 0 biased",
                      "∂/∂xᵢ = 2(xᵢ − x̄)/(n − c)", KERNEL(variance) },
    [OP_STD] = { "std", "std", "√(Σᵢ (xᵢ − x̄)² / (n − c))", "∂/∂xᵢ = (xᵢ − x̄)/((n − c)×std)",
                 KERNEL(variance) },
    [OP_LOGSUMEXP] = { "logsumexp", "lse",
                       "ln Σᵢ e^xᵢ (computed as m + ln Σᵢ e^(xᵢ − m), m = max x)",
                       "∂/∂xᵢ = e^(xᵢ − y) = softmax(x)ᵢ", KERNEL(logsumexp) },
    [OP_NORM] = { "norm", "‖‖", "(Σᵢ |xᵢ|^p)^(1/p)",
                  "∂/∂xᵢ = sign(xᵢ)|xᵢ|^(p−1) / ‖x‖^(p−1) (x/‖x‖ for p = 2)", KERNEL(norm),
                  .kink = 1 },
    [OP_INDEX_SELECT] = { "index_select", "[idx]", "yⱼ = a[idxⱼ] along dim",
                          "∂L/∂a[i] = Σ over j with idxⱼ = i of ∂L/∂yⱼ", KERNEL(index_select) },
    [OP_CUSTOM] = { "custom", "custom", "y = your forward(x, …)", "∂L/∂x = your backward(∂L/∂y)",
                    KERNEL(custom) },
};

/* The table is as long as its last row: a missing last row fails here, when
 * compiling; a C test checks that every row in between is filled in. */
_Static_assert(sizeof gc_ops / sizeof gc_ops[0] == OP_COUNT, "every op has a row in gc_ops[]");

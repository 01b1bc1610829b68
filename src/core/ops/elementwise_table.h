/*
 * elementwise_table.h - every elementwise op, one row each: its text for
 * help and traces beside its maths. Included several times (an X-macro):
 * the op enum, the op table, the loops of elementwise.c and the trace's
 * scalar arithmetic are all made from these rows, so an op is described
 * once.
 *
 * UNARY(CODE, name, symbol, call, formula, derivative, kink,
 *       y = f(a), ∂y/∂a, signature, summary, example)
 * BINARY(CODE, name, symbol, infix, precedence, formula, derivative, kink,
 *        y = f(a, b), ∂y/∂a, ∂y/∂b, signature, summary, example)
 *
 * The maths are C expressions in a and b (the inputs), y (the result, for
 * derivatives such as σ' = y(1 − y)) and s (the op's scalar argument, the
 * slope of leaky_relu). call is how a formula writes the op ("σ(…)");
 * kink is 1 when the derivative jumps somewhere (gradcheck warns there).
 * To add an op: add a row here, then its tests (see src/README.md).
 */
// clang-format off

/* ---- binary: arithmetic ------------------------------------------------------ */

BINARY(ADD, add, "+", " + ", 1, "a + b", "∂/∂a = 1;  ∂/∂b = 1", 0,
       a + b, 1, 1,
       "add(a, b)  or  a + b", "Elementwise sum, broadcasting shapes as NumPy does.",
       "var(2) + 3")
BINARY(SUB, sub, "−", " − ", 1, "a − b", "∂/∂a = 1;  ∂/∂b = −1", 0,
       a - b, 1, -1,
       "sub(a, b)  or  a - b", "Elementwise difference.", "var(2) - 3")
BINARY(MUL, mul, "×", "×", 2, "a × b", "∂/∂a = b;  ∂/∂b = a", 0,
       a * b, b, a,
       "mul(a, b)  or  a * b", "Elementwise product (not the matrix product: that is matmul).",
       "var(2) * 3")
BINARY(DIV, div, "/", " / ", 2, "a / b", "∂/∂a = 1/b;  ∂/∂b = −a/b²", 0,
       a / b, 1 / b, -a / (b * b),
       "div(a, b)  or  a / b", "Elementwise quotient.", "var(1) / 4")
/* 0^b is 0 for every b > 0, so its slope in b is 0 there (ln 0 would give nan) */
BINARY(POW, pow, "^", "^", 4, "a ^ b", "∂/∂a = b×a^(b−1);  ∂/∂b = a^b×ln a", 0,
       pow(a, b), b == 0 ? 0 : b * pow(a, b - 1), a == 0 && b >= 0 ? 0 : y * log(a),
       "pow(x, p)  or  x ^ p", "x raised to the power p, elementwise; p may be a number or a tensor.",
       "pow(var(3), 2)  --> 9")
/* maximum/minimum route the gradient to the chosen input; a tie splits it.
 * A nan wins, as it does in max and min: a diverging value must not vanish. */
BINARY(MAXIMUM, maximum, "max", NULL, 9, "max(a, b)", "∂/∂a = [a > b] + ½[a = b];  ∂/∂b = [b > a] + ½[a = b]", 1,
       a >= b || isnan(a) ? a : b, a > b ? 1 : a == b ? 0.5 : 0, b > a ? 1 : a == b ? 0.5 : 0,
       "maximum(a, b)  (also max(a, b))",
       "Elementwise larger of a and b. The gradient goes to the larger input (split on a tie): "
       "max routes.",
       "maximum(var(2), var(5))")
BINARY(MINIMUM, minimum, "min", NULL, 9, "min(a, b)", "∂/∂a = [a < b] + ½[a = b];  ∂/∂b = [b < a] + ½[a = b]", 1,
       a <= b || isnan(a) ? a : b, a < b ? 1 : a == b ? 0.5 : 0, b < a ? 1 : a == b ? 0.5 : 0,
       "minimum(a, b)  (also min(a, b))",
       "Elementwise smaller of a and b; the gradient goes to the smaller input.",
       "minimum(var(2), var(5))")

/* ---- unary: functions -------------------------------------------------------- */

UNARY(NEG, neg, "−", "−", "−a", "∂/∂a = −1", 0,
      -a, -1,
      "neg(a)  or  -a", "Elementwise negation.", "-var(2)")
UNARY(EXP, exp, "exp", "exp", "e^a", "∂/∂a = e^a", 0,
      gc_exp(a), y,
      "exp(x)", "e to the power x, elementwise.", "exp(var(0))  --> 1")
UNARY(LOG, log, "log", "ln", "ln a", "∂/∂a = 1/a", 0,
      log(a), 1 / a,
      "log(x)", "Natural logarithm, elementwise.", "log(var(1))  --> 0")
UNARY(SQRT, sqrt, "√", "√", "√a", "∂/∂a = 1/(2√a)", 0,
      sqrt(a), 0.5 / y,
      "sqrt(x)", "Square root, elementwise.", "sqrt(var(9))  --> 3")
UNARY(ABS, abs, "abs", "abs", "|a|", "∂/∂a = sign(a)", 1,
      fabs(a), a > 0 ? 1 : a < 0 ? -1 : 0,
      "abs(x)", "Absolute value, elementwise. Its kink at 0 gets derivative 0.",
      "abs(var(-2))  --> 2")

/* ---- unary: activations ------------------------------------------------------ */

/* For very negative a, e^(−a) is inf and 1/(1 + inf) is the right 0. */
UNARY(SIGMOID, sigmoid, "σ", "σ", "σ(a) = 1/(1 + e^(−a))", "∂/∂a = σ(a)(1 − σ(a))", 0,
      1 / (1 + gc_exp(-a)), y * (1 - y),
      "sigmoid(x)",
      "The logistic function, squashing any number into (0, 1); its derivative is largest (1/4) "
      "at 0 and vanishes for large |x|.",
      "h = sigmoid(var(0.3775))  --> 0.593269992...")
UNARY(TANH, tanh, "tanh", "tanh", "tanh(a) = (eᵃ − e⁻ᵃ)/(eᵃ + e⁻ᵃ)", "∂/∂a = 1 − tanh²(a)", 0,
      gc_tanh(a), 1 - y * y,
      "tanh(x)", "Hyperbolic tangent, squashing into (−1, 1); tanh(x) = 2σ(2x) − 1.",
      "tanh(var(0))  --> 0")
/* relu's kink at 0 takes derivative 0, as PyTorch does. */
UNARY(RELU, relu, "relu", "relu", "max(0, a)", "∂/∂a = 1 if a > 0, else 0", 1,
      a > 0 ? a : 0, a > 0 ? 1 : 0,
      "relu(x)",
      "Rectified linear unit: x where x > 0, else 0. Its derivative is 1 or 0, so gradients pass "
      "or stop; at the kink x = 0 gradcalc uses 0, as PyTorch does.",
      "relu(tensor({-1, 2}))  --> tensor([0, 2])")
UNARY(LEAKY_RELU, leaky_relu, "lrelu", "leaky_relu", "a if a > 0, else s×a",
      "∂/∂a = 1 if a > 0, else s", 1,
      a > 0 ? a : s * a, a > 0 ? 1 : s,
      "leaky_relu(x [, slope])",
      "Like relu but lets slope×x through for x < 0 (default slope 0.01), so no unit stops "
      "learning entirely.",
      "leaky_relu(tensor({-1, 2}), 0.1)  --> tensor([-0.1, 2])")
/* ln(1 + e^a) overflows e^a for large a, where it equals a to double
 * precision: PyTorch switches at a > 20, and so does gradcalc. */
UNARY(SOFTPLUS, softplus, "softplus", "softplus", "ln(1 + e^a)", "∂/∂a = σ(a) = e^a/(1 + e^a)", 0,
      a > 20 ? a : log1p(exp(a)), a > 20 ? 1 : exp(a) / (exp(a) + 1),
      "softplus(x)",
      "A smooth relu: ln(1 + eˣ), close to 0 for negative x and to x for large x; its "
      "derivative is σ(x). Like PyTorch it returns x itself past x = 20.",
      "softplus(var(0))  --> 0.693147 (ln 2)")
/* The exact form with the normal CDF Φ (PyTorch's default, approximate='none'). */
UNARY(GELU, gelu, "gelu", "gelu", "a×Φ(a) = a×½(1 + erf(a/√2))",
      "∂/∂a = Φ(a) + a×φ(a), φ(a) = e^(−a²/2)/√(2π)", 0,
      a * 0.5 * (1 + erf(a * 0.70710678118654752440)),
      0.5 * (1 + erf(a * 0.70710678118654752440)) + a * ((1.12837916709551257390 * 0.70710678118654752440 * 0.5) * exp(a * a * -0.5)),
      "gelu(x)",
      "Gaussian error linear unit: x weighted by the probability Φ(x) that a standard normal is "
      "below x. Smooth, slightly negative for small negative x; used in Transformers.",
      "gelu(var(1))  --> 0.841345")
// clang-format on

/*
 * exp_poly.h - e^x and e^x − 1 written without branches or calls, so that the
 * elementwise loops that use them (exp, sigmoid, tanh, softmax) compile to
 * vector instructions; libm's exp is a call per element.
 *
 * The method (as in most libms): x = n·ln 2 + r with n a whole number and
 * |r| ≤ ½ln 2, e^x = 2^n · e^r, and e^r from its Taylor series to r¹³, whose
 * first left-out term is below 2⁻⁶⁰ of e^r. ln 2 is split in two so that
 * n·LN2_HI is exact. The results are within 1 unit in the last place of the
 * exact value, as PyTorch's vectorised exp is (libm's is within ½); every
 * IEEE case (±inf, nan, overflow, subnormal results) comes out as libm's.
 * tests/lua/test_exp_poly.lua measures the error against libm.
 *
 * Only + − × / and comparisons are used, so the same bits come out of the
 * vector and scalar code, with and without AVX2 (the build does not
 * contract a×b + c into one rounding).
 */
#ifndef GRADCALC_OPS_EXP_POLY_H
#define GRADCALC_OPS_EXP_POLY_H

#include <stdint.h>
#include <string.h>

#define GC_LOG2E       1.44269504088896338700e+00
#define GC_LN2_HI      6.93147180369123816490e-01 /* 32 bits: n·LN2_HI is exact */
#define GC_LN2_LO      1.90821492927058770002e-10
#define GC_ROUND_SHIFT 6755399441055744.0 /* 1.5·2⁵²: adding it rounds to a whole number */

/* 2^k for a whole number k with −1022 ≤ k ≤ 1023, from its bits. */
static inline double gc_pow2i(double k)
{
    double shifted = k + GC_ROUND_SHIFT;
    uint64_t bits; /* the low bits of k + 1.5·2⁵² are k: unbias them, add the exponent's bias */
    memcpy(&bits, &shifted, sizeof bits);
    bits = (bits - UINT64_C(0x4338000000000000) + 1023) << 52;
    double p;
    memcpy(&p, &bits, sizeof p);
    return p;
}

/* (e^r − 1 − r)/r² for |r| ≤ 0.35: 1/2! + r/3! + … + r¹¹/13!, by Horner's rule. */
static inline double gc_exp_tail(double r)
{
    double q = 1.0 / 6227020800.0; /* 1/13! */
    q = q * r + 1.0 / 479001600.0;
    q = q * r + 1.0 / 39916800.0;
    q = q * r + 1.0 / 3628800.0;
    q = q * r + 1.0 / 362880.0;
    q = q * r + 1.0 / 40320.0;
    q = q * r + 1.0 / 5040.0;
    q = q * r + 1.0 / 720.0;
    q = q * r + 1.0 / 120.0;
    q = q * r + 1.0 / 24.0;
    q = q * r + 1.0 / 6.0;
    return q * r + 0.5;
}

/* e^x. Beyond ±746 the result is inf or 0 anyway, so x is clamped there
 * (which keeps n in range); nan stays nan through the arithmetic. */
static inline double gc_exp(double x)
{
    double xc = x > 746.0 ? 746.0 : x < -746.0 ? -746.0 : x;
    double n = (xc * GC_LOG2E + GC_ROUND_SHIFT) - GC_ROUND_SHIFT;
    double r_hi = xc - n * GC_LN2_HI, r_lo = -(n * GC_LN2_LO); /* r = r_hi + r_lo */
    double r = r_hi + r_lo;
    /* e^r = 1 + r_hi + (r_lo + r²·tail), with 1 + r_hi summed exactly as
     * t + e, so that only the last addition rounds */
    double t = 1.0 + r_hi, e = (1.0 - t) + r_hi;
    double er = t + (e + (r_lo + (r * r) * gc_exp_tail(r)));
    /* 2^n in two halves, each a normal number, so that results that
     * overflow or are subnormal round once, in the last product */
    double half = (n * 0.5 + GC_ROUND_SHIFT) - GC_ROUND_SHIFT;
    double y = er * gc_pow2i(half) * gc_pow2i(n - half);
    return x != x ? x : y;
}

/* e^x − 1 for |x| ≤ 41 (n ≥ −60, so 2^n is a normal number), accurate
 * near 0 where 1 + x loses digits: with x = n·ln 2 + r it is
 * (2^n − 1) + 2^n·r_hi + 2^n·(r_lo + r²·tail), where 2^n − 1 and 2^n·r_hi
 * are exact and their sum is kept with its rounding error. */
static inline double gc_expm1_near(double x)
{
    double n = (x * GC_LOG2E + GC_ROUND_SHIFT) - GC_ROUND_SHIFT;
    double r_hi = x - n * GC_LN2_HI, r_lo = -(n * GC_LN2_LO);
    double r = r_hi + r_lo;
    double scale = gc_pow2i(n), a = scale - 1.0, b = scale * r_hi;
    double sum = a + b, bb = sum - a, err = (a - (sum - bb)) + (b - bb); /* sum + err = a + b */
    return sum + (err + scale * (r_lo + (r * r) * gc_exp_tail(r)));
}

/* tanh |x| is −m/(2 + m) with m = e^(−2|x|) − 1 for |x| < 0.55, where
 * 1 − … would lose digits, and 1 − 2/(e^(2|x|) + 1) above, where m's error
 * would grow; the sign of x is put back (−0 stays −0). Past |x| = 20 it is
 * 1 in float64, so |x| is clamped there. */
static inline double gc_tanh(double x)
{
    double ax = x < 0 ? -x : x;
    ax = ax > 20.0 ? 20.0 : ax;
    double m = gc_expm1_near(-2.0 * ax);
    double small = (0.0 - m) / (2.0 + m);
    double large = 1.0 - 2.0 / (gc_exp(2.0 * ax) + 1.0);
    double t = ax < 0.55 ? small : large;
    return x < 0 || (x == 0 && 1.0 / x < 0) ? -t : t;
}

#endif

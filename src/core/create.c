/*
 * create.c - tensors made with their values: constants, the identity,
 * ranges, and random draws from gradcalc's seeded generator.
 */
#include "core/create.h"
#include "core/inplace.h"
#include "core/random.h"

Tensor *gc_full(int ndim, const int64_t *shape, double value)
{
    Tensor *t = gc_new(ndim, shape);
    if (t && value != 0) gc_fill_(t, value);
    return t;
}

Tensor *gc_eye(int64_t n, int64_t m)
{
    int64_t shape[2] = { n, m };
    if (n < 0 || m < 0) {
        gc_set_error("eye: sizes cannot be negative, got %lld and %lld", (long long)n,
                     (long long)m);
        return NULL;
    }
    if (gc_shape_numel(2, shape, "eye") < 0) return NULL;
    Tensor *t = gc_new(2, shape);
    if (t)
        for (int64_t i = 0; i < n && i < m; i++) t->data[i * m + i] = 1;
    return t;
}

Tensor *gc_arange(double a, double b, double step)
{
    if (step == 0) {
        gc_set_error("arange: step cannot be 0");
        return NULL;
    }
    double count = (b - a) / step;
    if (!(count < 1e12)) {
        gc_set_error("arange: from %f to %f by %f is too many values", a, b, step);
        return NULL;
    }
    /* the number of values a + i×step below b: count rounded up */
    int64_t n = count > 0 ? (int64_t)count + ((double)(int64_t)count < count) : 0;
    Tensor *t = gc_new(1, &n);
    if (t)
        for (int64_t i = 0; i < n; i++) t->data[i] = a + (double)i * step;
    return t;
}

Tensor *gc_linspace(double a, double b, int64_t n)
{
    if (n < 0) {
        gc_set_error("linspace: the number of points cannot be negative");
        return NULL;
    }
    Tensor *t = gc_new(1, &n);
    if (t) /* the ends exactly, whatever the rounding in between */
        for (int64_t i = 0; i < n; i++)
            t->data[i] = n == 1 ? a : i == n - 1 ? b : a + (b - a) * (double)i / (double)(n - 1);
    return t;
}

Tensor *gc_random(int ndim, const int64_t *shape, int normal)
{
    Tensor *t = gc_new(ndim, shape);
    if (t)
        for (int64_t i = 0; i < t->numel; i++) t->data[i] = normal ? gc_normal() : gc_uniform();
    return t;
}

/*
 * ops_matmul.c - matrix products, on OpenBLAS's dgemm.
 *
 * Shapes follow PyTorch's matmul: vector @ vector is a dot product,
 * a vector on the left is a row [1, k], on the right a column [k, 1] (the
 * extra dim is dropped from the result), and leading dims are batches that
 * broadcast: A[..., m, k] @ B[..., k, n] = C[..., m, n].
 */
#include <cblas.h>
#include <string.h>

#include "core/autograd.h"
#include "core/ops/matmul.h"

/* The product seen as batches of [m, k] @ [k, n]. */
typedef struct Product {
    int64_t m, k, n;
    int bdim;                 /* number of batch dims */
    int64_t batch[GC_MAXDIM]; /* broadcast batch shape */
    int64_t nbatch;
} Product;

static int product_of(const Tensor *a, const Tensor *b, Product *p, int complain)
{
    char b1[96], b2[96];
    if (a->ndim == 0 || b->ndim == 0) {
        if (complain)
            gc_set_error("matmul: both operands need at least one dimension, got shapes %s and %s "
                         "(use * to multiply by a scalar)",
                         gc_shape_str(a->ndim, a->shape, b1, sizeof b1),
                         gc_shape_str(b->ndim, b->shape, b2, sizeof b2));
        return -1;
    }
    p->m = a->ndim == 1 ? 1 : a->shape[a->ndim - 2];
    p->k = a->shape[a->ndim - 1];
    int64_t kb = b->ndim == 1 ? b->shape[0] : b->shape[b->ndim - 2];
    p->n = b->ndim == 1 ? 1 : b->shape[b->ndim - 1];
    if (p->k != kb) {
        if (complain)
            gc_set_error("matmul: shapes %s and %s cannot be multiplied: the first has %lld "
                         "columns but the second has %lld rows",
                         gc_shape_str(a->ndim, a->shape, b1, sizeof b1),
                         gc_shape_str(b->ndim, b->shape, b2, sizeof b2), (long long)p->k,
                         (long long)kb);
        return -1;
    }
    int na = a->ndim > 2 ? a->ndim - 2 : 0, nb = b->ndim > 2 ? b->ndim - 2 : 0;
    p->bdim = na > nb ? na : nb;
    p->nbatch = 1;
    for (int i = 0; i < p->bdim; i++) {
        int ia = na - p->bdim + i, ib = nb - p->bdim + i;
        int64_t sa = ia >= 0 ? a->shape[ia] : 1, sb = ib >= 0 ? b->shape[ib] : 1;
        if (sa != sb && sa != 1 && sb != 1) {
            if (complain)
                gc_set_error("matmul: batch dimensions of %s and %s do not broadcast: %lld vs %lld",
                             gc_shape_str(a->ndim, a->shape, b1, sizeof b1),
                             gc_shape_str(b->ndim, b->shape, b2, sizeof b2), (long long)sa,
                             (long long)sb);
            return -1;
        }
        p->batch[i] = sa == 1 ? sb : sa;
        p->nbatch *= p->batch[i];
    }
    return 0;
}

int64_t gc_matmul_batch_offset(const Tensor *t, int bdim, const int64_t *batch, int64_t index)
{
    int nt = t->ndim > 2 ? t->ndim - 2 : 0;
    int64_t offset = 0, stride = (t->ndim >= 2 ? t->shape[t->ndim - 2] : 1) * t->shape[t->ndim - 1];
    for (int i = bdim - 1; i >= 0; i--) {
        int64_t pos = index % batch[i];
        index /= batch[i];
        int it = nt - bdim + i;
        if (it < 0) continue;
        if (t->shape[it] != 1) offset += pos * stride;
        stride *= t->shape[it];
    }
    return offset;
}

static int64_t batch_offset(const Tensor *t, const Product *p, int64_t index)
{
    return gc_matmul_batch_offset(t, p->bdim, p->batch, index);
}

int gc_matmul_shape(Tensor *out)
{
    const Tensor *a = out->inputs[0], *b = out->inputs[1];
    Product p;
    if (product_of(a, b, &p, 1)) return -1;
    out->ndim = p.bdim;
    memcpy(out->shape, p.batch, (size_t)p.bdim * sizeof *p.batch);
    if (a->ndim > 1) out->shape[out->ndim++] = p.m;
    if (b->ndim > 1) out->shape[out->ndim++] = p.n;
    return 0;
}

/* Very large products (over 2^33 multiply-adds, a few seconds) run in
 * blocks of rows so that Ctrl-C is noticed. */
#define ROW_BLOCK 256

int gc_matmul_forward(Tensor *out)
{
    const Tensor *a = out->inputs[0], *b = out->inputs[1];
    Product p;
    product_of(a, b, &p, 0);
    if (p.k == 0) memset(out->data, 0, (size_t)out->numel * sizeof(double)); /* empty sums */
    if (p.m == 0 || p.n == 0 || p.k == 0) return 0;
    int64_t rows = p.m * p.n * p.k > ((int64_t)1 << 33) ? ROW_BLOCK : p.m;
    for (int64_t t = 0; t < p.nbatch; t++) {
        const double *A = a->data + batch_offset(a, &p, t), *B = b->data + batch_offset(b, &p, t);
        double *C = out->data + t * p.m * p.n;
        for (int64_t r = 0; r < p.m; r += rows) {
            int64_t mr = p.m - r < rows ? p.m - r : rows;
            if (gc_interrupt) return 0; /* gc_apply reports it */
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)mr, (int)p.n, (int)p.k, 1.0,
                        A + r * p.k, (int)p.k, B, (int)p.n, 0.0, C + r * p.n, (int)p.n);
        }
    }
    return 0;
}

/* ∂L/∂A += ∂L/∂C @ Bᵀ and ∂L/∂B += Aᵀ @ ∂L/∂C, batch by batch; a broadcast
 * batch adds all its batches into the same gradient. */
int gc_matmul_backward(Tensor *out)
{
    Tensor *a = out->inputs[0], *b = out->inputs[1];
    Product p;
    product_of(a, b, &p, 0);
    int need_a = gc_needs_grad(a), need_b = gc_needs_grad(b);
    if ((need_a && !gc_grad_of(a)) || (need_b && !gc_grad_of(b))) return -1;
    if (p.m == 0 || p.n == 0 || p.k == 0) return 0;
    for (int64_t t = 0; t < p.nbatch; t++) {
        int64_t oa = batch_offset(a, &p, t), ob = batch_offset(b, &p, t);
        const double *G = out->grad->data + t * p.m * p.n;
        if (need_a)
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)p.m, (int)p.k, (int)p.n, 1.0,
                        G, (int)p.n, b->data + ob, (int)p.n, 1.0, a->grad->data + oa, (int)p.k);
        if (need_b)
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)p.k, (int)p.n, (int)p.m, 1.0,
                        a->data + oa, (int)p.k, G, (int)p.n, 1.0, b->grad->data + ob, (int)p.n);
        if (gc_interrupted()) return -1;
    }
    return 0;
}

Tensor *gc_matmul(Tensor *a, Tensor *b)
{
    Tensor *in[2] = { a, b };
    return gc_apply(OP_MATMUL, 2, in, NULL);
}

Tensor *gc_dot(Tensor *a, Tensor *b)
{
    char b1[96], b2[96];
    if (a->ndim != 1 || b->ndim != 1 || a->numel != b->numel) {
        gc_set_error("dot: expected two 1-d tensors of the same length, got shapes %s and %s",
                     gc_shape_str(a->ndim, a->shape, b1, sizeof b1),
                     gc_shape_str(b->ndim, b->shape, b2, sizeof b2));
        return NULL;
    }
    return gc_matmul(a, b);
}

/*
 * npy.c - .npy files: "\x93NUMPY", a version, the header's length, then a
 * Python dict literal such as {'descr': '<f8', 'fortran_order': False,
 * 'shape': (2, 3), } padded with spaces to 64 bytes, then the values.
 *
 * The reader trusts nothing: the header must parse, the dtype be one
 * gradcalc converts, and the values it promises fill the rest exactly,
 * which is checked before the tensor is allocated.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/npy.h"

unsigned char *gc_npy_encode(const Tensor *t, size_t *len, const char *who)
{
    char head[512];
    int n = snprintf(head, sizeof head, "{'descr': '<f8', 'fortran_order': False, 'shape': (");
    for (int d = 0; d < t->ndim; d++)
        n += snprintf(head + n, sizeof head - (size_t)n, "%lld%s", (long long)t->shape[d],
                      t->ndim == 1      ? ","
                      : d + 1 < t->ndim ? ", "
                                        : "");
    n += snprintf(head + n, sizeof head - (size_t)n, "), }");
    size_t hlen = (size_t)n + 1; /* with the final newline */
    size_t pad = (64 - (10 + hlen) % 64) % 64;
    hlen += pad;
    size_t total = 10 + hlen + (size_t)t->numel * 8;
    unsigned char *buf = malloc(total);
    if (!buf) {
        gc_set_error("%s: out of memory (%zu bytes)", who, total);
        return NULL;
    }
    memcpy(buf, GC_NPY_MAGIC, GC_NPY_MAGIC_LEN);
    buf[6] = 1, buf[7] = 0; /* version 1.0 */
    buf[8] = (unsigned char)(hlen & 0xff), buf[9] = (unsigned char)(hlen >> 8);
    memcpy(buf + 10, head, (size_t)n);
    memset(buf + 10 + n, ' ', pad);
    buf[10 + hlen - 1] = '\n';
    unsigned char *p = buf + 10 + hlen;
    for (int64_t i = 0; i < t->numel; i++, p += 8) { /* little-endian on every machine */
        uint64_t u;
        memcpy(&u, &t->data[i], 8);
        for (int b = 0; b < 8; b++) p[b] = (unsigned char)(u >> (8 * b));
    }
    *len = total;
    return buf;
}

/* ---- reading ------------------------------------------------------------------ */

typedef struct Header {
    char order; /* '<' or '>' ('|' for one byte) */
    char kind;  /* f, i, u, b */
    int size;
    int fortran;
    int ndim;
    int64_t shape[GC_MAXDIM];
} Header;

/* The text after "key": in the dict h, or NULL. */
static const char *value_of(const char *h, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = h; (p = strstr(p, key)); p += n) {
        if (p == h || (p[-1] != '\'' && p[-1] != '"') || p[n] != p[-1]) continue;
        const char *q = p + n + 1;
        while (*q == ' ') q++;
        if (*q != ':') return NULL;
        q++;
        while (*q == ' ') q++;
        return q;
    }
    return NULL;
}

/* Parses the dict; a message for what is wrong, or NULL. */
static const char *parse_header(const char *h, Header *out)
{
    const char *v = value_of(h, "descr");
    if (!v || (*v != '\'' && *v != '"')) return "its header has no dtype ('descr')";
    char quote = *v++;
    out->order = '<';
    if (*v == '<' || *v == '>' || *v == '|' || *v == '=') out->order = *v++;
    if (out->order == '=') out->order = '<'; /* numpy writes '=' only for native: little here */
    out->kind = *v++;
    char *end;
    long size = strtol(v, &end, 10);
    if (end == v || *end != quote) return "its dtype is not one gradcalc reads";
    out->size = (int)size;
    int ok = (out->kind == 'f' && (size == 4 || size == 8)) ||
             ((out->kind == 'i' || out->kind == 'u') &&
              (size == 1 || size == 2 || size == 4 || size == 8)) ||
             (out->kind == 'b' && size == 1);
    if (!ok) return "its dtype is not one gradcalc reads (float64, float32, integers, bool)";

    v = value_of(h, "fortran_order");
    if (!v) return "its header has no 'fortran_order'";
    if (!strncmp(v, "True", 4))
        out->fortran = 1;
    else if (!strncmp(v, "False", 5))
        out->fortran = 0;
    else
        return "its header's 'fortran_order' is neither True nor False";

    v = value_of(h, "shape");
    if (!v || *v != '(') return "its header has no shape";
    v++;
    out->ndim = 0;
    for (;;) {
        while (*v == ' ') v++;
        if (*v == ')') break;
        if (!isdigit((unsigned char)*v)) return "its header's shape is not a tuple of sizes";
        if (out->ndim == GC_MAXDIM) return "its shape has more than 8 dims";
        long long s = strtoll(v, &end, 10);
        if (s < 0 || s > ((long long)1 << 40)) return "its header's shape has a size too large";
        out->shape[out->ndim++] = s;
        v = end;
        while (*v == ' ') v++;
        if (*v == ',')
            v++;
        else if (*v != ')')
            return "its header's shape is not a tuple of sizes";
    }
    return NULL;
}

/* The value of one element at p, as a double. */
static double element(const unsigned char *p, const Header *h)
{
    uint64_t u = 0;
    for (int b = 0; b < h->size; b++) {
        int at = h->order == '>' ? b : h->size - 1 - b;
        u = u << 8 | p[at];
    }
    switch (h->kind) {
    case 'f':
        if (h->size == 8) {
            double d;
            memcpy(&d, &u, 8);
            return d;
        } else {
            uint32_t w = (uint32_t)u;
            float f;
            memcpy(&f, &w, 4);
            return f;
        }
    case 'u': return (double)u;
    case 'b': return u != 0;
    default: { /* sign-extend from size bytes */
        int shift = 64 - 8 * h->size;
        return (double)((int64_t)(u << shift) >> shift);
    }
    }
}

Tensor *gc_npy_decode(const unsigned char *buf, size_t len, const char *name, const char *who)
{
    if (len < 10 || memcmp(buf, GC_NPY_MAGIC, GC_NPY_MAGIC_LEN) != 0) {
        gc_set_error("%s: '%s' is not a .npy file (it does not start with \\x93NUMPY)", who, name);
        return NULL;
    }
    int major = buf[6];
    size_t start, hlen;
    if (major == 1) {
        hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
        start = 10;
    } else if ((major == 2 || major == 3) && len >= 12) {
        hlen = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
        start = 12;
    } else {
        gc_set_error("%s: '%s' is a .npy file of version %d, which gradcalc does not read", who,
                     name, major);
        return NULL;
    }
    if (hlen > len - start) {
        gc_set_error("%s: '%s' is truncated: its header is %zu bytes long but the file ends "
                     "before that",
                     who, name, hlen);
        return NULL;
    }
    char *h = malloc(hlen + 1);
    if (!h) {
        gc_set_error("%s: out of memory", who);
        return NULL;
    }
    memcpy(h, buf + start, hlen);
    h[hlen] = '\0';
    Header head;
    const char *bad = strlen(h) != hlen ? "its header holds a NUL byte" : parse_header(h, &head);
    free(h);
    if (bad) {
        gc_set_error("%s: '%s' is not a .npy file gradcalc reads: %s", who, name, bad);
        return NULL;
    }
    int64_t numel = gc_shape_numel(head.ndim, head.shape, name);
    if (numel < 0) {
        char why[256];
        snprintf(why, sizeof why, "%s", gc_error());
        gc_set_error("%s: %s", who, why);
        return NULL;
    }
    size_t have = len - start - hlen;
    double want = (double)numel * head.size;
    if (want != (double)have) {
        gc_set_error("%s: '%s' is %s: its header promises %lld values of %d bytes (%.0f bytes) "
                     "but %zu follow",
                     who, name, want > (double)have ? "truncated" : "corrupt", (long long)numel,
                     head.size, want, have);
        return NULL;
    }
    Tensor *t = gc_new_node(head.ndim, head.shape, 0, 0);
    if (!t) return NULL;
    const unsigned char *p = buf + start + hlen;
    if (!head.fortran || head.ndim < 2) {
        for (int64_t i = 0; i < numel; i++) t->data[i] = element(p + i * head.size, &head);
        return t;
    }
    /* Fortran order: the first index varies fastest in the file. */
    int64_t idx[GC_MAXDIM] = { 0 };
    for (int64_t k = 0; k < numel; k++) {
        int64_t at = 0; /* C-order position of the element k of the file */
        for (int d = 0; d < head.ndim; d++) at = at * head.shape[d] + idx[d];
        t->data[at] = element(p + k * head.size, &head);
        for (int d = 0; d < head.ndim && ++idx[d] == head.shape[d]; d++) idx[d] = 0;
    }
    return t;
}

/*
 * idx.c - reading IDX files (MNIST, Fashion-MNIST), plain or gzipped,
 * through zlib's gz* functions, which read both.
 *
 * The header is trusted for nothing: the values it promises must fit in
 * what the file can hold (its size, or at most 1032 times it when
 * gzipped: deflate cannot do better) before a byte is allocated.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "data/idx.h"

#define DEFLATE_MAX_RATIO 1032

typedef struct IdxType {
    int code, size;
    const char *name;
} IdxType;

static const IdxType types[] = {
    { 0x08, 1, "unsigned byte" },  { 0x09, 1, "signed byte" },  { 0x0B, 2, "16-bit integer" },
    { 0x0C, 4, "32-bit integer" }, { 0x0D, 4, "32-bit float" }, { 0x0E, 8, "64-bit float" },
};

static const IdxType *find_type(int code)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (types[i].code == code) return &types[i];
    return NULL;
}

/* The big-endian value of type code at p. */
static double idx_value(const unsigned char *p, int code)
{
    switch (code) {
    case 0x08: return p[0];
    case 0x09: return (signed char)p[0];
    case 0x0B: return (int16_t)(uint16_t)((unsigned)p[0] << 8 | p[1]);
    case 0x0C:
        return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
    case 0x0D: {
        uint32_t u = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        float f;
        memcpy(&f, &u, sizeof f);
        return f;
    }
    default: {
        uint64_t u = 0;
        for (int i = 0; i < 8; i++) u = u << 8 | p[i];
        double d;
        memcpy(&d, &u, sizeof d);
        return d;
    }
    }
}

/* Reads exactly n bytes; 0, or -1 with the reason in *why. */
static int read_exact(gzFile f, unsigned char *buf, size_t n, const char **why)
{
    while (n > 0) {
        unsigned chunk = n > (1u << 30) ? 1u << 30 : (unsigned)n;
        int got = gzread(f, buf, chunk);
        if (got < 0 || (got == 0 && !gzeof(f))) {
            int code;
            const char *msg = gzerror(f, &code);
            *why = code == Z_DATA_ERROR ? "its compressed data is corrupt" : msg;
            return -1;
        }
        if (got == 0) {
            *why = "it is truncated (it ends before the values its header promises)";
            return -1;
        }
        if (gc_interrupt) {
            *why = "interrupted";
            return -1;
        }
        buf += got;
        n -= (size_t)got;
    }
    return 0;
}

Tensor *gc_idx_read(const char *path, double scale, double offset, int channel, const char *who)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        gc_set_error("%s: cannot open '%s': %s", who, path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        gc_set_error("%s: '%s' is not a regular file", who, path);
        return NULL;
    }
    gzFile f = gzopen(path, "rb");
    if (!f) {
        gc_set_error("%s: cannot open '%s': %s", who, path, errno ? strerror(errno) : "zlib");
        return NULL;
    }
    gzbuffer(f, 1 << 18);
    unsigned char head[4 + 4 * GC_MAXDIM], *raw = NULL;
    const char *why = NULL;
    Tensor *t = NULL;
    if (read_exact(f, head, 4, &why)) goto fail;
    const IdxType *type = find_type(head[2]);
    int ndim = head[3];
    if (head[0] != 0 || head[1] != 0 || !type) {
        why = "it is not an IDX file (its first bytes are not 0, 0, a type code)";
        goto fail;
    }
    if (ndim < 1 || ndim + (channel != 0) > GC_MAXDIM) {
        why = "its header names a number of dims gradcalc cannot hold (1 to 8)";
        goto fail;
    }
    if (read_exact(f, head + 4, (size_t)ndim * 4, &why)) goto fail;
    int64_t shape[GC_MAXDIM];
    int out_ndim = 0;
    for (int d = 0; d < ndim; d++) {
        const unsigned char *p = head + 4 + 4 * d;
        shape[out_ndim++] =
            (int64_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
        if (d == 0 && channel) shape[out_ndim++] = 1;
    }
    int64_t numel = gc_shape_numel(out_ndim, shape, who);
    if (numel < 0) {
        char why_numel[256];
        snprintf(why_numel, sizeof why_numel, "%s", gc_error());
        gc_set_error("%s: '%s' has a header that lies: %s", who, path, why_numel);
        gzclose(f);
        return NULL;
    }
    /* The sizes are below 2^32 each and numel below 2^30: no overflow. */
    double bytes = (double)numel * type->size, header = 4.0 + 4.0 * ndim;
    int plain = gzdirect(f);
    if (plain && bytes + header != (double)st.st_size) {
        gc_set_error("%s: '%s' is %s: its header promises %.0f values of %d bytes (%.0f bytes in "
                     "all) but the file has %lld",
                     who, path, bytes + header > (double)st.st_size ? "truncated" : "corrupt",
                     (double)numel, type->size, bytes + header, (long long)st.st_size);
        gzclose(f);
        return NULL;
    }
    if (!plain && bytes > (double)st.st_size * DEFLATE_MAX_RATIO + 1024) {
        gc_set_error("%s: '%s' has a header that lies: it promises %.0f bytes of values, more "
                     "than a gzip file of %lld bytes can hold",
                     who, path, bytes, (long long)st.st_size);
        gzclose(f);
        return NULL;
    }
    /* A gzipped file proves its size only as it inflates: the buffer grows
     * with what really comes out, and the tensor is made once it is all in. */
    size_t want = (size_t)bytes, have = 0,
           cap = plain || want < ((size_t)16 << 20) ? want : (size_t)16 << 20;
    raw = malloc(cap > 0 ? cap : 1);
    if (!raw) goto nomem;
    while (have < want) {
        if (have == cap) {
            size_t grown = cap * 2 < want ? cap * 2 : want;
            unsigned char *more = realloc(raw, grown);
            if (!more) goto nomem;
            raw = more, cap = grown;
        }
        if (read_exact(f, raw + have, cap - have, &why)) goto fail;
        have = cap;
    }
    if (!(t = gc_new_node(out_ndim, shape, 0, 0))) goto nomem;
    unsigned char extra;
    if (gzread(f, &extra, 1) != 0) {
        why = "it has bytes after the values its header promises (or its data is corrupt)";
        goto fail;
    }
    if (type->code == 0x08) { /* the common case, as fast as it can be */
        for (int64_t i = 0; i < numel; i++) t->data[i] = raw[i] * scale + offset;
    } else {
        for (int64_t i = 0; i < numel; i++)
            t->data[i] = idx_value(raw + i * type->size, type->code) * scale + offset;
    }
    free(raw);
    gzclose(f);
    return t;
nomem:
    gc_set_error("%s: out of memory reading '%s' (%.0f values)", who, path, (double)numel);
    goto fail_quiet;
fail:
    gc_set_error("%s: cannot read '%s': %s", who, path, why);
fail_quiet:
    free(raw);
    if (t) gc_release(t);
    gzclose(f);
    return NULL;
}

/*
 * zip.c - zip archives, as much of the format as .npz files use: no
 * encryption, no zip64 (entries under 4 GiB), methods stored and deflate.
 *
 * Reading starts from the end-of-directory record and trusts no offset or
 * size in it: each must point inside the archive, and a deflated entry may
 * not claim more than deflate can expand to (1032 times).
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/tensor.h"
#include "data/zip.h"

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8);
}
static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static unsigned get16(const unsigned char *p) { return p[0] | (unsigned)p[1] << 8; }
static uint32_t get32(const unsigned char *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* 1980-01-01 00:00: the archive is the same for the same tensors. */
#define DOS_TIME 0
#define DOS_DATE 0x21

unsigned char *gc_zip_store(const ZipEntry *entries, int n, size_t *len, const char *who)
{
    size_t total = 22;
    for (int i = 0; i < n; i++) {
        size_t nl = strlen(entries[i].name);
        if (entries[i].len >= 0xFFFFFFFFu || nl > 0xFFFF) {
            gc_set_error("%s: entry '%s' is too large for a zip archive without zip64", who,
                         entries[i].name);
            return NULL;
        }
        total += 30 + 46 + 2 * nl + entries[i].len;
    }
    if (total >= 0xFFFFFFFFu || n < 0 || n > 0xFFFF) {
        gc_set_error("%s: the archive would be over 4 GiB (zip64 is not written)", who);
        return NULL;
    }
    unsigned char *buf = malloc(total), *p = buf;
    uint32_t *offsets = malloc(sizeof *offsets * (size_t)(n ? n : 1));
    if (!buf || !offsets) {
        free(buf), free(offsets);
        gc_set_error("%s: out of memory (%zu bytes)", who, total);
        return NULL;
    }
    for (int i = 0; i < n; i++) { /* local headers and data */
        const ZipEntry *e = &entries[i];
        unsigned nl = (unsigned)strlen(e->name);
        uint32_t crc = (uint32_t)crc32(0, e->data, (uInt)e->len);
        offsets[i] = (uint32_t)(p - buf);
        put32(p, 0x04034b50), put16(p + 4, 20), put16(p + 6, 0), put16(p + 8, 0);
        put16(p + 10, DOS_TIME), put16(p + 12, DOS_DATE), put32(p + 14, crc);
        put32(p + 18, (uint32_t)e->len), put32(p + 22, (uint32_t)e->len);
        put16(p + 26, nl), put16(p + 28, 0);
        memcpy(p + 30, e->name, nl);
        memcpy(p + 30 + nl, e->data, e->len);
        p += 30 + nl + e->len;
    }
    unsigned char *dir = p;
    for (int i = 0; i < n; i++) { /* the central directory */
        const ZipEntry *e = &entries[i];
        unsigned nl = (unsigned)strlen(e->name);
        uint32_t crc = (uint32_t)crc32(0, e->data, (uInt)e->len);
        memset(p, 0, 46);
        put32(p, 0x02014b50), put16(p + 4, 20), put16(p + 6, 20);
        put16(p + 12, DOS_TIME), put16(p + 14, DOS_DATE), put32(p + 16, crc);
        put32(p + 20, (uint32_t)e->len), put32(p + 24, (uint32_t)e->len), put16(p + 28, nl);
        put32(p + 42, offsets[i]);
        memcpy(p + 46, e->name, nl);
        p += 46 + nl;
    }
    memset(p, 0, 22); /* end of central directory */
    put32(p, 0x06054b50), put16(p + 8, (unsigned)n), put16(p + 10, (unsigned)n);
    put32(p + 12, (uint32_t)(p - dir)), put32(p + 16, (uint32_t)(dir - buf));
    free(offsets);
    *len = total;
    return buf;
}

void gc_zip_free(ZipEntry *entries, int n)
{
    for (int i = 0; entries && i < n; i++) free(entries[i].name), free(entries[i].data);
    free(entries);
}

/* Inflates the raw deflate stream in[0..inlen) into exactly outlen bytes. */
static const char *inflate_exact(const unsigned char *in, size_t inlen, unsigned char *out,
                                 size_t outlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -15) != Z_OK) return "zlib could not start";
    z.next_in = (unsigned char *)in, z.avail_in = (uInt)inlen;
    z.next_out = out, z.avail_out = (uInt)outlen;
    int rc = inflate(&z, Z_FINISH);
    size_t produced = outlen - z.avail_out;
    if (rc == Z_BUF_ERROR && z.avail_out == 0) { /* room ran out: more data than it claims? */
        unsigned char extra;
        z.next_out = &extra, z.avail_out = 1;
        rc = inflate(&z, Z_FINISH);
        inflateEnd(&z);
        return rc == Z_STREAM_END && z.avail_out == 1 ? NULL
                                                      : "it inflates to more than its size says";
    }
    inflateEnd(&z);
    if (rc == Z_STREAM_END && produced == outlen) return NULL;
    if (rc == Z_DATA_ERROR) return "its deflated data is corrupt";
    return "its deflated data is truncated or shorter than its size says";
}

#define FAIL(...)                  \
    do {                           \
        gc_set_error(__VA_ARGS__); \
        gc_zip_free(list, count);  \
        return -1;                 \
    } while (0)

int gc_zip_read(const unsigned char *buf, size_t len, const char *name, ZipEntry **entries, int *n,
                const char *who)
{
    ZipEntry *list = NULL;
    int count = 0;
    /* the end record: 22 bytes, then a comment of up to 65535 */
    size_t eocd = (size_t)-1;
    for (size_t back = 22; back <= len && back <= 22 + 0xFFFF; back++)
        if (get32(buf + len - back) == 0x06054b50) {
            eocd = len - back;
            break;
        }
    if (eocd == (size_t)-1) FAIL("%s: '%s' is not a zip archive (no end of directory)", who, name);
    const unsigned char *e = buf + eocd;
    unsigned total = get16(e + 10);
    uint32_t dir_size = get32(e + 12), dir_off = get32(e + 16);
    if (get16(e + 4) != 0 || get16(e + 6) != 0 || get16(e + 8) != total)
        FAIL("%s: '%s' spans several disks, which gradcalc does not read", who, name);
    if (dir_off == 0xFFFFFFFFu || total == 0xFFFF)
        FAIL("%s: '%s' is a zip64 archive, which gradcalc does not read", who, name);
    if (dir_off > eocd || dir_size > eocd - dir_off || (size_t)total * 46 > dir_size)
        FAIL("%s: '%s' is corrupt: its directory lies outside the archive", who, name);
    list = calloc(total ? total : 1, sizeof *list);
    if (!list) FAIL("%s: out of memory", who);
    const unsigned char *p = buf + dir_off, *dir_end = buf + dir_off + dir_size;
    for (unsigned i = 0; i < total; i++) {
        if ((size_t)(dir_end - p) < 46 || get32(p) != 0x02014b50)
            FAIL("%s: '%s' is corrupt: entry %u of its directory is damaged", who, name, i + 1);
        unsigned flags = get16(p + 8), method = get16(p + 10);
        uint32_t crc = get32(p + 16), csize = get32(p + 20), usize = get32(p + 24);
        unsigned nl = get16(p + 28), xl = get16(p + 30), cl = get16(p + 32);
        uint32_t local = get32(p + 42);
        if ((size_t)(dir_end - p) < 46u + nl + xl + cl)
            FAIL("%s: '%s' is corrupt: entry %u of its directory is damaged", who, name, i + 1);
        char *ename = malloc(nl + 1);
        if (!ename) FAIL("%s: out of memory", who);
        memcpy(ename, p + 46, nl);
        ename[nl] = '\0';
        list[count].name = ename;
        count++;
        p += 46 + nl + xl + cl;
        if (strlen(ename) != nl)
            FAIL("%s: '%s' is corrupt: an entry's name holds a NUL", who, name);
        if (flags & 1) FAIL("%s: '%s': entry '%s' is encrypted", who, name, ename);
        if (csize == 0xFFFFFFFFu || usize == 0xFFFFFFFFu || local == 0xFFFFFFFFu)
            FAIL("%s: '%s': entry '%s' is in zip64 form, which gradcalc does not read", who, name,
                 ename);
        if (method != 0 && method != 8)
            FAIL("%s: '%s': entry '%s' is compressed with method %u (gradcalc reads stored and "
                 "deflated entries)",
                 who, name, ename, method);
        if ((size_t)local > len || len - local < 30 || get32(buf + local) != 0x04034b50)
            FAIL("%s: '%s' is corrupt: entry '%s' points outside the archive", who, name, ename);
        size_t start = (size_t)local + 30 + get16(buf + local + 26) + get16(buf + local + 28);
        if (start > len || csize > len - start)
            FAIL("%s: '%s' is truncated: entry '%s' runs past its end", who, name, ename);
        if (method == 0 && csize != usize)
            FAIL("%s: '%s' is corrupt: stored entry '%s' has two sizes", who, name, ename);
        if (method == 8 && (double)usize > (double)csize * 1032 + 64)
            FAIL("%s: '%s' lies: entry '%s' claims %lu bytes from %lu deflated", who, name, ename,
                 (unsigned long)usize, (unsigned long)csize);
        unsigned char *data = malloc(usize ? usize : 1);
        if (!data) FAIL("%s: out of memory reading '%s'", who, name);
        list[count - 1].data = data;
        list[count - 1].len = usize;
        if (method == 0) {
            memcpy(data, buf + start, usize);
        } else {
            const char *why = inflate_exact(buf + start, csize, data, usize);
            if (why) FAIL("%s: '%s': entry '%s': %s", who, name, ename, why);
        }
        if ((uint32_t)crc32(0, data, (uInt)usize) != crc)
            FAIL("%s: '%s' is corrupt: entry '%s' fails its CRC check", who, name, ename);
    }
    *entries = list;
    *n = count;
    return 0;
}

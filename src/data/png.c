/*
 * png.c - the smallest PNG a viewer accepts: the signature, an IHDR chunk
 * (8-bit RGB), one IDAT chunk (the rows, each after a 0 "no filter" byte,
 * deflated by zlib) and IEND. Each chunk ends with its CRC.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/tensor.h"
#include "data/png.h"

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* Writes a chunk at p (length, type, data, CRC); returns the end. */
static unsigned char *chunk(unsigned char *p, const char *type, const unsigned char *data, size_t n)
{
    put32(p, (uint32_t)n);
    memcpy(p + 4, type, 4);
    if (n) memcpy(p + 8, data, n);
    put32(p + 8 + n, (uint32_t)crc32(0, p + 4, (uInt)(n + 4)));
    return p + 12 + n;
}

unsigned char *gc_png_encode(const unsigned char *rgb, int w, int h, size_t *len, const char *who)
{
    if (w < 1 || h < 1 || w > 1 << 14 || h > 1 << 14) {
        gc_set_error("%s: a picture of %d×%d pixels cannot be written (1 to 16384 each way)", who,
                     w, h);
        return NULL;
    }
    size_t row = (size_t)w * 3 + 1, raw_len = row * (size_t)h;
    uLongf packed_len = compressBound((uLong)raw_len);
    unsigned char *raw = malloc(raw_len), *packed = malloc(packed_len);
    unsigned char *out = malloc(8 + 25 + 12 + packed_len + 12);
    if (!raw || !packed || !out) {
        free(raw), free(packed), free(out);
        gc_set_error("%s: out of memory", who);
        return NULL;
    }
    for (int y = 0; y < h; y++) {
        raw[y * row] = 0;
        memcpy(raw + y * row + 1, rgb + (size_t)y * w * 3, (size_t)w * 3);
    }
    if (compress2(packed, &packed_len, raw, (uLong)raw_len, 6) != Z_OK) {
        free(raw), free(packed), free(out);
        gc_set_error("%s: zlib could not compress the picture", who);
        return NULL;
    }
    unsigned char ihdr[13] = { 0 };
    put32(ihdr, (uint32_t)w), put32(ihdr + 4, (uint32_t)h);
    ihdr[8] = 8, ihdr[9] = 2; /* 8 bits, RGB; compression, filter, interlace 0 */
    memcpy(out, "\x89PNG\r\n\x1a\n", 8);
    unsigned char *p = chunk(out + 8, "IHDR", ihdr, 13);
    p = chunk(p, "IDAT", packed, packed_len);
    p = chunk(p, "IEND", NULL, 0);
    *len = (size_t)(p - out);
    free(raw), free(packed);
    return out;
}

/*
 * zip.h - the zip archives NumPy's .npz files are (zip.c): written with
 * every entry stored, read with entries stored or deflated (zlib).
 */
#ifndef GRADCALC_DATA_ZIP_H
#define GRADCALC_DATA_ZIP_H

#include <stddef.h>

#define GC_ZIP_MAGIC "PK\x03\x04"

typedef struct ZipEntry {
    char *name;          /* NUL-terminated */
    unsigned char *data; /* len bytes */
    size_t len;
} ZipEntry;

/* An archive of the n entries, each stored: a malloc'd buffer of *len
 * bytes, or NULL with gc_error() set. */
unsigned char *gc_zip_store(const ZipEntry *entries, int n, size_t *len, const char *who);

/* The entries of the archive buf[0..len): *entries becomes a malloc'd array
 * of *n entries, names and data malloc'd (gc_zip_free frees them). Sizes
 * are checked against the archive before anything is allocated, and every
 * entry against its CRC. 0, or -1 with gc_error() naming name. */
int gc_zip_read(const unsigned char *buf, size_t len, const char *name, ZipEntry **entries, int *n,
                const char *who);
void gc_zip_free(ZipEntry *entries, int n);

#endif

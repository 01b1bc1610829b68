/*
 * file.c - a whole file into memory, its size known before it is read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/tensor.h"
#include "data/file.h"

unsigned char *gc_read_bytes(const char *path, size_t *len, const char *who)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        gc_set_error("%s: cannot open '%s': %s", who, path, strerror(errno));
        if (f) fclose(f);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        gc_set_error("%s: '%s' is not a regular file", who, path);
        fclose(f);
        return NULL;
    }
    if ((int64_t)st.st_size > GC_MAX_BYTES) {
        gc_set_error("%s: '%s' is too large (%lld bytes; gradcalc reads up to %lld)", who, path,
                     (long long)st.st_size, (long long)GC_MAX_BYTES);
        fclose(f);
        return NULL;
    }
    size_t n = (size_t)st.st_size;
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf) {
        gc_set_error("%s: out of memory reading '%s' (%zu bytes)", who, path, n);
        fclose(f);
        return NULL;
    }
    if (fread(buf, 1, n, f) != n) {
        gc_set_error("%s: cannot read '%s': %s", who, path,
                     ferror(f) ? strerror(errno) : "it changed size while being read");
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

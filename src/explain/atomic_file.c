/*
 * atomic_file.c - files written whole or not at all: the text goes to
 * path.tmp, which is then renamed over path, so a reader (or a crash)
 * never sees half a file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tensor.h"
#include "explain/atomic_file.h"

int gc_write_atomic(const char *path, const char *text, const char *who)
{
    return gc_write_atomic_bytes(path, text, strlen(text), who);
}

int gc_write_atomic_bytes(const char *path, const void *bytes, size_t len, const char *who)
{
    size_t n = strlen(path) + 5;
    char *tmp = malloc(n);
    if (!tmp) {
        gc_set_error("%s: out of memory", who);
        return -1;
    }
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        gc_set_error("%s: cannot write '%s': %s", who, path, strerror(errno));
        free(tmp);
        return -1;
    }
    int bad = fwrite(bytes, 1, len, f) != len;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        gc_set_error("%s: cannot write '%s': %s", who, path, strerror(errno));
        remove(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

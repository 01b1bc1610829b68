/*
 * atomic_file.h - writing a file whole or not at all (atomic_file.c).
 */
#ifndef GRADCALC_ATOMIC_FILE_H
#define GRADCALC_ATOMIC_FILE_H

#include <stddef.h>

/* Writes text to path.tmp, then renames it to path: a reader never sees
 * half a file. 0, or -1 with gc_error() naming who and the path. */
int gc_write_atomic(const char *path, const char *text, const char *who);

/* The same for len bytes that may hold NULs (binary files). */
int gc_write_atomic_bytes(const char *path, const void *bytes, size_t len, const char *who);

#endif

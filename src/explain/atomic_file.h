/*
 * atomic_file.h - writing a file whole or not at all (atomic_file.c).
 */
#ifndef GRADCALC_ATOMIC_FILE_H
#define GRADCALC_ATOMIC_FILE_H

/* Writes text to path.tmp, then renames it to path: a reader never sees
 * half a file. 0, or -1 with gc_error() naming who and the path. */
int gc_write_atomic(const char *path, const char *text, const char *who);

#endif

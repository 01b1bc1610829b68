/*
 * file.h - reading a whole file into memory (file.c), for the readers of
 * .npy and .npz files, which need all of it.
 */
#ifndef GRADCALC_DATA_FILE_H
#define GRADCALC_DATA_FILE_H

#include <stddef.h>

/* A malloc'd copy of the file at path (*len bytes), or NULL with gc_error()
 * naming who and the path. Files over GC_MAX_BYTES are refused. */
unsigned char *gc_read_bytes(const char *path, size_t *len, const char *who);

#endif

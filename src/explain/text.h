/*
 * text.h - a growing string: add to it with printf formats, then take the
 * result (or NULL, out of memory) from gc_text_finish.
 */
#ifndef GRADCALC_TEXT_H
#define GRADCALC_TEXT_H

#include <stddef.h>

typedef struct Text {
    char *s;
    size_t len, cap;
    int failed;
} Text;

void gc_text_add(Text *t, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The finished string (the caller frees it), "" when nothing was added;
 * NULL with gc_error() "who: out of memory" when an addition failed. */
char *gc_text_finish(Text *t, const char *who);

/* Columns a UTF-8 string of len bytes takes on a terminal: one per
 * character (gradcalc's symbols are all one column wide). */
size_t gc_text_columns(const char *s, size_t len);

#endif

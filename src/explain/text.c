/*
 * text.c - a growing string, for everything gradcalc prints: tensors,
 * traces, graphs and plots. Allocation failure is remembered and reported
 * once, at the end, by gc_text_finish.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/tensor.h"
#include "explain/text.h"

void gc_text_add(Text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || t->failed) return;
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t cap = (t->len + (size_t)n + 1) * 2;
        char *s = realloc(t->s, cap);
        if (!s) {
            t->failed = 1;
            return;
        }
        t->s = s, t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

char *gc_text_finish(Text *t, const char *who)
{
    if (t->failed || !t->s) {
        if (!t->failed && !t->s) { /* nothing was written: an empty string */
            t->s = calloc(1, 1);
            if (t->s) return t->s;
        }
        free(t->s);
        gc_set_error("%s: out of memory", who);
        return NULL;
    }
    return t->s;
}

size_t gc_text_columns(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80; /* not a continuation byte */
    return n;
}

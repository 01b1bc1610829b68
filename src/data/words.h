/*
 * words.h - words of Debian's word lists as sequences of characters
 * (words.c): UTF-8 decoded, lower-cased, and kept only when they are
 * plain words.
 */
#ifndef GRADCALC_DATA_WORDS_H
#define GRADCALC_DATA_WORDS_H

#include <stddef.h>

/*
 * Writes the word in[0..n) in lower case into out (room for n bytes: lower
 * case never takes more) and returns its number of characters, or -1 when
 * it is not a plain word: invalid UTF-8, a character that is not a Latin
 * letter (an apostrophe, a digit, a hyphen), or more than one capital (an
 * acronym such as ABC).
 */
int gc_word_normalize(const char *in, size_t n, char *out, size_t *outlen);

#endif

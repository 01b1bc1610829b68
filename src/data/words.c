/*
 * words.c - one line of a word list to a lower-case word. Letters are
 * a-z and U+00DF..U+024F (Latin-1 and Latin Extended-A and -B) except ÷;
 * capitals of U+00C0..U+017F are lowered.
 */
#include <stdint.h>

#include "data/words.h"

/* Lower case of a code point: ASCII, Latin-1 and Latin Extended-A capitals. */
static uint32_t lower(uint32_t cp)
{
    if (cp >= 'A' && cp <= 'Z') return cp + 32;
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 32;
    if ((cp >= 0x100 && cp <= 0x137 && cp != 0x130) || (cp >= 0x14A && cp <= 0x177))
        return cp % 2 == 0 ? cp + 1 : cp; /* capitals at even points */
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
        return cp % 2 == 1 ? cp + 1 : cp; /* capitals at odd points */
    if (cp == 0x178) return 0xFF;
    return cp;
}

static int is_letter(uint32_t cp)
{
    return (cp >= 'a' && cp <= 'z') || (cp >= 0xDF && cp <= 0x24F && cp != 0xF7);
}

int gc_word_normalize(const char *in, size_t n, char *out, size_t *outlen)
{
    const unsigned char *p = (const unsigned char *)in, *end = p + n;
    size_t o = 0;
    int chars = 0, capitals = 0;
    while (p < end) {
        uint32_t cp;
        if (p[0] < 0x80) {
            cp = *p++;
        } else if ((p[0] & 0xE0) == 0xC0 && end - p >= 2 && (p[1] & 0xC0) == 0x80) {
            cp = (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
            if (cp < 0x80) return -1; /* overlong */
            p += 2;
        } else {
            return -1; /* longer sequences are no Latin letter either */
        }
        uint32_t low = lower(cp);
        capitals += low != cp;
        if (!is_letter(low) || capitals > 1) return -1;
        if (low < 0x80) {
            out[o++] = (char)low;
        } else {
            out[o++] = (char)(0xC0 | low >> 6);
            out[o++] = (char)(0x80 | (low & 0x3F));
        }
        chars++;
    }
    *outlen = o;
    return chars;
}

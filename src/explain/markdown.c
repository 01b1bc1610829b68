/*
 * markdown.c - terminal text (a trace, an explain) as Markdown, each
 * formula line as LaTeX math, for handouts and notes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain/markdown.h"
#include "explain/text.h"

static const struct {
    const char *from, *to;
} latex[] = {
    { "∂", "\\partial " }, { "×", "\\times " }, { "·", "\\cdot " },  { "σ", "\\sigma" },
    { "Σ", "\\Sigma" },    { "−", "-" },        { "√", "\\sqrt" },   { "ᵀ", "^{T}" },
    { "²", "^{2}" },       { "→", "\\to " },    { "…", "\\ldots " }, { "ᵢ", "_i" },
    { "ⱼ", "_j" },         { "ₖ", "_k" },       { "ₙ", "_n" },       { "{", "\\{" },
    { "}", "\\}" },        { "%", "\\%" },      { "&", "\\&" },      { "#", "\\#" },
    { "|", "\\vert " },    { "$", "\\$" },      { "~", "\\sim " },   { NULL, NULL },
};

static void math_line(Text *out, const char *s, size_t len)
{
    const char *end = s + len;
    while (s < end) {
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) {
            /* Two or more plain words in a row are prose: \text{...}. */
            const char *r = s;
            int words = 0;
            while (r < end) {
                const char *w = r;
                while (r < end &&
                       ((*r >= 'a' && *r <= 'z') || (*r >= 'A' && *r <= 'Z') || *r == '\''))
                    r++;
                if (r == w || (r < end && ((*r >= '0' && *r <= '9') || *r == '_'))) {
                    r = w;
                    break;
                }
                words++;
                while (r < end && (*r == ' ' || *r == ',')) r++;
            }
            while (r > s && (r[-1] == ' ' || r[-1] == ',')) r--;
            if (words >= 2) {
                gc_text_add(out, "\\text{%.*s}", (int)(r - s), s);
                s = r;
                continue;
            }
            const char *w = s;
            while (s < end && ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                               (*s >= '0' && *s <= '9') || *s == '_'))
                s++;
            if (s - w == 1) {
                gc_text_add(out, "%c", *w);
                continue;
            }
            gc_text_add(out, "\\mathrm{");
            for (; w < s; w++) gc_text_add(out, *w == '_' ? "\\_" : "%c", *w);
            gc_text_add(out, "}");
            continue;
        }
        if (*s >= '0' && *s <= '9') { /* a number, 1.5e-05 included */
            const char *w = s;
            while (s < end && ((*s >= '0' && *s <= '9') || *s == '.')) s++;
            if (s < end && *s == 'e' && s + 1 < end && (s[1] == '-' || s[1] == '+')) s += 2;
            while (s < end && *s >= '0' && *s <= '9') s++;
            gc_text_add(out, "%.*s", (int)(s - w), w);
            continue;
        }
        if (*s == '^' && s + 1 < end && s[1] == '(') { /* a^(b−1): LaTeX needs a^{b-1} */
            const char *close = s + 2;
            int depth = 1;
            while (close < end && (depth += *close == '(' ? 1 : *close == ')' ? -1 : 0) > 0)
                close++;
            if (close < end) {
                gc_text_add(out, "^{");
                math_line(out, s + 2, (size_t)(close - s - 2));
                gc_text_add(out, "}");
                s = close + 1;
                continue;
            }
        }
        int done = 0;
        for (int i = 0; latex[i].from && !done; i++) {
            size_t n = strlen(latex[i].from);
            if ((size_t)(end - s) >= n && !memcmp(s, latex[i].from, n)) {
                gc_text_add(out, "%s", latex[i].to);
                s += n, done = 1;
            }
        }
        if (done) continue;
        if ((unsigned char)*s >= 0x80) { /* any other character, as text */
            const char *w = s++;
            while (s < end && ((unsigned char)*s & 0xC0) == 0x80) s++;
            gc_text_add(out, "\\text{%.*s}", (int)(s - w), w);
            continue;
        }
        gc_text_add(out, "%c", *s++);
    }
}

char *gc_trace_markdown(const char *text, const char *title)
{
    Text out = { 0 };
    gc_text_add(&out, "## %s\n\n", title);
    while (*text) {
        const char *nl = strchr(text, '\n');
        size_t len = nl ? (size_t)(nl - text) : strlen(text);
        const char *s = text;
        while (s < text + len && *s == ' ') s++;
        size_t rest = len - (size_t)(s - text);
        if (rest == 0)
            gc_text_add(&out, "\n");
        else if (!strncmp(s, "note:", 5) || !strncmp(s, "(", 1) || !memchr(s, '=', rest))
            gc_text_add(&out, s == text ? "**%.*s**\n\n" : "%.*s\n\n", (int)rest, s);
        else {
            gc_text_add(&out, "$$");
            math_line(&out, s, rest);
            gc_text_add(&out, "$$\n\n");
        }
        text += len + (nl != NULL);
    }
    return gc_text_finish(&out, "markdown");
}

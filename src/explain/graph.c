/*
 * graph.c - the text every trace is made of (a growing string, values of
 * tensors), the computation graph drawn (boxes in the terminal, Graphviz
 * DOT), the Markdown form of any trace, and writing files atomically.
 *
 * The box drawing puts every node in a layer one below its deepest input,
 * so data flows from the inputs at the top to the result at the bottom:
 *
 *   ┌──────────────┐ ┌──────────────┐
 *   │ w1           │ │ x1           │
 *   │ input        │ │ input        │
 *   │ value 0.15   │ │ value 0.05   │
 *   │ → t1         │ │ → t1         │
 *   └──────────────┘ └──────────────┘
 *          ↓                ↓
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/op_table.h"
#include "explain/print.h"
#include "explain/trace.h"

#define ROW_WIDTH 100 /* boxes wrap to a new row past this many columns */
#define BOX_TEXT  28  /* longest text line inside a box */

static const char *num(const TraceOptions *o, double v, char *buf, size_t size)
{
    return gc_format_number(gc_trace_round(o, v), o->precision, buf, size);
}

static void nested(Text *out, const Tensor *t, const double *data, const TraceOptions *o, int dim,
                   int64_t offset, int64_t stride)
{
    char b[64];
    if (dim == t->ndim) {
        gc_text_add(out, "%s", num(o, data[offset], b, sizeof b));
        return;
    }
    int64_t n = t->shape[dim], inner = n ? stride / n : 0;
    gc_text_add(out, "[");
    for (int64_t k = 0; k < n; k++) {
        if (k) gc_text_add(out, ", ");
        nested(out, t, data, o, dim + 1, offset + k * inner, inner);
    }
    gc_text_add(out, "]");
}

void gc_text_values(Text *out, const Tensor *t, const double *data, const TraceOptions *o)
{
    char b1[64], b2[64], b3[96];
    if (!data) data = t->data;
    if (t->numel <= GC_TRACE_SMALL) {
        nested(out, t, data, o, 0, 0, t->numel);
        return;
    }
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    for (int64_t i = 0; i < t->numel; i++) {
        lo = data[i] < lo ? data[i] : lo;
        hi = data[i] > hi ? data[i] : hi;
        sum += data[i];
    }
    gc_text_add(out, "shape %s: min %s, mean ", gc_shape_str(t->ndim, t->shape, b3, sizeof b3),
                num(o, lo, b1, sizeof b1));
    gc_text_add(out, "%s, max %s", num(o, sum / (double)t->numel, b1, sizeof b1),
                num(o, hi, b2, sizeof b2));
}

/* ---- boxes ---------------------------------------------------------------------- */

/* Columns a UTF-8 string takes (one per character). */
static int columns(const char *s)
{
    int n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Copies at most max columns of s into out (UTF-8 safe), with … when cut. */
static void clip(char *out, size_t size, const char *s, int max)
{
    size_t i = 0, o = 0;
    int cols = 0;
    while (s[i] && o + 8 < size) {
        if (((unsigned char)s[i] & 0xC0) != 0x80 && ++cols > max) {
            memcpy(out + o, "…", 3), o += 3;
            break;
        }
        out[o++] = s[i++];
    }
    out[o] = 0;
}

static void name_of(const Tensor *t, const TraceOptions *o, char *buf, size_t size)
{
    if (t->name || !t->op)
        gc_trace_label(t, o, buf, size);
    else
        snprintf(buf, size, "(%s)", t->op->name);
}

/* The text of a tensor's values, clipped to a box line. */
static void values_line(char *out, size_t size, const char *prefix, const Tensor *t,
                        const double *data, const TraceOptions *o)
{
    Text v = { 0 };
    gc_text_add(&v, "%s", prefix);
    gc_text_values(&v, t, data, o);
    clip(out, size, v.failed ? "?" : v.s, BOX_TEXT);
    free(v.s);
}

typedef struct Box {
    char line[5][160];
    int nlines, width;
} Box;

static void draw_row(Text *out, Box *boxes, int nb, const int *feeds)
{
    int height = 0;
    for (int i = 0; i < nb; i++) height = boxes[i].nlines > height ? boxes[i].nlines : height;
    for (int i = 0; i < nb; i++) {
        gc_text_add(out, "%s┌", i ? " " : "");
        for (int c = 0; c < boxes[i].width + 2; c++) gc_text_add(out, "─");
        gc_text_add(out, "┐");
    }
    gc_text_add(out, "\n");
    for (int l = 0; l < height; l++) {
        for (int i = 0; i < nb; i++) {
            const char *s = l < boxes[i].nlines ? boxes[i].line[l] : "";
            gc_text_add(out, "%s│ %s%*s │", i ? " " : "", s, boxes[i].width - columns(s), "");
        }
        gc_text_add(out, "\n");
    }
    for (int i = 0; i < nb; i++) {
        gc_text_add(out, "%s└", i ? " " : "");
        for (int c = 0; c < boxes[i].width + 2; c++) gc_text_add(out, "─");
        gc_text_add(out, "┘");
    }
    gc_text_add(out, "\n");
    int any = 0;
    for (int i = 0; i < nb; i++) any |= feeds[i];
    if (!any) return;
    for (int i = 0; i < nb; i++) {
        int w = boxes[i].width + 4, left = (w - 1) / 2;
        gc_text_add(out, "%s%*s%s%*s", i ? " " : "", left, "", feeds[i] ? "↓" : " ", w - left - 1,
                    "");
    }
    gc_text_add(out, "\n");
}

char *gc_graph_boxes(Tensor *root, const TraceOptions *o, int max_nodes)
{
    int64_t n;
    Tensor **order = gc_trace_order(root, &n);
    if (!order) return NULL;
    Text out = { 0 };
    int *layer = calloc((size_t)n, sizeof *layer);
    Box *boxes = malloc((size_t)(n ? n : 1) * sizeof *boxes);
    int *feeds = calloc((size_t)n + 1, sizeof *feeds);
    if (!layer || !boxes || !feeds) {
        free(order), free(layer), free(boxes), free(feeds);
        gc_set_error("graph: out of memory");
        return NULL;
    }
    /* The nodes drawn: all but scalar constants, the last max_nodes of them. */
    int64_t shown = 0, first = n;
    for (int64_t k = n - 1; k >= 0; k--) {
        Tensor *t = order[k];
        if (!t->op && !t->requires_grad && t->numel == 1) continue;
        if (shown == max_nodes) break;
        shown++, first = k;
    }
    int64_t hidden = 0;
    for (int64_t k = 0; k < first; k++) {
        Tensor *t = order[k];
        hidden += !(!t->op && !t->requires_grad && t->numel == 1);
    }
    int maxlayer = 0;
    for (int64_t k = first; k < n; k++) {
        Tensor *t = order[k];
        for (int i = 0; i < t->ninputs; i++)
            for (int64_t j = first; j < k; j++) /* graphs drawn here are small */
                if (order[j] == t->inputs[i] && layer[j] + 1 > layer[k]) layer[k] = layer[j] + 1;
        if (layer[k] > maxlayer) maxlayer = layer[k];
    }
    if (hidden)
        gc_text_add(&out, "(%lld earlier nodes hidden; graph(E, {max=n}) draws more)\n",
                    (long long)hidden);
    for (int L = 0; L <= maxlayer; L++) {
        int nb = 0, width = 0;
        for (int64_t k = first; k < n; k++) {
            Tensor *t = order[k];
            if (layer[k] != L || (!t->op && !t->requires_grad && t->numel == 1)) continue;
            Box *b = &boxes[nb];
            char name[128];
            name_of(t, o, name, sizeof name);
            clip(b->line[0], sizeof b->line[0], name, BOX_TEXT);
            if (t->op) {
                Text f = { 0 };
                gc_text_add(&f, "%s(", t->op->name);
                for (int i = 0; i < t->ninputs; i++) {
                    name_of(t->inputs[i], o, name, sizeof name);
                    gc_text_add(&f, "%s%s", i ? ", " : "", name);
                }
                gc_text_add(&f, ")");
                clip(b->line[1], sizeof b->line[1], f.failed ? "?" : f.s, BOX_TEXT);
                free(f.s);
            } else {
                snprintf(b->line[1], sizeof b->line[1], "%s",
                         t->requires_grad ? "input" : "constant");
            }
            values_line(b->line[2], sizeof b->line[2], "value ", t, NULL, o);
            b->nlines = 3;
            if (t->grad)
                values_line(b->line[b->nlines++], sizeof b->line[0], "grad ", t, t->grad->data, o);
            Text users = { 0 };
            int nu = 0;
            for (int64_t j = k + 1; j < n; j++)
                for (int i = 0; i < order[j]->ninputs; i++)
                    if (order[j]->inputs[i] == t) {
                        name_of(order[j], o, name, sizeof name);
                        gc_text_add(&users, "%s%s", nu++ ? ", " : "→ ", name);
                        break;
                    }
            feeds[nb] = nu > 0;
            if (nu)
                clip(b->line[b->nlines++], sizeof b->line[0], users.failed ? "?" : users.s,
                     BOX_TEXT);
            free(users.s);
            b->width = 0;
            for (int l = 0; l < b->nlines; l++)
                if (columns(b->line[l]) > b->width) b->width = columns(b->line[l]);
            if (nb && width + b->width + 5 > ROW_WIDTH) { /* wrap: draw what fits */
                Box keep = *b;
                int keepfeeds = feeds[nb];
                draw_row(&out, boxes, nb, feeds);
                boxes[0] = keep, feeds[0] = keepfeeds, nb = 0, width = 0;
                b = &boxes[0];
            }
            width += b->width + 5;
            nb++;
        }
        if (nb) draw_row(&out, boxes, nb, feeds);
    }
    free(order), free(layer), free(boxes), free(feeds);
    return gc_text_finish(&out, "graph");
}

/* ---- Graphviz DOT ---------------------------------------------------------------- */

/* Text inside a record label: the record's own characters escaped. */
static void record_text(Text *out, const char *s)
{
    for (; *s; s++) {
        if (strchr("{}|<>\"\\", *s))
            gc_text_add(out, "\\%c", *s);
        else
            gc_text_add(out, "%c", *s);
    }
}

char *gc_graph_dot(Tensor *root, const TraceOptions *o)
{
    int64_t n;
    Tensor **order = gc_trace_order(root, &n);
    if (!order) return NULL;
    Text out = { 0 };
    char name[128];
    gc_text_add(&out, "digraph gradcalc {\n  rankdir=LR;\n"
                      "  node [shape=record, fontname=\"Helvetica\"];\n");
    for (int64_t k = 0; k < n; k++) {
        Tensor *t = order[k];
        Text v = { 0 };
        gc_text_add(&out, "  n%llu [label=\"{ ", (unsigned long long)t->id);
        name_of(t, o, name, sizeof name);
        record_text(&out, name);
        gc_text_values(&v, t, NULL, o);
        gc_text_add(&out, " | value ");
        record_text(&out, v.failed ? "?" : v.s);
        if (t->grad) {
            v.len = 0;
            gc_text_values(&v, t, t->grad->data, o);
            gc_text_add(&out, " | grad ");
            record_text(&out, v.failed ? "?" : v.s);
        }
        free(v.s);
        gc_text_add(&out, " }\"];\n");
        if (!t->op) continue;
        gc_text_add(&out, "  n%llu_op [label=\"", (unsigned long long)t->id);
        record_text(&out, t->op->symbol);
        gc_text_add(&out, "\", shape=circle];\n  n%llu_op -> n%llu;\n", (unsigned long long)t->id,
                    (unsigned long long)t->id);
        for (int i = 0; i < t->ninputs; i++)
            gc_text_add(&out, "  n%llu -> n%llu_op;\n", (unsigned long long)t->inputs[i]->id,
                        (unsigned long long)t->id);
    }
    gc_text_add(&out, "}\n");
    free(order);
    return gc_text_finish(&out, "dot");
}

/* ---- Markdown with LaTeX ------------------------------------------------------------ */

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

/* ---- files -------------------------------------------------------------------------- */

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

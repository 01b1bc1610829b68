/*
 * plot.c - line charts for loss curves: braille text for the terminal and
 * SVG files.
 *
 * A braille character is a cell of 2×4 dots, so a chart of width×height
 * characters is a canvas of (2×width)×(4×height) dots. Each value becomes a
 * dot, and consecutive dots are joined by straight lines (Bresenham).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain/plot.h"
#include "explain/print.h"
#include "explain/text.h"

/* ---- the range of the values -------------------------------------------------------- */

typedef struct Range {
    double lo, hi;
    int64_t finite;
} Range;

static Range range_of(const double *v, int64_t n)
{
    Range r = { INFINITY, -INFINITY, 0 };
    for (int64_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            r.lo = fmin(r.lo, v[i]), r.hi = fmax(r.hi, v[i]);
            r.finite++;
        }
    return r;
}

static int check_values(const double *v, int64_t n, Range *r)
{
    if (n <= 0) {
        gc_set_error("plot: nothing to plot, the list of values is empty");
        return -1;
    }
    *r = range_of(v, n);
    if (r->finite == 0) {
        gc_set_error("plot: none of the %lld values is a finite number (all are nan or inf)",
                     (long long)n);
        return -1;
    }
    return 0;
}

/* ---- braille canvas ------------------------------------------------------------------ */

/* The bit of the dot at column dx (0-1), row dy (0-3) of a braille cell,
 * whose character is U+2800 + the bits. */
static const unsigned char dot_bit[4][2] = {
    { 0x01, 0x08 }, { 0x02, 0x10 }, { 0x04, 0x20 }, { 0x40, 0x80 }
};

typedef struct Canvas {
    int width, height;
    unsigned char *cells;
} Canvas; /* cells: height×width */

static void set_dot(Canvas *c, int x, int y)
{
    if (x < 0 || y < 0 || x >= 2 * c->width || y >= 4 * c->height) return;
    c->cells[(y / 4) * c->width + x / 2] |= dot_bit[y % 4][x % 2];
}

static void line(Canvas *c, int x0, int y0, int x1, int y1)
{
    int dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    for (;;) {
        set_dot(c, x0, y0);
        if (x0 == x1 && y0 == y1) break;
        int e2 = 2 * err;
        if (e2 >= dy) err += dy, x0 += sx;
        if (e2 <= dx) err += dx, y0 += sy;
    }
}

/* Position of value i on an axis of `size` units: x from the left, y from
 * the top (the maximum at 0). A flat series sits in the middle. */
static double x_pos(int64_t i, int64_t n, double size)
{
    return n == 1 ? 0 : (double)i * size / (double)(n - 1);
}
static double y_pos(double v, Range r, double size)
{
    return r.hi == r.lo ? size / 2 : (r.hi - v) / (r.hi - r.lo) * size;
}

/* Appends the note on skipped values, listing the first few steps. */
static void note_skipped(Text *t, const double *v, int64_t n, int64_t finite)
{
    if (finite == n) return;
    gc_text_add(t, "note: %lld non-finite value%s (nan/inf) skipped, at step%s",
                (long long)(n - finite), n - finite == 1 ? "" : "s", n - finite == 1 ? "" : "s");
    int listed = 0;
    for (int64_t i = 0; i < n && listed < 5; i++)
        if (!isfinite(v[i])) gc_text_add(t, "%s %lld", listed++ ? "," : "", (long long)i + 1);
    gc_text_add(t, "%s\n", n - finite > 5 ? ", …" : "");
}

char *gc_plot_text(const double *v, int64_t n, int width, int height, const char *title)
{
    Range r;
    if (check_values(v, n, &r)) return NULL;
    Canvas c = { width, height, calloc((size_t)width * (size_t)height, 1) };
    if (!c.cells) {
        gc_set_error("plot: out of memory");
        return NULL;
    }
    int px = -1, py = -1; /* the previous dot; -1 after a gap */
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) {
            px = -1;
            continue;
        }
        int x = (int)lround(x_pos(i, n, 2 * width - 1)),
            y = (int)lround(y_pos(v[i], r, 4 * height - 1));
        if (px < 0)
            set_dot(&c, x, y);
        else
            line(&c, px, py, x, y);
        px = x, py = y;
    }

    /* y labels: the maximum on the top row, the minimum on the bottom one */
    char hi[32], lo[32];
    gc_format_number(r.hi, 4, hi, sizeof hi);
    gc_format_number(r.lo, 4, lo, sizeof lo);
    int margin = (int)(strlen(hi) > strlen(lo) ? strlen(hi) : strlen(lo));
    Text t = { 0 };
    if (title) gc_text_add(&t, "%*s  %s\n", margin, "", title);
    for (int row = 0; row < height; row++) {
        const char *label = row == 0 ? hi : row == height - 1 ? lo : "";
        gc_text_add(&t, "%*s %s", margin, label, *label ? "┤" : "│");
        for (int col = 0; col < width; col++) {
            unsigned bits = c.cells[row * width + col];
            if (bits)
                gc_text_add(&t, "%c%c%c", 0xE2, 0xA0 + (bits >> 6),
                            0x80 + (bits & 0x3F)); /* UTF-8 of U+2800+bits */
            else
                gc_text_add(&t, " ");
        }
        gc_text_add(&t, "\n");
    }
    gc_text_add(&t, "%*s └", margin, "");
    for (int col = 0; col < width; col++) gc_text_add(&t, "─");
    gc_text_add(&t, "\n");

    /* x labels: the step numbers 1, the middle one and n, under their
     * columns (the middle one only where it fits); ASCII, one byte a column */
    char *xl = calloc((size_t)width + 64, 1);
    if (xl) {
        char first[24], middle[24], last[24];
        int lf = snprintf(first, sizeof first, "1");
        int lm = snprintf(middle, sizeof middle, "%lld", (long long)(n + 1) / 2);
        int ll = snprintf(last, sizeof last, "%lld", (long long)n);
        int at_last = width - ll > lf + 1 ? width - ll : lf + 1;
        int at_middle = (int)lround(x_pos((n + 1) / 2 - 1, n, width - 1)) - lm / 2;
        memset(xl, ' ', (size_t)at_last);
        memcpy(xl, first, (size_t)lf);
        if (n >= 3 && at_middle > lf && at_middle + lm < at_last)
            memcpy(xl + at_middle, middle, (size_t)lm);
        if (n >= 2)
            memcpy(xl + at_last, last, (size_t)ll);
        else
            xl[lf] = '\0';
        gc_text_add(&t, "%*s  %s\n", margin, "", xl);
        free(xl);
    } else {
        t.failed = 1;
    }
    note_skipped(&t, v, n, r.finite);
    free(c.cells);
    return gc_text_finish(&t, "plot");
}

/* ---- SVG ------------------------------------------------------------------------------ */

static void put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '"')
            fputs("&quot;", f);
        else
            fputc(*s, f);
    }
}

int gc_plot_svg(const double *v, int64_t n, const char *path, const char *title)
{
    enum { W = 640, H = 360, LEFT = 70, RIGHT = 20, TOP = 30, BOTTOM = 40 };
    const double pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM; /* the plotting area */
    Range r;
    if (check_values(v, n, &r)) return -1;
    size_t len = strlen(path);
    char *tmp = malloc(len + 5);
    if (!tmp) {
        gc_set_error("plot: out of memory");
        return -1;
    }
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".tmp", 5);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        gc_set_error("plot: cannot write %s: %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    char hi[32], lo[32];
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
            W, H, W, H);
    fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H);
    if (title) {
        fprintf(f, "<text x=\"%d\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">", W / 2);
        put_escaped(f, title);
        fputs("</text>\n", f);
    }
    fprintf(f, "<path d=\"M%d %d V%d H%d\" fill=\"none\" stroke=\"black\"/>\n", LEFT, TOP,
            H - BOTTOM, W - RIGHT);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", LEFT - 6, TOP + 4,
            gc_format_number(r.hi, 4, hi, sizeof hi));
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", LEFT - 6, H - BOTTOM + 4,
            gc_format_number(r.lo, 4, lo, sizeof lo));
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"start\">1</text>\n", LEFT, H - BOTTOM + 18);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%lld</text>\n", W - RIGHT,
            H - BOTTOM + 18, (long long)n);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">step</text>\n", LEFT + (int)pw / 2,
            H - 8);
    /* one polyline per run of finite values */
    int open = 0;
    for (int64_t i = 0; i <= n; i++) {
        if (i == n || !isfinite(v[i])) {
            if (open) fputs("\"/>\n", f);
            open = 0;
            continue;
        }
        if (!open)
            fputs("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"", f);
        fprintf(f, "%s%.2f,%.2f", open ? " " : "", LEFT + x_pos(i, n, pw),
                TOP + y_pos(v[i], r, ph));
        open = 1;
    }
    fputs("</svg>\n", f);
    int failed = ferror(f);
    failed |= fclose(f) != 0;
    if (failed || rename(tmp, path)) {
        gc_set_error("plot: cannot write %s: %s", failed ? tmp : path, strerror(errno));
        remove(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

/*
 * plot.h - line charts of a list of numbers (loss curves): as text for the
 * terminal, drawn with braille dots, and as an SVG file.
 *
 * Plain C, no Lua. Non-finite values (nan, inf) are left out of the line,
 * which breaks there.
 */
#ifndef GRADCALC_PLOT_H
#define GRADCALC_PLOT_H

#include <stdint.h>

/*
 * The chart of v[0..n-1] as a malloc'd string the caller frees: a title line
 * when title is not NULL, height rows of width braille cells with the
 * maximum and minimum labelled on the y-axis, the x-axis, a line of step
 * numbers (1..n), and a note when values were skipped. NULL with gc_error()
 * set when n is 0, no value is finite, or memory runs out.
 */
char *gc_plot_text(const double *v, int64_t n, int width, int height, const char *title);

/*
 * Writes the chart as an SVG file at path: first to path.tmp, then renamed,
 * so path is never left half written. 0, or -1 with gc_error() set.
 */
int gc_plot_svg(const double *v, int64_t n, const char *path, const char *title);

#endif

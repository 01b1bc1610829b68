/*
 * markdown.h - terminal text as Markdown with LaTeX (markdown.c).
 */
#ifndef GRADCALC_MARKDOWN_H
#define GRADCALC_MARKDOWN_H

/* Terminal text as Markdown, with each formula line as LaTeX math. */
char *gc_trace_markdown(const char *text, const char *title);

#endif

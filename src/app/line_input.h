/*
 * line_input.h - one line typed at the terminal, with GNU Readline
 * (line_input.c): gradcalc's prompt and a lesson's answer prompt both read
 * through it.
 */
#ifndef GRADCALC_LINE_INPUT_H
#define GRADCALC_LINE_INPUT_H

enum { LINE_OK, LINE_EOF, LINE_INTERRUPTED };

/*
 * Shows prompt and reads a line with line editing into *line (malloc'd, the
 * caller frees it). LINE_OK; LINE_EOF at Ctrl-D; LINE_INTERRUPTED when
 * Ctrl-C dropped the line (run_sigint_seen is cleared again). *line is NULL
 * unless LINE_OK. For a terminal only.
 */
int line_input_read(const char *prompt, char **line);

#endif

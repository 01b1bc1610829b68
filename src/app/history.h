/*
 * history.h - the learner's input, kept across sessions (history.c).
 */
#ifndef GRADCALC_HISTORY_H
#define GRADCALC_HISTORY_H

void history_open(void); /* reads the file, if any */
void history_remember(const char *entry);
void history_close(void); /* trims the file to its bound */

#endif

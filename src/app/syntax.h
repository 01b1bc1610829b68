/*
 * syntax.h - what Lua calls a name (syntax.c), for completion and for
 * printing table keys.
 */
#ifndef GRADCALC_SYNTAX_H
#define GRADCALC_SYNTAX_H

/* Lua 5.4's reserved words, NULL-terminated. */
extern const char *const syntax_keywords[];

/* 1 when s is letters, digits and '_', not starting with a digit. */
int syntax_is_name(const char *s);
/* 1 when s is a reserved word. */
int syntax_is_keyword(const char *s);

#endif

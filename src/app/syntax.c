/*
 * syntax.c - what Lua calls a name: its reserved words and the characters
 * of an identifier. Completion offers the keywords; the printer writes a
 * table key bare only when Lua would read it back as a name.
 */
#include <string.h>
#include "app/syntax.h"

const char *const syntax_keywords[] = {
    "and",      "break",  "do",   "else", "elseif", "end",   "false", "for",
    "function", "goto",   "if",   "in",   "local",  "nil",   "not",   "or",
    "repeat",   "return", "then", "true", "until",  "while", NULL,
};

static int is_name_char(char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int syntax_is_name(const char *s)
{
    if (*s == '\0' || (*s >= '0' && *s <= '9')) return 0;
    for (; *s; s++)
        if (!is_name_char(*s)) return 0;
    return 1;
}

int syntax_is_keyword(const char *s)
{
    for (int i = 0; syntax_keywords[i]; i++)
        if (strcmp(s, syntax_keywords[i]) == 0) return 1;
    return 0;
}

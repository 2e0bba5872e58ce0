/*
 * Text for people and from them: a comment and blanks stripped from a
 * line of a file people write, bytes made fit to show in a message, a
 * hexadecimal digit's value, a bad input line said.
 */
#ifndef RW_TEXT_H
#define RW_TEXT_H

#include <stddef.h>

/* Strip a comment ('#' at the start or after white space) and the white
 * space around what is left, NUL-terminating it (s must have room for
 * s[len]); returns the new length. */
size_t text_strip(char *s, size_t len, char **start);

/* s[0..n) made fit to show in a message: non-printable bytes as \xHH,
 * cut with "..." to fit bufsz (at least 8).  Returns buf. */
const char *text_quote(const char *s, size_t n, char *buf, size_t bufsz);

/* The value of a hexadecimal digit, or -1. */
int text_hexval(int c);

/*
 * A bad input line, said on the standard error as "WHERE:LINE: "TEXT":
 * WHAT: WHY" ("...: WHY" when what is NULL) for the first 100 (counted in
 * *count), then once that the rest are not reported.
 */
void text_warn_line(unsigned long long *count, const char *where,
    unsigned long long lineno, const char *line, size_t len,
    const char *what, const char *why);

#endif

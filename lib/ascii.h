/*
 * Mail text as ASCII, whatever the locale: case-folding searches over
 * bytes that need not end in a NUL, and copies fit to show.
 */
#ifndef RW_ASCII_H
#define RW_ASCII_H

#include <stddef.h>

static inline int
ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static inline int
ascii_isalnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

static inline int
ascii_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The first place of needle (in lower case) in s[0..n), in any case;
 * NULL when it is not there. */
const char *ascii_find_ci(const char *s, size_t n, const char *needle);

/* s[0..n) in lower case into low (n bytes); returns n. */
size_t ascii_lower_copy(char *low, const char *s, size_t n);

/* Whether low[0..n), already in lower case, holds one of list (lower
 * case, NULL-terminated). */
int ascii_holds_lower(const char *low, size_t n, const char *const *list);

/* Whether s[0..n), in any case, holds one of list; at most
 * ASCII_FOLD_MAX bytes of it are looked at. */
#define ASCII_FOLD_MAX 4096
int ascii_holds_ci(const char *s, size_t n, const char *const *list);

/* s[0..n) into dst (dstsz bytes, NUL-terminated) with runs of white space
 * made one blank, the ends trimmed and control bytes made '?'. */
void ascii_copy_clean(char *dst, size_t dstsz, const char *s, size_t n);

#endif

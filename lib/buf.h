/*
 * Text being composed: a message, the lines of an append, a program's
 * output.  It grows as needed, up to max bytes when max is set (a
 * message must stay bounded); going past max is a program error, out of
 * memory the end (both said, then exit 70 and 71).
 */
#ifndef RW_BUF_H
#define RW_BUF_H

#include <stddef.h>

struct buf {
	char *p;		/* p[0 .. len), NUL-terminated when p */
	size_t len, cap;
	size_t max;		/* 0: no limit */
	const char *what;	/* for the message past max */
};

void buf_add(struct buf *b, const char *s, size_t n);
void buf_str(struct buf *b, const char *s);
/* Several strings, up to a NULL. */
void buf_strs(struct buf *b, const char *s, ...);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);

#endif

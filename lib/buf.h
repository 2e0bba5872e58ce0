/*
 * Text being composed: a message, the lines of an append, a program's
 * output.  It grows as needed, up to max bytes when max is set (a
 * message must stay bounded); going past max is a program error, out of
 * memory the end (both said, then exit 70 and 71).
 */
#ifndef RW_BUF_H
#define RW_BUF_H

#include <stddef.h>
#include <string.h>

struct buf {
	char *p;		/* p[0 .. len), NUL-terminated when p */
	size_t len, cap;
	size_t max;		/* 0: no limit */
	const char *what;	/* for the message past max */
};

void buf_add_slow(struct buf *b, const char *s, size_t n);

/* (inline: a probe is some forty pieces) */
static inline void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n < b->cap && (b->max == 0 || b->len + n <= b->max)) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
		b->p[b->len] = '\0';
	} else
		buf_add_slow(b, s, n);
}

static inline void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}
/* Several strings, up to a NULL. */
void buf_strs(struct buf *b, const char *s, ...);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);

#endif

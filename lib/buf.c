/*
 * Text being composed (buf.h).
 */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "grow.h"

/* Room for n more bytes and a NUL. */
static void
room(struct buf *b, size_t n)
{
	if (b->max && b->len + n > b->max)
		errx(EX_SOFTWARE, "%s too long (more than %zu bytes)",
		    b->what ? b->what : "text", b->max);
	if ((b->p = grow(b->p, &b->cap, b->len + n + 1, 1)) == NULL)
		err(EX_OSERR, "out of memory");
}

void
buf_add_slow(struct buf *b, const char *s, size_t n)
{
	room(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
buf_strs(struct buf *b, const char *s, ...)
{
	va_list ap;

	va_start(ap, s);
	for (; s; s = va_arg(ap, const char *))
		buf_str(b, s);
	va_end(ap);
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		err(EX_SOFTWARE, "vsnprintf");
	room(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

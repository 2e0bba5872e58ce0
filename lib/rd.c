/*
 * The filters' line reader (rd.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rd.h"

#define RD_CHUNK (1024 * 1024)

int
rd_init(struct reader *r, int fd, size_t maxline)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->maxline = maxline;
	r->cap = maxline + RD_CHUNK;
	r->buf = malloc(r->cap);
	return r->buf ? 0 : -1;
}

void
rd_free(struct reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

static int
input_waiting(int fd)
{
	struct pollfd p;
	int rc;

	p.fd = fd;
	p.events = POLLIN;
	p.revents = 0;
	/* A signal (the supervisor's SIGUSR1) is no input: ask again, or
	 * the pause hook is skipped and what is written waits for the next
	 * input.  On another error, say yes: the read that follows will
	 * tell. */
	while ((rc = poll(&p, 1, 0)) < 0 && errno == EINTR)
		;
	return rc != 0;
}

/* Read more into the buffer; 1 read, 0 end of input, -1 error. */
static int
fill(struct reader *r)
{
	ssize_t n;

	if (r->start > 0 && (r->start == r->end || r->cap - r->end < RD_CHUNK)) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->scan -= r->start;
		r->start = 0;
	}
	if (r->on_pause && !input_waiting(r->fd) && r->on_pause(r->pause_arg))
		return -1;
	do
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	r->end += (size_t)n;
	return 1;
}

/* Drop the buffer's bytes up to at, counted. */
static void
drop(struct reader *r, size_t at)
{
	r->dropped += at - r->start;
	r->start = r->scan = at;
}

/* No whole line in the buffer: drop an over-long line's start, then read
 * more.  1 read, 0 end of input, -1 error. */
static int
more(struct reader *r)
{
	if (r->end - r->start > r->maxline) {
		/* Keep nothing of an over-long line. */
		r->skipping = 1;
		drop(r, r->end);
	}
	if (r->eof)
		return 0;
	return fill(r);
}

int
rd_line_slow(struct reader *r, char **line, size_t *len, int *flags)
{
	for (;;) {
		char *nl = NULL;
		int rc;

		if (r->scan < r->end)
			nl = memchr(r->buf + r->scan, '\n', r->end - r->scan);
		if (nl) {
			size_t at = (size_t)(nl - r->buf);

			r->lineno++;
			*line = r->buf + r->start;
			*len = at - r->start;
			*flags = 0;
			if (r->skipping || *len > r->maxline) {
				r->skipping = 0;
				*len = 0;
				*flags = RD_TOOLONG;
				drop(r, at + 1);
			} else
				r->start = r->scan = at + 1;
			return 1;
		}
		r->scan = r->end;
		if ((rc = more(r)) < 0)
			return -1;
		if (rc == 0) {
			if (r->start == r->end && !r->skipping)
				return 0;
			r->lineno++;
			*line = r->buf + r->start;
			*len = r->end - r->start;
			*flags = RD_NOEOL;
			if (r->skipping) {
				*len = 0;
				*flags |= RD_TOOLONG;
				drop(r, r->end);
			} else
				r->start = r->scan = r->end;
			r->skipping = 0;
			return 1;
		}
	}
}

int
rd_chunk(struct reader *r, char **start, char **end, int *flags)
{
	*flags = 0;
	r->start = r->scan;
	for (;;) {
		size_t last;
		int rc;

		if (r->skipping) {
			char *nl = memchr(r->buf + r->start, '\n',
			    r->end - r->start);

			if (nl) {
				drop(r, (size_t)(nl - r->buf) + 1);
				r->skipping = 0;
				*flags |= RD_TOOLONG;
			} else
				drop(r, r->end);
		}
		last = r->end;
		while (last > r->start && r->buf[last - 1] != '\n')
			last--;
		if (last > r->start) {
			*start = r->buf + r->start;
			*end = r->buf + last;
			r->scan = last;
			return 1;
		}
		if ((rc = more(r)) < 0)
			return -1;
		if (rc == 0) {
			if (r->skipping) {
				r->skipping = 0;
				*flags |= RD_TOOLONG;
			}
			if (r->start == r->end) {
				if (*flags == 0)
					return 0;
				*start = *end = r->buf + r->end;
				return 1;
			}
			*start = r->buf + r->start;
			*end = r->buf + r->end;
			*flags |= RD_NOEOL;
			r->start = r->scan = r->end;
			return 1;
		}
	}
}

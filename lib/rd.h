/*
 * Line streams for the filters: the reader (the writer is wr.h).  They live in "tail -F mainlog | ..."
 * pipelines: output must reach the next filter as soon as input pauses,
 * yet bulk input must go at full speed, without a write(2) per line.  The
 * reader calls a hook (flushing the writer) whenever the next read would
 * block; the writer otherwise writes only when its buffer is full.
 */
#ifndef RW_RD_H
#define RW_RD_H

#include <stddef.h>
#include <string.h>

#define RD_TOOLONG 1	/* the line was longer than the limit: no content */
#define RD_NOEOL 2	/* the last line had no newline */

struct reader {
	int fd;
	char *buf;
	size_t cap, maxline;
	size_t start, end, scan;
	int eof, skipping;
	unsigned long long lineno;
	unsigned long long dropped;	/* bytes of over-long lines dropped */
	int (*on_pause)(void *);
	void *pause_arg;
};

/* Returns 0, or -1 (out of memory).  Lines longer than maxline bytes are
 * not returned whole: rd_line reports them with RD_TOOLONG, and counts
 * their bytes and newlines in r->dropped. */
int rd_init(struct reader *r, int fd, size_t maxline);
void rd_free(struct reader *r);

/*
 * Next line, without its newline, in *line and *len (valid until the next
 * call; not NUL-terminated).  Returns 1 for a line (with *flags), 0 at the
 * end of input, -1 on a read error (errno set) or when the pause hook
 * returned non-zero.
 */
int rd_line_slow(struct reader *r, char **line, size_t *len, int *flags);

/* The common case, a whole line in the buffer, inline: filters call this
 * once per line of a busy main log. */
static inline int
rd_line(struct reader *r, char **line, size_t *len, int *flags)
{
	if (!r->skipping && r->scan < r->end) {
		char *nl = memchr(r->buf + r->scan, '\n', r->end - r->scan);
		size_t at;

		if (nl == NULL)
			r->scan = r->end;
		else if ((at = (size_t)(nl - r->buf)) - r->start <= r->maxline) {
			r->lineno++;
			*line = r->buf + r->start;
			*len = at - r->start;
			*flags = 0;
			r->start = r->scan = at + 1;
			return 1;
		}
	}
	return rd_line_slow(r, line, len, flags);
}

/*
 * For scanners that look only at some lines: the next run of whole lines
 * in the buffer, [*start, *end), *end just after a newline.  The lines are
 * consumed by the next call.  A line longer than maxline that is not
 * whole in the buffer when more must be read is dropped: *flags has
 * RD_TOOLONG on the run after it (which may be empty), and r->dropped
 * grows by its bytes and newline (input read = runs + dropped).  Lines in
 * a run may still be longer than maxline: the scanner checks.  *flags has
 * RD_NOEOL on the last run of the input when it does not end in a newline
 * (it is then all that is left).  Returns 1, 0 at the end, or -1 as
 * rd_line does.  Do not mix with rd_line on one reader.
 */
int rd_chunk(struct reader *r, char **start, char **end, int *flags);

#endif
